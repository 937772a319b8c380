"""The episode takes from the citizen only what a citizen may report (their goals, added and
reworded; schemas/events.CITIZEN_EVENT_TYPES) and only from its own citizen: the update
refuses anything else naming why, and a signal (the intake's redelivery path) is left
unapplied. The run replays on the current code.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records the run for the replay tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer

from command.synthetic.driver import EpisodeDriver
from db.pool import DatabasePool
from schemas.events import (
    ContactLogged,
    ContactPayload,
    EpisodeEvent,
    GoalAdded,
    GoalChanged,
    GoalChangedPayload,
    GoalDropped,
    GoalDroppedPayload,
)
from schemas.goals import Goal, GoalArea
from schemas.people import Actor, Role
from tests.conftest import eventually
from tests.test_keys import TEST_CONVERTER
from workflows.episode import EpisodeWorkflow

HISTORIES = Path(__file__).parent / "histories"
NewEpisode = Callable[..., Awaitable[EpisodeDriver]]


def eid() -> str:
    return f"citizen-{uuid.uuid4().hex}"


async def citizen_of(pool: DatabasePool, episode_id: str) -> str:
    async def found() -> str | None:
        async with pool.acquire() as conn:
            citizen: str | None = await conn.fetchval(
                "SELECT citizen_id FROM episodes WHERE episode_id = $1", episode_id
            )
        return citizen

    await eventually(found, timeout=20)
    citizen = await found()
    assert citizen is not None
    return citizen


async def citizen_and_stranger(pool: DatabasePool, episode_id: str) -> tuple[Actor, Actor]:
    """The episode's own citizen and a citizen of no episode, as the actors of events."""
    own = Actor(role=Role.CITIZEN, id=await citizen_of(pool, episode_id))
    return own, Actor(role=Role.CITIZEN, id=f"citizen-{uuid.uuid4().hex[:12]}")


async def refused(episode: EpisodeDriver, event: EpisodeEvent) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await episode.handle.execute_update(EpisodeWorkflow.submit_event, event)
    cause = err.value.cause
    assert isinstance(cause, ApplicationError)
    return cause.message


async def test_the_citizen_adds_and_rewords_their_goals_and_nothing_else(
    new_episode: NewEpisode, db_pool: DatabasePool
) -> None:
    episode = await new_episode()
    citizen, stranger = await citizen_and_stranger(db_pool, episode.id)
    now = await episode.now()

    added = GoalAdded(
        event_id=eid(),
        occurred_at=now,
        actor=citizen,
        payload=Goal(area=GoalArea.OTHER, text="Sove bedre"),
    )
    await episode.handle.execute_update(EpisodeWorkflow.submit_event, added)
    changed = GoalChanged(
        event_id=eid(),
        occurred_at=now,
        actor=citizen,
        payload=GoalChangedPayload(goal_id="g2", area=GoalArea.OTHER, text="Sove hele natten"),
    )
    await episode.handle.execute_update(EpisodeWorkflow.submit_event, changed)

    # Not a citizen's to report, and not another citizen's episode.
    dropped = GoalDropped(
        event_id=eid(), occurred_at=now, actor=citizen, payload=GoalDroppedPayload(goal_id="g2")
    )
    assert await refused(episode, dropped) == "type: a citizen may not report this kind of event"
    contact = ContactLogged(
        event_id=eid(), occurred_at=now, actor=citizen, payload=ContactPayload()
    )
    assert await refused(episode, contact) == "type: a citizen may not report this kind of event"
    foreign = GoalAdded(
        event_id=eid(),
        occurred_at=now,
        actor=stranger,
        payload=Goal(area=GoalArea.JOB, text="Ikke min borgers mål"),
    )
    assert (
        await refused(episode, foreign) == "actor: only the episode's own citizen may report for it"
    )

    # The same by signal (as the intake's redelivery hands events over): left unapplied.
    await episode.send(contact)
    await episode.send(foreign)
    last = GoalChanged(
        event_id=eid(),
        occurred_at=now,
        actor=citizen,
        payload=GoalChangedPayload(goal_id="g2", area=GoalArea.NETWORK, text="Sove og se venner"),
    )
    await episode.handle.execute_update(EpisodeWorkflow.submit_event, last)
    async with db_pool.acquire() as conn:
        goals = await conn.fetch(
            "SELECT goal_id, area, text, status FROM episode_goals WHERE episode_id = $1"
            " ORDER BY goal_no",
            episode.id,
        )
        contacts = await conn.fetchval(
            "SELECT count(*) FROM timeline WHERE episode_id = $1 AND kind = 'contact'",
            episode.id,
        )
    assert [tuple(r) for r in goals] == [
        ("g1", "network", "Meet people again", "active"),
        ("g2", "network", "Sove og se venner", "active"),
    ]
    assert contacts == 0

    history = await episode.handle.fetch_history()
    replayer = Replayer(workflows=[EpisodeWorkflow], data_converter=TEST_CONVERTER)
    await replayer.replay_workflow(history)
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        path = HISTORIES / f"peer-guide-sind.{label}-citizen.json"
        path.write_text(history.to_json(), encoding="utf-8")
