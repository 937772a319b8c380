"""How a person's decision on a task changes the episode, and whether it may be applied.

Each validator rule raises a non-retryable ApplicationError of type "InvalidDecision" whose
message names the field and the reason, so the person gets a clear, immediate answer.
"""

from __future__ import annotations

from datetime import datetime

from temporalio.exceptions import ApplicationError

from schemas.consent import SERVICE_SCOPE
from schemas.episode import TERMINAL_PHASES, Phase
from schemas.notifications import Template
from schemas.people import Actor, Role
from schemas.programme import MilestoneKind
from schemas.services import SERVICE_OFFERS, milestone_of
from schemas.tasks import (
    OPTIONAL_RESULT,
    REQUIRED_RESULT,
    DecisionAction,
    FirstContactMade,
    FollowUpReview,
    NetworkMeetingBooked,
    OutcomeAnswers,
    ServiceConfirmed,
    Task,
    TaskDecision,
    TaskKind,
    TaskStatus,
)
from workflows import goals, patches
from workflows.record import EpisodeRecord
from workflows.working_days import add_working_days

# Who besides the assignee may decide a task: coordinators stand in for their peers.
_STAND_INS: dict[Role, frozenset[Role]] = {
    Role.PEER: frozenset({Role.COORDINATOR}),
    Role.WARD: frozenset(),
    Role.CASEWORKER: frozenset(),
    Role.COORDINATOR: frozenset(),
}

_STATUS = {
    DecisionAction.ACCEPT: TaskStatus.ACCEPTED,
    DecisionAction.DECLINE: TaskStatus.DECLINED,
    DecisionAction.COMPLETE: TaskStatus.COMPLETED,
}


def reject(field: str, reason: str) -> ApplicationError:
    return ApplicationError(f"{field}: {reason}", type="InvalidDecision", non_retryable=True)


def check_decision(decision: TaskDecision, task: Task | None, phase: Phase) -> None:
    """Raise if the decision cannot be applied to the task as it stands now."""
    # After an ending only the peer's debrief is still open, and it can still be done.
    debrief_left = task is not None and task.kind == TaskKind.DEBRIEF and task.is_open
    if phase in TERMINAL_PHASES and not debrief_left:
        raise reject("task_id", f"the episode has ended ({phase.value})")
    if task is None:
        raise reject("task_id", "no such task in this episode")
    if not task.is_open:
        raise reject("task_id", f"the task is already {task.status.value}")
    _check_actor(decision, task)
    _check_action(decision, task)
    _check_result(decision, task)


def _check_actor(decision: TaskDecision, task: Task) -> None:
    actor, assignee = decision.actor, task.assignee
    if actor.role == assignee.role:
        # Peers are people; other assignees are teams (a ward, an organisation, a
        # municipality) whose membership the API has already checked.
        if assignee.role == Role.PEER and actor.id != assignee.id:
            raise reject("actor", "this task is assigned to another peer")
        return
    if actor.role in _STAND_INS.get(assignee.role, frozenset()):
        if task.kind == TaskKind.PEER_OFFER:
            raise reject("actor", "only the offered peer can accept or decline an offer")
        return
    raise reject("actor", f"a {actor.role.value} cannot decide a task for {assignee.role.value}")


def _check_action(decision: TaskDecision, task: Task) -> None:
    if task.kind == TaskKind.PEER_OFFER:
        if decision.action == DecisionAction.COMPLETE:
            raise reject("action", "an offer is accepted or declined, not completed")
    elif decision.action != DecisionAction.COMPLETE:
        raise reject("action", f"a {task.kind.value} task can only be completed")


def _check_result(decision: TaskDecision, task: Task) -> None:
    needed = REQUIRED_RESULT.get(task.kind)
    given = decision.result.kind if decision.result is not None else None
    if needed is not None and given != needed:
        raise reject("result", f"a {task.kind.value} task is completed with a {needed} result")
    optional = OPTIONAL_RESULT.get(task.kind)
    if needed is None and given is not None and given != optional:
        raise reject("result", f"a {task.kind.value} task takes no {given} result")


def check_content(record: EpisodeRecord, decision: TaskDecision, task: Task) -> None:
    """Raise if what the decision says does not fit this episode: a follow-up's review covers
    every active goal, a caseworker confirms only their own service's offers."""
    result = decision.result
    # A review, when given, covers every active goal once (the peer's page always asks for
    # it; an integration may complete a follow-up without one).
    if isinstance(result, FollowUpReview) and (why := goals.review_problem(record, result)):
        raise reject(*why)
    offers = SERVICE_OFFERS.get(task.assignee.service or "")
    if isinstance(result, ServiceConfirmed) and offers and result.service not in offers:
        raise reject("result.service", "not an offer of this caseworker's service")


