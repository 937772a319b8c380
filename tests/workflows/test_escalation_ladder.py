"""Nobody drops the ball: every task lapsing is reminded, escalated and escalated again.

The ladder of every task kind is climbed on an episode record without a server; whole
episodes on the time-skipping server show the same with the real worker, PostgreSQL and
the outbox, and that the process's own escalations (offers, first contact) do not double up."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from command.demo import DemoRoster, demo_roster
from command.synthetic.driver import EpisodeDriver, start
from command.synthetic.referral import referral
from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from db.synthetic import add_partner_organisation
from schemas.episode import Phase
from schemas.notifications import PARTNERSHIP, Template
from schemas.people import Actor, Recipient, Role
from schemas.programme import DEFAULT_LADDERS, Audience, EscalationLevel, Ladder, Programme
from schemas.tasks import (
    DecisionAction,
    JobStatus,
    ManualMatch,
    NetworkMeetingBooked,
    OutcomeAnswers,
    ReviewDecision,
    ServiceConfirmed,
    Task,
    TaskDecision,
    TaskKind,
    TaskResult,
    TaskStatus,
)
from tests.conftest import eventually
from tests.workflows.offline import PEER, OfflineRuntime, new_record, with_peer
from workflows import ladder
from workflows.decisions import apply_decision
from workflows.episode import EpisodeWorkflow
from workflows.pending_changes import PendingChanges
from workflows.record import EpisodeRecord
from workflows.timings import ESCALATION_DUE

# Who holds each kind of task when it is created.
HOLDER: dict[TaskKind, Role] = {
    TaskKind.MANUAL_MATCH: Role.COORDINATOR,
    TaskKind.FIRST_MEETING: Role.PEER,
    TaskKind.DISCHARGE_AGREEMENT: Role.WARD,
    TaskKind.COORDINATION_PLAN: Role.WARD,
    TaskKind.NETWORK_MEETING: Role.WARD,
    TaskKind.CONFIRM_SERVICE: Role.CASEWORKER,
    TaskKind.FIRST_CONTACT: Role.PEER,
    TaskKind.FIRST_CONTACT_ESCALATION: Role.COORDINATOR,
    TaskKind.FOLLOW_UP: Role.PEER,
    TaskKind.PROGRAMME_REVIEW: Role.PEER,
    TaskKind.CONCERN: Role.COORDINATOR,
    TaskKind.NOTIFICATION_FAILED: Role.COORDINATOR,
    TaskKind.MEDCOM_UNDELIVERED: Role.COORDINATOR,
    TaskKind.COMMIT_FAILED: Role.COORDINATOR,
    TaskKind.OUTCOME_QUESTIONNAIRE: Role.PEER,
    TaskKind.DEBRIEF: Role.PEER,
}
DUE_IN = timedelta(days=2)


def holder(record: EpisodeRecord, role: Role) -> Recipient:
    return {
        Role.PEER: record.peer(),
        Role.WARD: record.ward(),
        Role.COORDINATOR: record.coordinator(),
        Role.CASEWORKER: record.caseworker("social_services"),
    }[role]


def actor_for(task: Task) -> Actor:
    ids = {Role.PEER: PEER.id, Role.WARD: "nurse-1", Role.COORDINATOR: "coord-1"}
    return Actor(role=task.assignee.role, id=ids.get(task.assignee.role, "cw-1"))


def lapsing(kind: TaskKind) -> tuple[EpisodeRecord, OfflineRuntime, Task]:
    """An episode with one open task of `kind`, due in two days, nothing else pending."""
    record, runtime = new_record()
    with_peer(record)
    for other in record.state.tasks.values():
        other.status = TaskStatus.CANCELLED
    task = record.add_task(kind, holder(record, HOLDER[kind]), due_in=DUE_IN)
    record.changes = PendingChanges()
    return record, runtime, task


def climb_to(record: EpisodeRecord, runtime: OfflineRuntime, by: timedelta) -> None:
    runtime.advance(by)
    ladder.climb(record, runtime.now())


def sent(record: EpisodeRecord, template: Template) -> list[Recipient]:
    return [n.recipient for n in record.changes.notifications if n.template == template]


def about(record: EpisodeRecord, task: Task) -> int:
    """How many notifications concern the task or its escalations."""
    ids = {task.task_id, *(e.task_id for e in escalations(record, task))}
    return len([n for n in record.changes.notifications if n.task_id in ids])


def escalations(record: EpisodeRecord, task: Task) -> list[Task]:
    return [
        t
        for t in record.state.tasks.values()
        if t.kind == TaskKind.TASK_ESCALATION and t.escalates == task.task_id
    ]


def audience(record: EpisodeRecord, to: Audience) -> Recipient:
    return ladder.audience(record, to)


def test_every_task_kind_but_offers_and_escalations_has_a_ladder() -> None:
    assert set(TaskKind) - set(DEFAULT_LADDERS) == {TaskKind.PEER_OFFER, TaskKind.TASK_ESCALATION}


@pytest.mark.parametrize("kind", sorted(HOLDER))
def test_a_lapsed_task_is_reminded_once_then_escalated_level_by_level(kind: TaskKind) -> None:
    record, runtime, task = lapsing(kind)
    steps = record.programme.ladder(kind)
    assert steps is not None

    climb_to(record, runtime, DUE_IN - timedelta(minutes=1))
    assert sent(record, Template.TASK_OVERDUE) == [], "nothing before the task falls due"

    climb_to(record, runtime, timedelta(minutes=1))
    assert sent(record, Template.TASK_OVERDUE) == [task.assignee], "one reminder, to the holder"
    assert task.overdue
    climb_to(record, runtime, timedelta(minutes=30))
    assert len(sent(record, Template.TASK_OVERDUE)) == 1, "the reminder is not repeated"

    for level, step in enumerate(steps.levels, start=1):
        before = escalations(record, task)
        climb_to(record, runtime, step.after - timedelta(minutes=31 if level == 1 else 1))
        assert escalations(record, task) == before, f"level {level} waits its grace period"
        climb_to(record, runtime, timedelta(minutes=31 if level == 1 else 1))
        raised = [e for e in escalations(record, task) if e not in before]
        assert len(raised) == 1, f"one escalation at level {level}"
        assert raised[0].assignee == audience(record, step.to)
        assert raised[0].number == level and raised[0].is_open
        assert sent(record, Template.ESCALATION)[-1] == audience(record, step.to)
        assert task.escalation_level == level
    entries = [e.kind for e in record.changes.timeline if e.task_id == task.task_id]
    assert entries.count("reminder") == 1
    assert entries.count("escalation") == len(steps.levels)
    audited = [a.action for a in record.changes.audit if a.detail.get("task_id") == task.task_id]
    assert audited.count("task.reminded") == 1
    assert audited.count("task.escalated") == len(steps.levels)

    # The top level lapsing too makes its escalation overdue, and nothing more.
    notified = len(record.changes.notifications)
    climb_to(record, runtime, ESCALATION_DUE + timedelta(days=30))
    assert len(escalations(record, task)) == len(steps.levels)
    assert len(record.changes.notifications) == notified
    assert all(e.overdue for e in escalations(record, task))


@pytest.mark.parametrize("kind", sorted(HOLDER))
def test_nothing_climbs_once_the_task_is_done_and_its_escalations_close(kind: TaskKind) -> None:
    record, runtime, task = lapsing(kind)
    steps = record.programme.ladder(kind)
    assert steps is not None
    climb_to(record, runtime, DUE_IN)
    if steps.levels:
        climb_to(record, runtime, steps.levels[0].after)
    raised = escalations(record, task)
    assert len(raised) == len(steps.levels[:1])
    decision = TaskDecision(
        task_id=task.task_id,
        action=DecisionAction.COMPLETE,
        actor=actor_for(task),
        result=_result_for(kind),
    )
    apply_decision(record, decision, task)
    assert all(e.status == TaskStatus.COMPLETED for e in raised), "they close with the task"
    notified = about(record, task)

    # (Completing some tasks starts others, e.g. the plan a network meeting: those climb.)
    climb_to(record, runtime, timedelta(days=60))

    assert about(record, task) == notified
    assert escalations(record, task) == raised


def _result_for(kind: TaskKind) -> TaskResult | None:
    results: dict[TaskKind, TaskResult] = {
        TaskKind.MANUAL_MATCH: ManualMatch(peer_id=PEER.id),
        TaskKind.NETWORK_MEETING: NetworkMeetingBooked(meeting_on=date(2026, 3, 10)),
        TaskKind.CONFIRM_SERVICE: ServiceConfirmed(service="housing_support"),
        TaskKind.PROGRAMME_REVIEW: ReviewDecision(continue_episode=False),
        TaskKind.OUTCOME_QUESTIONNAIRE: OutcomeAnswers(
            hope_score_start=3,
            hope_score_end=6,
            network_size_start=1,
            network_size_end=2,
            job_or_education=JobStatus.NONE,
        ),
    }
    return results.get(kind)


def test_an_escalation_someone_handled_does_not_climb_further() -> None:
    record, runtime, task = lapsing(TaskKind.FOLLOW_UP)
    climb_to(record, runtime, DUE_IN + timedelta(days=1))
    (first,) = escalations(record, task)
    apply_decision(
        record,
        TaskDecision(
            task_id=first.task_id,
            action=DecisionAction.COMPLETE,
            actor=Actor(role=Role.COORDINATOR, id="coord-1"),
        ),
        first,
    )
    climb_to(record, runtime, timedelta(days=10))
    assert escalations(record, task) == [first]
    assert task.is_open


def test_a_programme_may_give_a_task_kind_its_own_ladder() -> None:
    record, runtime, task = lapsing(TaskKind.DEBRIEF)
    own = Ladder(levels=(EscalationLevel(to=Audience.PARTNERSHIP, after_hours=2),))
    record.programme = record.programme.model_copy(update={"ladders": {TaskKind.DEBRIEF: own}})
    climb_to(record, runtime, DUE_IN + timedelta(hours=2))
    (raised,) = escalations(record, task)
    assert raised.assignee.service == PARTNERSHIP


@pytest.mark.parametrize(
    ("ladders", "field", "reason"),
    [
        ({"debrief": {"levels": []}}, "ladders.debrief", "nobody would be told"),
        ({"peer_offer": {"levels": [{"to": "coordinator"}]}}, "ladders.peer_offer", "no ladder"),
        ({"follow_up": {"levels": [{"to": "nobody"}]}}, "ladders.follow_up.levels.0.to", "'ward'"),
    ],
)
def test_a_programme_whose_escalation_would_reach_nobody_is_refused(
    ladders: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Programme.model_validate(
            {"code": "p-test", "name": "Test", "name_da": "Test", "ladders": ladders}
        )
    assert field in str(refused.value)
    assert reason in str(refused.value)


# ---------------------------------------------------------------------- on the server


async def outbox_for(pool: DatabasePool, episode_id: str, template: Template) -> set[str]:
    rows = await pool.fetch(
        "SELECT DISTINCT user_id FROM outbox WHERE episode_id = $1 AND template = $2",
        episode_id,
        template.value,
    )
    return {r["user_id"] for r in rows}


async def open_escalations(episode: EpisodeDriver, task_id: str) -> list[Task]:
    view = await episode.view()
    return [t for t in view.open_tasks if t.escalates == task_id]


async def test_a_ward_task_climbs_from_reminder_to_the_ward_to_the_coordinator(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> None:
    roster = await make_roster(db_pool)
    episode = await start(time_skipping_env, db_pool, roster, task_queue, referral(roster))
    await episode.accept_offer()
    agreement = await episode.task(TaskKind.DISCHARGE_AGREEMENT)
    assert agreement.due_at is not None
    env = time_skipping_env

    await env.sleep(agreement.due_at - await env.get_current_time() + timedelta(minutes=1))
    await eventually(lambda: _has(db_pool, episode.id, Template.TASK_OVERDUE, roster.ward_nurse))
    assert await open_escalations(episode, agreement.task_id) == []

    await env.sleep(timedelta(days=1))
    (to_ward,) = await _until_escalated(episode, agreement.task_id, 1)
    assert to_ward.assignee.role == Role.WARD

    await env.sleep(timedelta(days=1))
    escalated = await _until_escalated(episode, agreement.task_id, 2)
    assert {e.assignee.role for e in escalated} == {Role.WARD, Role.COORDINATOR}
    await eventually(lambda: _has(db_pool, episode.id, Template.ESCALATION, roster.coordinator))

    ids = [e.task_id for e in escalated]
    await episode.decide(TaskKind.DISCHARGE_AGREEMENT)
    assert await open_escalations(episode, agreement.task_id) == []
    await env.sleep(timedelta(days=4))
    async with db_pool.acquire() as conn:
        closed = await conn.fetch(
            "SELECT status, escalates FROM tasks WHERE task_id = ANY($1::text[])", ids
        )
        escalated_in_all = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE episode_id = $1 AND action = 'task.escalated'"
            " AND detail->>'task_id' = $2",
            episode.id,
            agreement.task_id,
        )
    assert [tuple(r) for r in closed] == [("completed", agreement.task_id)] * 2
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        # A history that climbs a ladder, for the replay tests.
        history = await episode.handle.fetch_history()
        path = Path(__file__).parent / "histories" / f"peer-guide-sind.{label}-climbed.json"
        path.write_text(history.to_json(), encoding="utf-8")
    assert escalated_in_all == 2, "nothing more after the agreement was done"


async def test_unmatched_episode_of_an_organisation_without_coordinator_reaches_the_partnership(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> None:
    roster = await make_roster(db_pool, peers=0)
    region = await _organisation_without_coordinator(db_pool, roster)
    event = referral(roster)
    event = event.model_copy(
        update={"payload": event.payload.model_copy(update={"organisation_id": region})}
    )
    episode = await start(time_skipping_env, db_pool, roster, task_queue, event)
    await episode.phase(Phase.UNMATCHED)
    match = await episode.task(TaskKind.MANUAL_MATCH)
    assert match.assignee.id == region
    await eventually(lambda: _has(db_pool, episode.id, Template.ESCALATION, roster.coordinator))

    await time_skipping_env.sleep(timedelta(days=1, minutes=1))
    await eventually(lambda: _has(db_pool, episode.id, Template.TASK_OVERDUE, roster.coordinator))
    await time_skipping_env.sleep(timedelta(days=1))
    (up,) = await _until_escalated(episode, match.task_id, 1)
    assert up.assignee == Recipient(role=Role.COORDINATOR, id=region, service=PARTNERSHIP)
    async with db_pool.acquire() as conn:
        nobody = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE episode_id = $1 AND user_id = '-'", episode.id
        )
    assert nobody == 0, "no notification of this episode went to nobody"


async def test_first_contact_is_reminded_and_escalated_once_not_twice(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> None:
    roster = await make_roster(db_pool)
    episode = await start(time_skipping_env, db_pool, roster, task_queue, referral(roster))
    peer = await episode.accept_offer()
    await episode.discharge()
    contact = await episode.task(TaskKind.FIRST_CONTACT)
    assert contact.due_at is not None
    env = time_skipping_env

    await env.sleep(contact.due_at - await env.get_current_time() + timedelta(minutes=1))
    escalation = await episode.task(TaskKind.FIRST_CONTACT_ESCALATION)
    await eventually(lambda: _has(db_pool, episode.id, Template.TASK_OVERDUE, peer))
    await env.sleep(timedelta(days=3))
    view = await episode.view()
    assert [t.kind for t in view.open_tasks if t.escalates == contact.task_id] == []
    (up,) = [t for t in view.open_tasks if t.escalates == escalation.task_id]
    assert up.assignee.service == PARTNERSHIP

    await episode.decide(TaskKind.FIRST_CONTACT)
    await episode.handle.execute_update(
        EpisodeWorkflow.decide_task,
        TaskDecision(
            task_id=escalation.task_id,
            action=DecisionAction.COMPLETE,
            actor=Actor(role=Role.COORDINATOR, id=roster.coordinator),
        ),
    )
    assert await open_escalations(episode, escalation.task_id) == []


async def _has(pool: DatabasePool, episode_id: str, template: Template, user_id: str) -> bool:
    return user_id in await outbox_for(pool, episode_id, template)


async def _until_escalated(episode: EpisodeDriver, task_id: str, levels: int) -> list[Task]:
    view = await episode.until(
        lambda v: len([t for t in v.open_tasks if t.escalates == task_id]) >= levels
    )
    return [t for t in view.open_tasks if t.escalates == task_id]


async def _organisation_without_coordinator(pool: DatabasePool, roster: Roster) -> str:
    """A region in the roster's partnership that has no coordinator of its own."""
    region = f"org-region-{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn:
        await add_partner_organisation(
            conn, region, kind="region", partner_of=roster.organisation_id
        )
    return region


