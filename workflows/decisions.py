"""How a person's decision on a task changes the episode, and whether it may be applied.

Each validator rule raises a non-retryable ApplicationError of type "InvalidDecision" whose
message names the field and the reason, so the person gets a clear, immediate answer.
"""

from __future__ import annotations

from datetime import datetime

from temporalio.exceptions import ApplicationError

from schemas.episode import TERMINAL_PHASES, Phase
from schemas.notifications import Template
from schemas.people import Role
from schemas.programme import MilestoneKind
from schemas.tasks import (
    REQUIRED_RESULT,
    DecisionAction,
    OutcomeAnswers,
    ServiceConfirmed,
    Task,
    TaskDecision,
    TaskKind,
    TaskStatus,
)
from workflows import patches
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
    if needed is None and given is not None:
        raise reject("result", f"a {task.kind.value} task takes no result")


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
    elif task.kind == TaskKind.FIRST_CONTACT and task.status == TaskStatus.COMPLETED:
        if record.runtime.patched(patches.FACTS_IN_EVERY_PHASE):
            # Also when the coordinator made it before a peer was matched.
            record.state.first_contact_at = task.decided_at
    elif task.kind == TaskKind.DEBRIEF and task.status == TaskStatus.COMPLETED:
        if record.runtime.patched(patches.DEBRIEF_AFTER_EVERY_ENDING):
            # The note is the coordinator's to read (shown with the task).
            record.notify(record.coordinator(), Template.DEBRIEF_DONE, task_id=task.task_id)
    elif isinstance(result, ServiceConfirmed):
        record.milestone(MilestoneKind.MUNICIPAL_SERVICE, result.service, record.runtime.now())
    elif isinstance(result, OutcomeAnswers):
        record.state.outcome = result
