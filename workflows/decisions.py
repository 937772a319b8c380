"""Whether a person's decision on a task may be applied: the update validator's rules.

Each rule raises a non-retryable ApplicationError of type "InvalidDecision" whose message
names the field and the reason, so the person gets a clear, immediate answer.
"""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from schemas.episode import TERMINAL_PHASES, Phase
from schemas.people import Role
from schemas.tasks import REQUIRED_RESULT, DecisionAction, Task, TaskDecision, TaskKind

# Who besides the assignee may decide a task: coordinators stand in for their peers.
_STAND_INS: dict[Role, frozenset[Role]] = {
    Role.PEER: frozenset({Role.COORDINATOR}),
    Role.WARD: frozenset(),
    Role.CASEWORKER: frozenset(),
    Role.COORDINATOR: frozenset(),
}


def reject(field: str, reason: str) -> ApplicationError:
    return ApplicationError(f"{field}: {reason}", type="InvalidDecision", non_retryable=True)


def check_decision(decision: TaskDecision, task: Task | None, phase: Phase) -> None:
    """Raise if the decision cannot be applied to the task as it stands now."""
    if phase in TERMINAL_PHASES:
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
