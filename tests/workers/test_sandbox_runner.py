"""The worker's sandbox runner compiles its calls into a workflow once, and is still the
sandbox: a workflow that reaches outside it is stopped as with the SDK's own runner."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from tests.test_keys import TEST_CONVERTER
from tests.workers.sandbox_workflows import Answers, ReadsTheClock
from workers import sandbox_runner
from workers.sandbox_runner import CompiledOnceSandboxRunner, compiled
from workflows.episode import EpisodeWorkflow

HISTORY = Path(__file__).parent.parent / "workflows" / "histories" / "bro-til-hverdagslivet.json"


def test_each_source_is_compiled_once() -> None:
    source = "answer = 6 * 7\n"
    first = compiled(source)
    assert compiled(source) is first
    scope: dict[str, object] = {}
    exec(first, scope)
    assert scope["answer"] == 42


async def test_a_stored_episode_replays_and_the_calls_are_compiled_once() -> None:
    history = WorkflowHistory.from_json("episode-replay", HISTORY.read_text(encoding="utf-8"))
    replayer = Replayer(
        workflows=[EpisodeWorkflow],
        data_converter=TEST_CONVERTER,
        workflow_runner=CompiledOnceSandboxRunner(),
    )
    await replayer.replay_workflow(history)
    known = set(sandbox_runner._COMPILED)
    assert any("__temporal_in_sandbox.activate" in s for s in known)
    await replayer.replay_workflow(history)
    assert set(sandbox_runner._COMPILED) == known, "a second replay compiles nothing new"


async def test_workflows_run_and_the_sandbox_still_refuses(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    client = time_skipping_env.client
    queue = f"sandbox-runner-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client,
        task_queue=queue,
        workflows=[Answers, ReadsTheClock],
        workflow_runner=CompiledOnceSandboxRunner(),
    ):
        done = await client.execute_workflow(
            Answers.run, "run", id=f"answers-{queue}", task_queue=queue
        )
        assert done.startswith("run at ")
        with pytest.raises(WorkflowFailureError) as failed:
            await client.execute_workflow(ReadsTheClock.run, id=f"clock-{queue}", task_queue=queue)
    assert "datetime.datetime.now" in str(failed.value.cause)
