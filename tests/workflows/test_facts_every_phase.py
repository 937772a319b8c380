"""Facts acted on in every phase, and a debrief after every ending (time-skipping server).

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records these runs for the replay tests."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from command.synthetic.driver import EpisodeDriver
from db.pool import DatabasePool
from schemas.consent import ConsentScope
from schemas.episode import EpisodeView, Phase
from schemas.events import (
    Admitted,
    AdmittedPayload,
    CareSetting,
    ConsentWithdrawn,
    ConsentWithdrawnPayload,
    Deceased,
    Discharged,
    EpisodeEvent,
    ReferralCancelled,
    RiskChanged,
    RiskChangedPayload,
)
from schemas.people import Actor, Role
from schemas.tasks import DecisionAction, Task, TaskKind, TaskStatus
from tests.conftest import eventually
from workflows.episode import EpisodeWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def record_history_if_asked(episode: EpisodeDriver, scenario: str) -> None:
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        history = await episode.handle.fetch_history()
        path = HISTORIES / f"peer-guide-sind.{label}-{scenario}.json"
        path.write_text(history.to_json(), encoding="utf-8")


def eid() -> str:
    return uuid.uuid4().hex


def open_task(view: EpisodeView, kind: TaskKind) -> Task:
    return next(t for t in view.open_tasks if t.kind == kind)


async def discharge_now(episode: EpisodeDriver) -> EpisodeView:
    """The ward discharges the citizen now; the episode once it has recorded it."""
    await episode.send(
        Discharged(event_id=eid(), occurred_at=await episode.now(), actor=episode.ward())
    )
    return await episode.until(lambda v: v.discharged_at is not None)


async def read_model(pool: DatabasePool, episode_id: str) -> tuple[object, list[str]]:
    """The episode row's discharged_at and the templates sent to its coordinator."""
    async with pool.acquire() as conn:
        discharged_at = await conn.fetchval(
            "SELECT discharged_at FROM episodes WHERE episode_id = $1", episode_id
        )
        rows = await conn.fetch(
            "SELECT DISTINCT template FROM outbox WHERE episode_id = $1"
            " AND recipient_role = 'coordinator'",
            episode_id,
        )
    return discharged_at, [r["template"] for r in rows]


async def test_discharged_while_an_offer_stands_starts_the_clock_and_alerts_the_coordinator(
    new_episode, db_pool
) -> None:
    episode = await new_episode()
    offer = await episode.task(TaskKind.PEER_OFFER)
    assert offer.due_at is not None
    at = await episode.now()
    view = await discharge_now(episode)

    assert view.phase == Phase.MATCHING
    assert view.discharged_at is not None and abs(view.discharged_at - at) < timedelta(minutes=1)
    clock = open_task(view, TaskKind.FIRST_CONTACT)
    assert clock.assignee.role == Role.COORDINATOR
    assert clock.due_at == view.discharged_at + timedelta(hours=72)
    hurried = open_task(view, TaskKind.PEER_OFFER)
    assert hurried.due_at is not None and hurried.due_at <= at + timedelta(hours=4, minutes=1)

    async def alerted() -> bool:
        discharged_at, templates = await read_model(db_pool, episode.id)
        return discharged_at == view.discharged_at and "discharged_without_peer" in templates

    await eventually(alerted)

    peer = await episode.accept_offer()
    view = await episode.phase(Phase.DISCHARGED)
    contact = open_task(view, TaskKind.FIRST_CONTACT)
    assert contact.task_id == clock.task_id
    assert (contact.assignee.role, contact.assignee.id) == (Role.PEER, peer)
    assert contact.due_at == clock.due_at, "the peer takes over the deadline of the discharge"
    await episode.decide(TaskKind.FIRST_CONTACT)
    view = await episode.phase(Phase.FOLLOW_UP)
    assert view.first_contact_at is not None
    await record_history_if_asked(episode, "discharged-matching")


async def test_an_unanswered_offer_after_the_discharge_lapses_in_hours_not_a_day(
    new_episode,
) -> None:
    episode = await new_episode()
    first = await episode.task(TaskKind.PEER_OFFER)
    await discharge_now(episode)
    await episode.env.sleep(timedelta(hours=4, minutes=5))
    view = await episode.until(lambda v: any(t.number == 2 for t in v.open_tasks))
    second = next(t for t in view.open_tasks if t.number == 2)
    assert second.assignee.id != first.assignee.id
    assert second.due_at is not None and second.due_at - second.created_at == timedelta(hours=4)


