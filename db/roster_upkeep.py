"""The roster upkeep's queries: trainings about to lapse, the roster tasks, peer group tasks
and course follow-ups whose coordinators, facilitator or teaching peers must be told,
reminded or escalated to, and the coordinator's roster tasks page."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Literal

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.notifications import Notification, Template
from schemas.roster import RosterTaskKind

# Each active peer's programmes whose training lapses within the programme's
# `training.remind_days_before` days (and has not lapsed yet). The task is due on the last
# day the training counts, at the start of it in Danish time.
_LAPSING = """
SELECT s.peer_id, s.programme, s.trained_until, p.organisation_id,
       (s.trained_until::timestamp AT TIME ZONE 'Europe/Copenhagen') AS due_at
FROM peer_programme_standing s
JOIN peers p ON p.peer_id = s.peer_id
JOIN users u ON u.user_id = s.peer_id
JOIN programmes prog ON prog.code = s.programme
WHERE s.serves AND u.active
  AND s.trained_until >= current_date
  AND s.trained_until <= current_date
      + coalesce((prog.definition -> 'training' ->> 'remind_days_before')::integer, 30)
ORDER BY s.peer_id, s.programme
"""

# A lapse reminder is done by itself once the peer's training for the programme reaches
# further (a newer course), or the peer no longer serves it or is no longer active.
_CLOSE_RENEWED = """
UPDATE roster_tasks t SET status = 'done', closed_at = now(), closed_by = $1
WHERE t.kind = 'training_lapsing' AND t.status = 'open'
  AND NOT EXISTS (
      SELECT 1 FROM peer_programme_standing s
      JOIN users u ON u.user_id = s.peer_id
      WHERE s.peer_id = t.peer_id AND s.programme = t.detail ->> 'programme'
        AND s.serves AND u.active
        AND s.trained_until <= (t.detail ->> 'trained_until')::date)
RETURNING t.task_id
"""

# What each step tells about: open tasks nobody was told of yet; those past due whose
# coordinators were told before they fell due (a task first told of when already due
# counts as reminded); those still open `$1` days after they fell due, for the partnership.
# Each step locks its rows, so two runs at once never tell twice.
_TO_NOTIFY = """
SELECT task_id, kind, organisation_id, due_at FROM roster_tasks
WHERE status = 'open' AND notified_at IS NULL
ORDER BY created_at, task_id
LIMIT 500
FOR UPDATE SKIP LOCKED
"""
_MARK_NOTIFIED = """
UPDATE roster_tasks
SET notified_at = now(), reminded_at = CASE WHEN due_at <= now() THEN now() END
WHERE task_id = $1
"""
_TO_REMIND = """
SELECT task_id, kind, organisation_id, due_at FROM roster_tasks
WHERE status = 'open' AND notified_at IS NOT NULL AND reminded_at IS NULL AND due_at <= now()
ORDER BY due_at, task_id
LIMIT 500
FOR UPDATE SKIP LOCKED
"""
_MARK_REMINDED = "UPDATE roster_tasks SET reminded_at = now() WHERE task_id = $1"
_TO_ESCALATE = """
SELECT task_id, kind, organisation_id, due_at FROM roster_tasks
WHERE status = 'open' AND notified_at IS NOT NULL AND escalated_at IS NULL
  AND due_at + make_interval(days => $1) <= now()
