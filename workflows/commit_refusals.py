"""What is stored when PostgreSQL refuses a commit for good: pure functions of the commit."""

from __future__ import annotations

from pydantic import ValidationError
from temporalio.exceptions import ApplicationError, FailureError

from schemas.commit import EpisodeCommit
from schemas.commit_refusal import COMMIT_REFUSED, CommitRefusal
from schemas.episode import EpisodeState
from schemas.tasks import Task, TaskResult

# The part of a commit each refusing table stores; the episode row itself cannot be left out.
_PART_OF_TABLE: dict[str, tuple[str, ...]] = {
    "episode_goals": ("goals", "goal_records", "goal_reviews"),
    "goal_reviews": ("goal_reviews",),
    "tasks": ("tasks",),
    "timeline": ("timeline",),
    "audit_log": ("audit",),
    "events_received": ("audit",),
    "outbox": ("notifications",),
}


def refusal_of(err: FailureError) -> CommitRefusal | None:
    """The refusal a failed commit call carries, or None when it failed for another reason.
    A local activity fails with the activity's own error, an activity with it as the cause."""
    cause = err if isinstance(err, ApplicationError) else err.cause
    if not isinstance(cause, ApplicationError) or cause.type != COMMIT_REFUSED:
        return None
    details = cause.details
    try:
        return CommitRefusal.model_validate(details[0]) if details else None
    except ValidationError:
        return None


def storable(text: str) -> str:
    """The text without what PostgreSQL text and jsonb cannot hold: NUL and lone surrogates."""
    return "".join(c for c in text if c != "\x00" and not "\ud800" <= c <= "\udfff")


def cleaned(commit: EpisodeCommit) -> EpisodeCommit:
    """The commit with every text stripped of what cannot be stored; a goal left empty is
    dropped, a task result no longer valid is left out."""
    goals = tuple(
        g.model_copy(update={"text": storable(g.text)}) for g in commit.goals if storable(g.text)
    )
    goal_records = tuple(
        g.model_copy(update={"text": storable(g.text)})
        for g in commit.goal_records
        if storable(g.text)
    )
    return commit.model_copy(
        update={
            "goals": goals,
            "goal_records": goal_records,
            "tasks": tuple(cleaned_task(t) for t in commit.tasks),
            "timeline": tuple(
                e.model_copy(update={"summary": storable(e.summary)}) for e in commit.timeline
            ),
            "audit": tuple(
                a.model_copy(update={"reason": storable(a.reason), "detail": _texts(a.detail)})
                for a in commit.audit
            ),
            "notifications": tuple(
                n.model_copy(update={"params": _texts(n.params)}) for n in commit.notifications
            ),
        }
    )


def cleaned_task(task: Task) -> Task:
    return task.model_copy(
        update={"note": storable(task.note), "result": _cleaned_result(task.result)}
    )


def without(commit: EpisodeCommit, table: str) -> EpisodeCommit | None:
    """The commit without the part the table stores; None when that is the episode row."""
    parts = _PART_OF_TABLE.get(table)
    return None if parts is None else commit.model_copy(update=dict.fromkeys(parts, ()))


def clean_state(state: EpisodeState, commit: EpisodeCommit) -> None:
    """Tasks and goals keep no text that cannot be stored, so later commits do not carry it
    again (a goal left with no text keeps a placeholder)."""
    for goal in state.goals.values():
        goal.text = storable(goal.text) or "-"
    for sent in commit.tasks:
        task = state.tasks.get(sent.task_id)
        if task is None:
            continue
        note, result = storable(task.note), _cleaned_result(task.result)
        if note != task.note:
            task.note = note
        if result != task.result:
            task.result = result


def _texts(values: dict[str, str]) -> dict[str, str]:
    return {storable(k): storable(v) for k, v in values.items()}


def _cleaned_result(result: TaskResult | None) -> TaskResult | None:
    if result is None:
        return None
    fields = {k: storable(v) if isinstance(v, str) else v for k, v in result}
    if fields == dict(result):
        return result
    try:
        return type(result).model_validate(fields)
    except ValidationError:
        return None