async def test_discharged_while_unmatched_starts_the_clock_and_alerts_the_coordinator(
    new_episode, db_pool
) -> None:
    episode = await new_episode(peers=0)
    manual = await episode.task(TaskKind.MANUAL_MATCH)
    assert manual.due_at is not None
    view = await discharge_now(episode)

    assert view.phase == Phase.UNMATCHED
    assert view.discharged_at is not None
    clock = open_task(view, TaskKind.FIRST_CONTACT)
    assert clock.assignee.role == Role.COORDINATOR
    assert clock.due_at == view.discharged_at + timedelta(hours=72)
    sooner = open_task(view, TaskKind.MANUAL_MATCH)
    assert sooner.due_at is not None and sooner.due_at < manual.due_at

    async def alerted() -> bool:
        discharged_at, templates = await read_model(db_pool, episode.id)
        return discharged_at is not None and "discharged_without_peer" in templates

    await eventually(alerted)
    # The clock runs with nobody matched: past its deadline the first contact is overdue.
    await episode.env.sleep(timedelta(hours=73))
    view = await episode.until(lambda v: open_task(v, TaskKind.FIRST_CONTACT).overdue)
    assert view.overdue_tasks >= 1
    await record_history_if_asked(episode, "discharged-unmatched")


async def test_while_the_citizen_is_still_admitted_no_clock_runs_and_offers_stand_a_day(
    new_episode,
) -> None:
    episode = await new_episode()
    offer = await episode.task(TaskKind.PEER_OFFER)
    assert offer.due_at is not None
    assert offer.due_at - offer.created_at == timedelta(hours=24)
    view = await episode.view()
    assert view.discharged_at is None
    assert not any(t.kind == TaskKind.FIRST_CONTACT for t in view.open_tasks)


async def test_risk_raised_after_the_discharge_shortens_the_first_contact_deadline(
    new_episode,
) -> None:
    episode = await new_episode()
    await episode.accept_offer()
    await episode.discharge()
    contact = await episode.task(TaskKind.FIRST_CONTACT)
    view = await episode.view()
    assert view.discharged_at is not None
    assert contact.due_at == view.discharged_at + timedelta(hours=72)

    await episode.send(
        RiskChanged(
            event_id=eid(),
            occurred_at=await episode.now(),
            actor=episode.ward(),
            payload=RiskChangedPayload(elevated=True),
        )
    )
    shortened = view.discharged_at + timedelta(hours=48)
    view = await episode.until(lambda v: open_task(v, TaskKind.FIRST_CONTACT).due_at == shortened)
    assert view.risk_elevated
    # The shorter deadline is the one acted on: escalated after 48 hours, not 72.
    await episode.env.sleep(timedelta(hours=49))
    escalated = await episode.until(
        lambda v: any(
            t.kind in (TaskKind.FIRST_CONTACT_ESCALATION, TaskKind.TASK_ESCALATION)
            for t in v.open_tasks
        )
    )
    assert open_task(escalated, TaskKind.FIRST_CONTACT).overdue
    await record_history_if_asked(episode, "risk-raised")


def ending(kind: str, episode: EpisodeDriver, at: datetime) -> EpisodeEvent:
    ward = episode.ward()
    if kind == "withdrawn":
        return ConsentWithdrawn(
            event_id=eid(),
            occurred_at=at,
            actor=ward,
            payload=ConsentWithdrawnPayload(scope=ConsentScope.PEER_SUPPORT),
        )
    if kind == "cancelled":
        return ReferralCancelled(event_id=eid(), occurred_at=at, actor=ward)
    return Deceased(event_id=eid(), occurred_at=at, actor=ward)