ORDER BY due_at, task_id
LIMIT 500
FOR UPDATE SKIP LOCKED
"""
_MARK_ESCALATED = "UPDATE roster_tasks SET escalated_at = now() WHERE task_id = $1"

# The same three steps for the peer groups' tasks (migration 0022): member_absent is the
# facilitator's (assigned_to), attendance_unrecorded the organisation's coordinators'.
_GROUP_TASK = "SELECT task_id, kind, group_id, organisation_id, assigned_to, due_at"
_GROUP_TO_NOTIFY = f"""
{_GROUP_TASK} FROM peer_group_tasks
WHERE status = 'open' AND notified_at IS NULL
ORDER BY created_at, task_id
LIMIT 500
FOR UPDATE SKIP LOCKED
"""
_GROUP_MARK_NOTIFIED = """
UPDATE peer_group_tasks
SET notified_at = now(), reminded_at = CASE WHEN due_at <= now() THEN now() END
WHERE task_id = $1
"""
_GROUP_TO_REMIND = f"""
{_GROUP_TASK} FROM peer_group_tasks
WHERE status = 'open' AND notified_at IS NOT NULL AND reminded_at IS NULL AND due_at <= now()
ORDER BY due_at, task_id
LIMIT 500
FOR UPDATE SKIP LOCKED
"""
_GROUP_MARK_REMINDED = "UPDATE peer_group_tasks SET reminded_at = now() WHERE task_id = $1"
_GROUP_TO_ESCALATE = f"""
{_GROUP_TASK} FROM peer_group_tasks
WHERE status = 'open' AND notified_at IS NOT NULL AND escalated_at IS NULL
  AND due_at + make_interval(days => $1) <= now()
ORDER BY due_at, task_id
LIMIT 500
FOR UPDATE SKIP LOCKED
"""
_GROUP_MARK_ESCALATED = "UPDATE peer_group_tasks SET escalated_at = now() WHERE task_id = $1"

# A course participant's follow-up (participant_absent): the term's workflow told the
# teaching peers when it opened it; the upkeep reminds them once when it falls due and tells
# the coordinators once `$1` days later.
_COURSE_TASK = "SELECT task_id, kind, term_id, organisation_id, due_at"
_COURSE_TO_REMIND = f"""
{_COURSE_TASK} FROM course_tasks
WHERE kind = 'participant_absent' AND status = 'open' AND reminded_at IS NULL
  AND due_at <= now()
ORDER BY due_at, task_id
LIMIT 500
FOR UPDATE SKIP LOCKED
"""
_COURSE_MARK_REMINDED = "UPDATE course_tasks SET reminded_at = now() WHERE task_id = $1"
_COURSE_TO_ESCALATE = f"""
{_COURSE_TASK} FROM course_tasks
WHERE kind = 'participant_absent' AND status = 'open' AND escalated_at IS NULL
  AND due_at + make_interval(days => $1) <= now()
ORDER BY due_at, task_id
LIMIT 500
FOR UPDATE SKIP LOCKED
"""
_COURSE_MARK_ESCALATED = "UPDATE course_tasks SET escalated_at = now() WHERE task_id = $1"

# Notices about the roster some of whose copies still wait for their channel (a run that
# ended before it delivered them, or one that was retried after queueing).
_UNDELIVERED = """
SELECT DISTINCT ON (notification_id)
       notification_id, recipient_role, recipient_id, recipient_service, template, task_id,
       params, created_at
FROM outbox
WHERE status = 'pending' AND episode_id IS NULL AND template = ANY ($1::text[])
ORDER BY notification_id
LIMIT 500
"""

# The organisation's open roster tasks, then those of its partners escalated to it, with the
# peer's and the group's names for the coordinators (staff names, not citizens').
_PAGE = """
SELECT t.task_id, t.kind, t.organisation_id, o.name AS organisation_name,
       t.organisation_id = $1 AS own, t.peer_id, u.display_name AS peer_name, t.group_id,
       g.name AS group_name, t.due_at, t.detail ->> 'programme' AS programme,
       prog.definition ->> 'name' AS programme_name,
       prog.definition ->> 'name_da' AS programme_name_da,
       t.reminded_at, t.escalated_at
