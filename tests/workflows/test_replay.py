"""Old episodes still run: stored histories of every programme replay on the current code.

The histories in tests/workflows/histories/ were recorded from real runs with
`HVERDAGSBRO_RECORD_HISTORIES=<label> pytest tests/workflows/test_episode_lifecycle.py`, which
writes `<programme>.<label>.json` next to the older recordings. Old recordings are never
replaced: a change that breaks one needs `workflow.patched` (see README, "Changing workflow
code").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.test_keys import TEST_CONVERTER
from workers.sandbox_runner import CompiledOnceSandboxRunner
from workflows.episode import EpisodeWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))
# The first recordings (before any patch) carry no label: `<programme>.json`.


def test_there_is_a_stored_history_for_every_programme() -> None:
    from db.programmes import default_programmes

    stored = {p.name.split(".")[0] for p in HISTORIES}
    assert {p.code for p in default_programmes()} <= stored


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_stored_episode_replays_on_the_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(f"episode-{path.stem}", path.read_text(encoding="utf-8"))
    replayer = Replayer(
        workflows=[EpisodeWorkflow],
        data_converter=TEST_CONVERTER,
        workflow_runner=CompiledOnceSandboxRunner(),  # as the worker runs them
    )
    await replayer.replay_workflow(history)
