"""Each new workflow instance re-imports only its own module: its helpers are passed through."""

from __future__ import annotations

import importlib._bootstrap as bootstrap
from typing import Any

import pytest
from temporalio import workflow
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from workers.worker import compile_workflow_modules
from workflows.course_term import CourseTermWorkflow
from workflows.episode import EpisodeWorkflow


@pytest.mark.parametrize("workflow_class", [EpisodeWorkflow, CourseTermWorkflow])
async def test_a_new_workflow_instance_imports_only_its_own_module_afresh(
    workflow_class: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A restarted worker replays every episode in a new instance: with `from workflows
    # import facts` the sandbox loaded nine helper modules again for each one.
    compile_workflow_modules()
    runner = SandboxedWorkflowRunner()
    definition = workflow._Definition.must_from_class(workflow_class)
    runner.prepare_workflow(definition)
    loaded: list[str] = []
    # importlib's loader step, private: looked up by name (typeshed does not list it).
    load = vars(bootstrap)["_load_unlocked"]

    def spy(spec: Any) -> Any:
        loaded.append(spec.name)
        return load(spec)

    monkeypatch.setitem(vars(bootstrap), "_load_unlocked", spy)
    runner.prepare_workflow(definition)
    assert sorted(loaded) == ["workflows", workflow_class.__module__]