FROM roster_tasks t
JOIN organisations o ON o.organisation_id = t.organisation_id
LEFT JOIN users u ON u.user_id = t.peer_id
LEFT JOIN supervision_groups g ON g.group_id = t.group_id
LEFT JOIN programmes prog ON prog.code = t.detail ->> 'programme'
WHERE t.status = 'open'
  AND (t.organisation_id = $1
       OR (t.escalated_at IS NOT NULL AND t.organisation_id IN (
               SELECT partner_id FROM organisation_partners WHERE organisation_id = $1)))
ORDER BY own DESC, t.due_at, t.task_id
LIMIT 500
"""

_CLOSE_OWN = """
UPDATE roster_tasks SET status = 'done', closed_at = now(), closed_by = $3
WHERE task_id = $1 AND organisation_id = $2 AND status = 'open'
RETURNING task_id
"""
_STATUS_OWN = "SELECT status FROM roster_tasks WHERE task_id = $1 AND organisation_id = $2"


# Marks a task told of one step (notified, reminded or escalated).
Marker = Callable[[PooledConnection, str], Awaitable[None]]


class LapsingTraining(Frozen):
    """A peer's training for a programme that lapses soon."""

    peer_id: str
    programme: str
    trained_until: date
    organisation_id: str
    due_at: datetime


class TaskToTell(Frozen):
    """A roster task whose coordinators must be told something now."""

    task_id: str
    kind: RosterTaskKind
    organisation_id: str
    due_at: datetime


class GroupTaskToTell(Frozen):
    """A peer group's task whose facilitator or coordinators must be told something now."""

    task_id: str
    kind: Literal["member_absent", "attendance_unrecorded"]
    group_id: str
    organisation_id: str
    assigned_to: str | None
    due_at: datetime


class CourseTaskToTell(Frozen):
    """A course participant's follow-up whose teaching peers or coordinators must be told."""

    task_id: str
    kind: Literal["participant_absent"]
    term_id: str
    organisation_id: str
    due_at: datetime


class RosterTaskLine(Frozen):
    """One open roster task as the coordinator's page lists it: the organisation's own, or a
    partner's escalated to it (`own` False)."""

    task_id: str
    kind: RosterTaskKind
    organisation_id: str
    organisation_name: str
    own: bool
    peer_id: str | None
    peer_name: str | None
    group_id: str | None
    group_name: str | None
    due_at: datetime
    programme: str | None
    programme_name: str | None
    programme_name_da: str | None
    reminded_at: datetime | None
    escalated_at: datetime | None


async def lapsing_trainings(conn: PooledConnection) -> list[LapsingTraining]:
    return [LapsingTraining.model_validate(dict(r)) for r in await conn.fetch(_LAPSING)]


async def close_renewed(conn: PooledConnection, closed_by: str) -> int:
    """Close the lapse reminders whose training was renewed (or no longer matters)."""
    return len(await conn.fetch(_CLOSE_RENEWED, closed_by))


async def to_notify(conn: PooledConnection) -> list[TaskToTell]:
    """Lock and return the open tasks nobody was told of (call inside a transaction)."""
    return [TaskToTell.model_validate(dict(r)) for r in await conn.fetch(_TO_NOTIFY)]


async def mark_notified(conn: PooledConnection, task_id: str) -> None:
    await conn.execute(_MARK_NOTIFIED, task_id)


async def to_remind(conn: PooledConnection) -> list[TaskToTell]:
    """Lock and return the open tasks past due not yet reminded of."""
    return [TaskToTell.model_validate(dict(r)) for r in await conn.fetch(_TO_REMIND)]


async def mark_reminded(conn: PooledConnection, task_id: str) -> None:
    await conn.execute(_MARK_REMINDED, task_id)


async def to_escalate(conn: PooledConnection, after_days: int) -> list[TaskToTell]:
    """Lock and return the open tasks `after_days` past due not yet escalated."""
    return [TaskToTell.model_validate(dict(r)) for r in await conn.fetch(_TO_ESCALATE, after_days)]


async def mark_escalated(conn: PooledConnection, task_id: str) -> None:
    await conn.execute(_MARK_ESCALATED, task_id)