def apply_decision(
    record: EpisodeRecord, decision: TaskDecision, task: Task, at: datetime | None = None
) -> None:
    """Record a checked decision on the task and start the work that follows from it."""
    status = _STATUS[decision.action]
    task.status = status
    task.decided_at = at or record.runtime.now()
    task.decided_by = decision.actor
    task.note = decision.note
    task.result = decision.result
    record.changed_task(task)
    record.audit(
        decision.actor,
        f"task.{decision.action.value}",
        detail={"task_id": task.task_id, "kind": task.kind.value},
    )
    record.timeline(
        "decision",
        "timeline.decision",
        params={"task": task.kind, "status": status},
        actor=decision.actor,
        task_id=task.task_id,
    )
    _react(record, task)


def _react(record: EpisodeRecord, task: Task) -> None:
    """Follow-on work that a decided task starts by itself."""
    result = task.result
    if task.kind == TaskKind.PEER_OFFER and task.status == TaskStatus.ACCEPTED:
        # At once, so the peer sees the episode as soon as their answer returns.
        record.assign(task.assignee.id, task.number)
    elif task.kind == TaskKind.COORDINATION_PLAN:
        due = add_working_days(
            record.runtime.now(),
            record.programme.network_meeting_working_days,
            holidays=record.runtime.patched(patches.DANISH_PUBLIC_HOLIDAYS),
        )
        record.add_task(TaskKind.NETWORK_MEETING, record.ward(), due_at=due)
    elif task.kind == TaskKind.FOLLOW_UP and task.status == TaskStatus.COMPLETED:
        record.state.follow_ups_done += 1
        if isinstance(result, FollowUpReview):
            goals.review(record, task, result)
    elif task.kind == TaskKind.FIRST_MEETING and isinstance(result, FirstContactMade):
        goals.first_contact(record, result, _decider(task))
    elif task.kind == TaskKind.FIRST_CONTACT and task.status == TaskStatus.COMPLETED:
        if record.runtime.patched(patches.FACTS_IN_EVERY_PHASE):
            # Also when the coordinator made it before a peer was matched.
            record.state.first_contact_at = task.decided_at
        if isinstance(result, FirstContactMade):
            goals.first_contact(record, result, _decider(task))
    elif task.kind == TaskKind.DEBRIEF and task.status == TaskStatus.COMPLETED:
        if record.runtime.patched(patches.DEBRIEF_AFTER_EVERY_ENDING):
            # The note is the coordinator's to read (shown with the task).
            record.notify(record.coordinator(), Template.DEBRIEF_DONE, task_id=task.task_id)
    elif isinstance(result, ServiceConfirmed):
        # IPS, a resource course or job clarification is a job step; special educational
        # support or education guidance an education step; the rest municipal services.
        kind = (
            milestone_of(result.service)
            if record.runtime.patched(patches.SERVICE_MILESTONES)
            else MilestoneKind.MUNICIPAL_SERVICE
        )
        record.milestone(kind, result.service, record.runtime.now())
    elif isinstance(result, OutcomeAnswers):
        record.state.outcome = result
        goals.closing(record, result)
    elif isinstance(result, NetworkMeetingBooked) and record.runtime.patched(
        patches.NETWORK_MEETING_INVITATION
    ):
        _invite_to_network_meeting(record, result)


def _decider(task: Task) -> Actor:
    assert task.decided_by is not None, "decided before its reaction"
    return task.decided_by


def _invite_to_network_meeting(record: EpisodeRecord, booked: NetworkMeetingBooked) -> None:
    """The peer and every caseworker the citizen consented to sharing with get an invitation
    (an iCalendar file by e-mail); nothing about the citizen is in it."""
    params = {
        "meeting_on": booked.meeting_on.isoformat(),
        "starts_at": booked.starts_at.strftime("%H:%M") if booked.starts_at else "",
        "place": booked.place,
        "duration_minutes": "60",
    }
    invited = [record.peer()] if record.state.peer_id is not None else []
    for service, scope in SERVICE_SCOPE.items():
        consent = record.state.consents.get(scope)
        if consent is not None and consent.granted:
            invited.append(record.caseworker(service))
    for recipient in invited:
        record.notify(recipient, Template.NETWORK_MEETING, params=params)