@pytest.mark.parametrize("phase", [Phase.WITHDRAWN, Phase.CANCELLED, Phase.DECEASED])
async def test_the_peer_gets_a_debrief_after_the_ending_and_the_coordinator_hears_of_it(
    phase: Phase, new_episode, db_pool
) -> None:
    episode = await new_episode()
    peer = await episode.accept_offer()
    await episode.send(ending(phase.value, episode, await episode.now()))
    debrief = await episode.task(TaskKind.DEBRIEF)
    assert (debrief.assignee.role, debrief.assignee.id) == (Role.PEER, peer)
    view = await episode.view()
    assert view.phase == phase, "the ending shows at once; the debrief follows it"
    assert [t.kind for t in view.open_tasks] == [TaskKind.DEBRIEF]

    await episode.decide(TaskKind.DEBRIEF, note="Hard news; talked it through")
    outcome = await episode.handle.result()
    assert outcome.final_phase == phase
    async with db_pool.acquire() as conn:
        task = await conn.fetchrow(
            "SELECT status, note FROM tasks WHERE task_id = $1", debrief.task_id
        )
        told = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE episode_id = $1 AND template = 'debrief_done'"
            " AND recipient_role = 'coordinator' AND task_id = $2",
            episode.id,
            debrief.task_id,
        )
        row = await conn.fetchrow(
            "SELECT phase, closed_at FROM episodes WHERE episode_id = $1", episode.id
        )
        load = await conn.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", peer)
    assert task is not None and task["status"] == "completed"
    assert task["note"] == "Hard news; talked it through"
    assert told >= 1
    assert row is not None and row["phase"] == phase.value
    assert row["closed_at"] is not None and row["closed_at"] < debrief.created_at + timedelta(
        minutes=1
    ), "closed when it ended, not when the debrief was done"
    assert load == 0, "the peer's slot is free at the ending, not after the debrief"
    await record_history_if_asked(episode, f"debrief-{phase.value}")


async def test_a_debrief_nobody_does_does_not_keep_the_episode_alive(new_episode, db_pool) -> None:
    episode = await new_episode()
    await episode.accept_offer()
    await episode.send(ending("deceased", episode, await episode.now()))
    debrief = await episode.task(TaskKind.DEBRIEF)
    await episode.env.sleep(timedelta(days=27))
    view = await episode.view()
    assert open_task(view, TaskKind.DEBRIEF).overdue, "still waited for, and overdue"
    await episode.env.sleep(timedelta(days=1, hours=1))
    outcome = await episode.handle.result()
    assert outcome.final_phase == Phase.DECEASED
    async with db_pool.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM tasks WHERE task_id = $1", debrief.task_id)
    assert status == "expired"


async def test_an_episode_ended_before_a_peer_was_matched_has_no_debrief(
    new_episode, db_pool
) -> None:
    episode = await new_episode()
    await episode.task(TaskKind.PEER_OFFER)
    await episode.send(ending("deceased", episode, await episode.now()))
    outcome = await episode.handle.result()
    assert outcome.final_phase == Phase.DECEASED
    async with db_pool.acquire() as conn:
        debriefs = await conn.fetchval(
            "SELECT count(*) FROM tasks WHERE episode_id = $1 AND kind = 'debrief'", episode.id
        )
    assert debriefs == 0


async def test_after_the_ending_only_the_debrief_can_be_decided(new_episode) -> None:
    from temporalio.client import WorkflowUpdateFailedError

    from schemas.tasks import TaskDecision
    from workflows.episode import EpisodeWorkflow

    episode = await new_episode()
    peer = await episode.accept_offer()
    plan = await episode.task(TaskKind.DISCHARGE_AGREEMENT)
    await episode.send(ending("cancelled", episode, await episode.now()))
    await episode.task(TaskKind.DEBRIEF)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await episode.handle.execute_update(
            EpisodeWorkflow.decide_task,
            TaskDecision(
                task_id=plan.task_id,
                action=DecisionAction.COMPLETE,
                actor=Actor(role=Role.WARD, id=episode.roster.ward_nurse),
            ),
        )
    assert "task_id: the episode has ended (cancelled)" in str(refused.value.cause)
    result = await episode.decide(TaskKind.DEBRIEF, actor=Actor(role=Role.PEER, id=peer))
    assert result.status == TaskStatus.COMPLETED


async def test_an_emergency_visit_before_a_peer_is_matched_is_recorded_and_the_episode_goes_on(
    new_episode,
) -> None:
    """Nobody to tell yet: the visit is counted and the episode keeps answering (it used to
    fail its workflow task over and over)."""
    episode = await new_episode(peers=0)
    await discharge_now(episode)
    await episode.handle.execute_update(
        EpisodeWorkflow.submit_event,
        Admitted(
            event_id=eid(),
            occurred_at=await episode.now(),
            actor=episode.ward(),
            payload=AdmittedPayload(setting=CareSetting.EMERGENCY),
        ),
    )
    view = await episode.view()
    assert view.phase == Phase.UNMATCHED and view.peer_id is None