async def group_to_notify(conn: PooledConnection) -> list[GroupTaskToTell]:
    """Lock and return the open group tasks nobody was told of (inside a transaction)."""
    return [GroupTaskToTell.model_validate(dict(r)) for r in await conn.fetch(_GROUP_TO_NOTIFY)]


async def group_mark_notified(conn: PooledConnection, task_id: str) -> None:
    await conn.execute(_GROUP_MARK_NOTIFIED, task_id)


async def group_to_remind(conn: PooledConnection) -> list[GroupTaskToTell]:
    """Lock and return the open group tasks past due not yet reminded of."""
    return [GroupTaskToTell.model_validate(dict(r)) for r in await conn.fetch(_GROUP_TO_REMIND)]


async def group_mark_reminded(conn: PooledConnection, task_id: str) -> None:
    await conn.execute(_GROUP_MARK_REMINDED, task_id)


async def group_to_escalate(conn: PooledConnection, after_days: int) -> list[GroupTaskToTell]:
    """Lock and return the open group tasks `after_days` past due not yet escalated."""
    rows = await conn.fetch(_GROUP_TO_ESCALATE, after_days)
    return [GroupTaskToTell.model_validate(dict(r)) for r in rows]


async def group_mark_escalated(conn: PooledConnection, task_id: str) -> None:
    await conn.execute(_GROUP_MARK_ESCALATED, task_id)


async def course_to_remind(conn: PooledConnection) -> list[CourseTaskToTell]:
    """Lock and return the open course follow-ups past due not yet reminded of."""
    return [CourseTaskToTell.model_validate(dict(r)) for r in await conn.fetch(_COURSE_TO_REMIND)]


async def course_mark_reminded(conn: PooledConnection, task_id: str) -> None:
    await conn.execute(_COURSE_MARK_REMINDED, task_id)


async def course_to_escalate(conn: PooledConnection, after_days: int) -> list[CourseTaskToTell]:
    """Lock and return the open course follow-ups `after_days` past due not yet escalated."""
    rows = await conn.fetch(_COURSE_TO_ESCALATE, after_days)
    return [CourseTaskToTell.model_validate(dict(r)) for r in rows]


async def course_mark_escalated(conn: PooledConnection, task_id: str) -> None:
    await conn.execute(_COURSE_MARK_ESCALATED, task_id)


async def undelivered(conn: PooledConnection, templates: list[Template]) -> list[Notification]:
    """The roster notices (of `templates`) with copies still pending, rebuilt from the outbox."""
    rows = await conn.fetch(_UNDELIVERED, [t.value for t in templates])
    return [
        Notification.model_validate(
            {
                "notification_id": r["notification_id"],
                "recipient": {
                    "role": r["recipient_role"],
                    "id": r["recipient_id"],
                    "service": r["recipient_service"],
                },
                "template": r["template"],
                "task_id": r["task_id"],
                "params": json.loads(r["params"]),
                "created_at": r["created_at"],
            }
        )
        for r in rows
    ]


async def open_task_lines(conn: PooledConnection, organisation_id: str) -> list[RosterTaskLine]:
    """The organisation's open roster tasks, soonest due first, then the partners' ones
    escalated to it."""
    rows = await conn.fetch(_PAGE, organisation_id)
    return [RosterTaskLine.model_validate(dict(r)) for r in rows]


async def close_own_task(
    conn: PooledConnection, task_id: str, organisation_id: str, closed_by: str
) -> str:
    """Mark the organisation's open task done: 'done', or why not ('already_done', or
    'unknown' for no such task of this organisation)."""
    if await conn.fetchval(_CLOSE_OWN, task_id, organisation_id, closed_by) is not None:
        return "done"
    status = await conn.fetchval(_STATUS_OWN, task_id, organisation_id)
    return "unknown" if status is None else "already_done"
