"""Whether a decision may be applied, and what it starts, checked without a Temporal server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from schemas.episode import Phase
from schemas.notifications import Template
from schemas.people import Actor, Recipient, Role
from schemas.programme import MilestoneKind
from schemas.tasks import (
    DecisionAction,
    JobStatus,
    OutcomeAnswers,
    ServiceConfirmed,
    Task,
    TaskDecision,
    TaskKind,
    TaskResult,
    TaskStatus,
)
from tests.workflows.offline import PEER, REFERRED_AT, new_record, with_peer
from workflows import patches
from workflows.decisions import apply_decision, check_decision

COORDINATOR = Actor(role=Role.COORDINATOR, id="coord-1")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def task(kind: TaskKind, assignee: Recipient | None = None) -> Task:
    return Task(
        task_id="t1",
        kind=kind,
        assignee=assignee or Recipient(role=Role.PEER, id=PEER.id),
        created_at=NOW,
    )


def decision(
    action: DecisionAction = DecisionAction.COMPLETE,
    actor: Actor = PEER,
    result: TaskResult | None = None,
) -> TaskDecision:
    return TaskDecision(task_id="t1", action=action, actor=actor, result=result)


def refusal(decided: TaskDecision, on: Task | None, phase: Phase = Phase.FOLLOW_UP) -> str:
    with pytest.raises(ApplicationError) as refused:
        check_decision(decided, on, phase)
    assert refused.value.type == "InvalidDecision"
    assert refused.value.non_retryable
    return refused.value.message


def test_the_assigned_peer_completes_their_task_and_a_coordinator_may_stand_in() -> None:
    check_decision(decision(), task(TaskKind.FOLLOW_UP), Phase.FOLLOW_UP)
    check_decision(decision(actor=COORDINATOR), task(TaskKind.FOLLOW_UP), Phase.FOLLOW_UP)


def test_refusals_name_the_field_and_the_reason() -> None:
    other_peer = Actor(role=Role.PEER, id="peer-2")
    ward = Actor(role=Role.WARD, id="nurse-1")
    done = task(TaskKind.FOLLOW_UP)
    done.status = TaskStatus.COMPLETED
    assert refusal(decision(), None) == "task_id: no such task in this episode"
    assert refusal(decision(), task(TaskKind.FOLLOW_UP), Phase.CLOSED) == (
        "task_id: the episode has ended (closed)"
    )
    assert refusal(decision(), done) == "task_id: the task is already completed"
    assert refusal(decision(actor=other_peer), task(TaskKind.FOLLOW_UP)) == (
        "actor: this task is assigned to another peer"
    )
    assert refusal(decision(actor=ward), task(TaskKind.FOLLOW_UP)) == (
        "actor: a ward cannot decide a task for peer"
    )
    assert refusal(
        decision(DecisionAction.ACCEPT, actor=COORDINATOR), task(TaskKind.PEER_OFFER)
    ) == ("actor: only the offered peer can accept or decline an offer")
    assert refusal(decision(), task(TaskKind.PEER_OFFER)) == (
        "action: an offer is accepted or declined, not completed"
    )
    assert refusal(decision(DecisionAction.ACCEPT), task(TaskKind.FOLLOW_UP)) == (
        "action: a follow_up task can only be completed"
    )
    assert refusal(decision(), task(TaskKind.PROGRAMME_REVIEW)) == (
        "result: a programme_review task is completed with a review result"
    )
    assert refusal(
        decision(result=ServiceConfirmed(service="housing")), task(TaskKind.FOLLOW_UP)
    ) == ("result: a follow_up task takes no service_confirmed result")


def test_an_accepted_offer_assigns_the_peer_at_once() -> None:
    record, _ = new_record()
    offer = record.add_task(TaskKind.PEER_OFFER, record.peer(PEER.id), number=2)
    apply_decision(record, decision(DecisionAction.ACCEPT), offer)
    assert offer.status == TaskStatus.ACCEPTED
    assert record.state.peer_id == PEER.id
    assert record.state.assigned_offer_no == 2
    assert [a.action for a in record.changes.audit][-1] == "task.accept"


def test_a_coordination_plan_books_the_network_meeting_in_working_days() -> None:
    # Wednesday before Easter 2026: Maundy Thursday, Good Friday and Easter Monday are
    # holidays, so five working days end on Monday 13 April (Wednesday 8th counting
    # weekends only, as episodes started before the patch still do).
    wednesday = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
    for patches_off, due in (
        (frozenset(), datetime(2026, 4, 13, 10, 0, tzinfo=UTC)),
        (frozenset({patches.DANISH_PUBLIC_HOLIDAYS}), datetime(2026, 4, 8, 10, 0, tzinfo=UTC)),
    ):
        record, runtime = new_record(patches_off=patches_off)
        runtime.clock = wednesday
        plan = record.add_task(TaskKind.COORDINATION_PLAN, record.ward())
        apply_decision(record, decision(actor=Actor(role=Role.WARD, id="nurse-1")), plan)
        [meeting] = record.tasks_of(TaskKind.NETWORK_MEETING)
        assert meeting.due_at == due
        assert meeting.assignee == record.ward()
        assert record.changes.notifications[-1].template == Template.NEW_TASK


def test_completed_follow_ups_are_counted_and_results_kept() -> None:
    record = with_peer(new_record()[0])
    follow_up = record.add_task(TaskKind.FOLLOW_UP, record.peer())
    apply_decision(record, decision(), follow_up, at=REFERRED_AT + timedelta(hours=1))
    assert record.state.follow_ups_done == 1
    assert follow_up.decided_at == REFERRED_AT + timedelta(hours=1)

    service = record.add_task(
        TaskKind.CONFIRM_SERVICE, record.caseworker("social_services"), template=None
    )
    caseworker = Actor(role=Role.CASEWORKER, id="cw-1")
    confirmed = ServiceConfirmed(service="housing_support")
    apply_decision(record, decision(actor=caseworker, result=confirmed), service)
    assert [(m.kind, m.detail) for m in record.state.milestones] == [
        (MilestoneKind.MUNICIPAL_SERVICE, "housing_support")
    ]

    answers = OutcomeAnswers(
        hope_score_start=3,
        hope_score_end=7,
        network_size_start=1,
        network_size_end=4,
        job_or_education=JobStatus.IN_PROCESS,
    )
    questionnaire = record.add_task(TaskKind.OUTCOME_QUESTIONNAIRE, record.peer())
    apply_decision(record, decision(result=answers), questionnaire)
    assert record.state.outcome == answers
