"""The escalation ladder: when a lapsed task is reminded and escalated, and to whom.

A task that falls due is marked overdue and its assignee reminded; `after` each level's
grace period the next level gets a `task_escalation` task (and word of it) while the task is
still open and the escalation below it has lapsed in turn. Escalations close when the task
they escalate is done (see EpisodeRecord.changed_task)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.notifications import PARTNERSHIP, Template
from schemas.people import SYSTEM, Recipient, Role
from schemas.programme import Audience, Ladder, Programme
from schemas.tasks import Task, TaskKind
from workflows.record import EpisodeRecord
from workflows.timings import ESCALATION_DUE


@dataclass(frozen=True)
class Step:
    """The next thing the ladder does for a task: at `at`, level 0 (due: remind) or the
    escalation level `level`."""

    at: datetime
    level: int


def next_step(programme: Programme, task: Task, tasks: dict[str, Task]) -> Step | None:
    """The task's next step on its ladder, or None when nothing more will happen."""
    if not task.is_open or task.due_at is None or task.kind == TaskKind.PEER_OFFER:
        return None
    if not task.overdue:
        return Step(at=task.due_at, level=0)
    ladder = programme.ladder(task.kind)
    reached = task.escalation_level
    if ladder is None or reached >= len(ladder.levels):
        return None
    if reached == 0:
        return Step(at=task.due_at + ladder.levels[0].after, level=1)
    below = escalation_of(task, tasks, reached)
    if below is None or below.due_at is None:
        return None  # someone handled the escalation below: it did not lapse
    return Step(at=below.due_at, level=reached + 1)


def escalation_of(task: Task, tasks: dict[str, Task], level: int) -> Task | None:
    """The open escalation of the task at this level."""
    return next(
        (
            t
            for t in tasks.values()
            if t.is_open
            and t.kind == TaskKind.TASK_ESCALATION
            and t.escalates == task.task_id
            and t.number == level
        ),
        None,
    )


def climb(record: EpisodeRecord, now: datetime) -> datetime | None:
    """Take every step that has fallen due; when the next one falls due (None: never)."""
    programme, tasks = record.programme, record.state.tasks
    for task in list(tasks.values()):
        while (step := next_step(programme, task, tasks)) is not None and step.at <= now:
            if step.level == 0:
                _fall_due(record, task, programme.ladder(task.kind))
            else:
                _escalate(record, task, step.level)
    upcoming = [
        step.at for t in tasks.values() if (step := next_step(programme, t, tasks)) is not None
    ]
    return min(upcoming) if upcoming else None


def audience(record: EpisodeRecord, to: Audience) -> Recipient:
    """Who an escalation to `to` goes to in this episode."""
    if to == Audience.WARD:
        return record.ward()
    coordinators = record.coordinator()
    if to == Audience.PARTNERSHIP:
        return Recipient(role=Role.COORDINATOR, id=coordinators.id, service=PARTNERSHIP)
    return coordinators


def _fall_due(record: EpisodeRecord, task: Task, ladder: Ladder | None) -> None:
    task.overdue = True
    record.changed_task(task)
    if ladder is None or not ladder.remind:
        record.timeline(
            "overdue", "timeline.overdue", params={"task": task.kind}, task_id=task.task_id
        )
        return
    record.notify(
        task.assignee, Template.TASK_OVERDUE, task_id=task.task_id, params={"task": task.kind.value}
    )
    record.timeline(
        "reminder", "timeline.reminder", params={"task": task.kind}, task_id=task.task_id
    )
    record.audit(SYSTEM, "task.reminded", detail={"task_id": task.task_id, "kind": task.kind.value})


def _escalate(record: EpisodeRecord, task: Task, level: int) -> None:
    ladder = record.programme.ladder(task.kind)
    assert ladder is not None
    to = ladder.levels[level - 1].to
    # The escalation is due when the next level would take over, or within a day at the top.
    due_in = ladder.levels[level].after if level < len(ladder.levels) else ESCALATION_DUE
    task.escalation_level = level
    record.changed_task(task)
    record.state.escalations += 1
    recipient = audience(record, to)
    escalation = record.add_task(
        TaskKind.TASK_ESCALATION, recipient, due_in=due_in, number=level, template=None
    )
    escalation.escalates = task.task_id
    record.notify(
        recipient,
        Template.ESCALATION,
        task_id=escalation.task_id,
        params={"task": task.kind.value, "level": str(level)},
    )
    record.timeline(
        "escalation",
        "timeline.escalated",
        params={"task": task.kind, "to": to, "level": str(level)},
        task_id=task.task_id,
    )
    record.audit(
        SYSTEM,
        "task.escalated",
        detail={
            "task_id": task.task_id,
            "kind": task.kind.value,
            "level": str(level),
            "to": to.value,
            "escalation_task_id": escalation.task_id,
        },
    )