def test_the_demo_roster_gives_every_organisation_a_coordinator_to_escalate_to() -> None:
    roster = demo_roster()
    coordinated = {u.organisation_id for u in roster.users if u.role == "coordinator"}
    assert {o.organisation_id for o in roster.organisations} <= coordinated


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda r: r["wards"].append(
                {"ward_id": "ward-empty", "name": "Empty", "organisation_id": "demo-region-h"}
            ),
            "wards.ward-empty: no ward staff",
        ),
        (
            lambda r: r.update(users=[u for u in r["users"] if u["role"] != "coordinator"]),
            "organisations.demo-region-h: no active coordinator",
        ),
        (
            lambda r: r.update(
                users=[u | {"active": u["role"] != "coordinator"} for u in r["users"]]
            ),
            "organisations.demo-region-h: no active coordinator in the organisation or its"
            " partnership",
        ),
    ],
    ids=["ward-without-staff", "no-coordinator", "coordinators-inactive"],
)
def test_a_roster_that_leaves_an_escalation_without_recipient_is_refused(
    change: Callable[[dict[str, Any]], None], reason: str
) -> None:
    raw = demo_roster().model_dump(mode="json")
    change(raw)
    with pytest.raises(ValidationError, match=reason):
        DemoRoster.model_validate(raw)
