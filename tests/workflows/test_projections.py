"""What the episode shows (read-model row, query view, outcome, operator details), computed from
its state alone."""

from __future__ import annotations

from datetime import timedelta

from schemas.episode import HospitalFact, HospitalRecord, MilestoneRecord, Phase
from schemas.events import CareSetting
from schemas.people import Recipient, Role
from schemas.programme import MilestoneKind
from schemas.tasks import JobStatus, OutcomeAnswers, Task, TaskKind, TaskStatus
from tests.workflows.offline import REFERRED_AT, episode_start
from workflows import facts, projections

PEER = Recipient(role=Role.PEER, id="peer-1")


def task(task_id: str, due_in: timedelta | None, *, overdue: bool = False, **kw: object) -> Task:
    return Task.model_validate(
        {
            "task_id": task_id,
            "kind": TaskKind.FOLLOW_UP,
            "assignee": PEER,
            "created_at": REFERRED_AT,
            "due_at": REFERRED_AT + due_in if due_in is not None else None,
            "overdue": overdue,
            **kw,
        }
    )


def test_next_due_is_the_open_task_due_first_and_the_earlier_one_on_a_tie() -> None:
    state = facts.initial_state(episode_start())
    assert projections.next_due(state) is None
    for t in (
        task("t1", timedelta(days=3)),
        task("t2", None),
        task("t3", timedelta(days=1), status=TaskStatus.COMPLETED),
        task("t4", timedelta(days=2)),
        task("t5", timedelta(days=2)),
    ):
        state.tasks[t.task_id] = t
    first = projections.next_due(state)
    assert first is not None
    assert (first.task_id, first.kind, first.due_at) == (
        "t4",
        "follow_up",
        REFERRED_AT + timedelta(days=2),
    )


def test_only_open_overdue_tasks_count_as_overdue() -> None:
    state = facts.initial_state(episode_start())
    for t in (
        task("t1", timedelta(days=1), overdue=True),
        task("t2", timedelta(days=1), overdue=True, status=TaskStatus.EXPIRED),
        task("t3", timedelta(days=1)),
    ):
        state.tasks[t.task_id] = t
    assert projections.overdue_count(state) == 1


def test_the_read_model_row_shows_the_facts_and_closes_only_at_the_end() -> None:
    start = episode_start()
    state = facts.initial_state(start)
    state.phase = Phase.FOLLOW_UP
    state.peer_id = "peer-1"
    state.tasks["t1"] = task("t1", timedelta(days=1))
    state.milestones.append(
        MilestoneRecord(kind=MilestoneKind.JOB_STEP, detail="ips", reached_at=REFERRED_AT)
    )
    now = REFERRED_AT + timedelta(days=30)
    row = projections.projection(start, state, now)
    assert row.episode_id == start.episode_id
    assert row.programme == "peer-guide-sind"
    assert row.citizen_id == start.referral.citizen_id
    assert row.consents == ("peer_support", "share_with_municipality")
    assert (row.next_due_kind, row.next_due_at) == ("follow_up", REFERRED_AT + timedelta(days=1))
    assert row.milestones == ("job_step",)
    assert row.closed_at is None

    state.phase = Phase.CLOSED
    assert projections.projection(start, state, now).closed_at == now


def test_the_view_lists_open_tasks_as_copies() -> None:
    start = episode_start()
    state = facts.initial_state(start)
    state.tasks["t1"] = task("t1", timedelta(days=1))
    state.tasks["t2"] = task("t2", timedelta(days=1), status=TaskStatus.COMPLETED)
    view = projections.view(start, state, history_events=42)
    assert [t.task_id for t in view.open_tasks] == ["t1"]
    assert view.open_tasks[0] is not state.tasks["t1"]
    assert view.history_events == 42
    assert view.readmissions == 0


def test_the_outcome_counts_hours_to_first_contact_and_readmissions() -> None:
    start = episode_start()
    state = facts.initial_state(start)
    discharged_at = REFERRED_AT + timedelta(days=2)
    state.hospital += [
        HospitalRecord(event_id=event_id, fact=fact, setting=CareSetting.INPATIENT, occurred_at=at)
        for event_id, fact, at in (
            ("d1", HospitalFact.DISCHARGED, discharged_at),
            ("a2", HospitalFact.ADMITTED, discharged_at + timedelta(days=10)),
            ("d2", HospitalFact.DISCHARGED, discharged_at + timedelta(days=12)),
        )
    ]
    state.discharged_at = discharged_at
    state.first_contact_at = discharged_at + timedelta(hours=30, minutes=30)
    state.phase = Phase.CLOSED
    state.outcome = OutcomeAnswers(
        hope_score_start=3,
        hope_score_end=7,
        network_size_start=1,
        network_size_end=4,
        job_or_education=JobStatus.IN_PROCESS,
    )
    outcome = projections.outcome(start, state)
    assert outcome.first_contact_hours == 30.5
    assert outcome.readmissions == 1
    assert outcome.final_phase == Phase.CLOSED
    assert outcome.outcome == state.outcome


def test_operators_see_phase_next_due_and_overdue_tasks() -> None:
    start = episode_start()
    state = facts.initial_state(start)
    assert projections.details(state, 0) == (
        "**Phase:** referred  \n**Next due:** -  \n**Overdue tasks:** 0"
    )
    state.tasks["t1"] = task("t1", timedelta(hours=5))
    assert "**Next due:** follow_up due 2026-03-02 14:00 UTC" in projections.details(state, 2)
    names = [u.key.name for u in projections.search_attributes(start, state, 0)]
    assert "DischargeDate" not in names
    state.discharged_at = REFERRED_AT
    names = [u.key.name for u in projections.search_attributes(start, state, 0)]
    assert "DischargeDate" in names
