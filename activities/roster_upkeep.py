"""The roster upkeep's activities: open a coordinator task before a peer's training lapses,
and tell the coordinators of every open roster task, remind them when it falls due and the
partnership when it is still not done; each notice goes to the outbox exactly once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

import structlog
from temporalio import activity

from activities.episode_store import queue_notification
from db import courses, roster_tasks, roster_upkeep
from db.connection import PooledConnection
from db.pool import DatabasePool
from db.roster_upkeep import CourseTaskToTell, GroupTaskToTell, TaskToTell
from schemas.notifications import (
    COURSE_UPKEEP_TEMPLATES,
    GROUP_TEMPLATES,
    PARTNERSHIP,
    ROSTER_TEMPLATES,
    Notification,
    Template,
)
from schemas.people import SYSTEM, Recipient, Role
from schemas.roster import RosterTaskKind
from schemas.roster_upkeep import (
    GroupAndCourseNotices,
    NoticesQueued,
    TrainingTasks,
    Undelivered,
)

log = structlog.get_logger(__name__)

TaskT = TypeVar("TaskT", TaskToTell, GroupTaskToTell, CourseTaskToTell)

# The three notices of a roster task: (the id suffix, which makes a retry write nothing
# twice, the template).
NOTICE = ("notice", Template.ROSTER_TASK)
REMINDER = ("reminder", Template.ROSTER_TASK_OVERDUE)
ESCALATION = ("escalation", Template.ROSTER_TASK_ESCALATED)
# The same three of a peer group's task.
GROUP_NOTICE = ("notice", Template.GROUP_TASK)
GROUP_REMINDER = ("reminder", Template.GROUP_TASK_OVERDUE)
GROUP_ESCALATION = ("escalation", Template.GROUP_TASK_ESCALATED)
# A course follow-up's last two (the term's workflow told the teaching peers when it opened it).
COURSE_REMINDER = ("reminder", Template.COURSE_FOLLOW_UP_OVERDUE)
COURSE_ESCALATION = ("escalation", Template.COURSE_FOLLOW_UP_ESCALATED)


def lapse_key(peer_id: str, programme: str, trained_until: str) -> str:
    """One lapse reminder per peer, programme and lapse date: a newer training moves the date,
    so the next lapse gets a task of its own."""
    return f"training_lapsing:{peer_id}:{programme}:{trained_until}"


def notice_for(
    task: TaskToTell, step: tuple[str, Template], now: datetime, *, partnership: bool = False
) -> Notification:
    """The notice of one step of one task: to the organisation's coordinators, or for the
    escalation to every coordinator of its partnerships. Ids, the kind and the date only."""
    suffix, template = step
    return Notification(
        notification_id=f"{task.task_id}.{suffix}",
        recipient=Recipient(
            role=Role.COORDINATOR,
            id=task.organisation_id,
            service=PARTNERSHIP if partnership else None,
        ),
        template=template,
        task_id=task.task_id,
        created_at=now,
        params={
            "task_id": task.task_id,
            "kind": task.kind.value,
            "due_on": task.due_at.date().isoformat(),
        },
    )


def group_recipient(task: GroupTaskToTell, *, escalation: bool) -> Recipient:
    """Who hears of a group task: a member absent in a row is the facilitator's, escalated to
    the organisation's coordinators; attendance nobody recorded is the coordinators',
    escalated to every coordinator of the organisation's partnerships."""
    if task.kind == "member_absent" and task.assigned_to is not None and not escalation:
        return Recipient(role=Role.PEER, id=task.assigned_to)
    partnership = escalation and task.kind == "attendance_unrecorded"
    return Recipient(
        role=Role.COORDINATOR,
        id=task.organisation_id,
        service=PARTNERSHIP if partnership else None,
    )


def group_notice_for(
    task: GroupTaskToTell, step: tuple[str, Template], now: datetime
) -> Notification:
    """The notice of one step of one group task. Ids, the kind and the date only (never the
    member: the reader logs in to see who)."""
    suffix, template = step
    return Notification(
        notification_id=f"{task.task_id}.{suffix}",
        recipient=group_recipient(task, escalation=step == GROUP_ESCALATION),
        template=template,
        task_id=task.task_id,
        created_at=now,
        params={
            "task_id": task.task_id,
            "kind": task.kind,
            "group_id": task.group_id,
            "due_on": task.due_at.date().isoformat(),
        },
    )


def course_notice_for(
    task: CourseTaskToTell,
    step: tuple[str, Template],
    now: datetime,
    recipient: Recipient,
) -> Notification:
    """The notice of one step of one course follow-up to one recipient (a teaching peer, or
    the organisation's coordinators). Ids, the kind and the date only."""
    suffix, template = step
    to = "coordinators" if recipient.role == Role.COORDINATOR else recipient.id
    return Notification(
        notification_id=f"{task.task_id}.{suffix}.{to}",
        recipient=recipient,
        template=template,
        task_id=task.task_id,
        created_at=now,
        params={
            "task_id": task.task_id,
            "kind": task.kind,
            "term_id": task.term_id,
            "due_on": task.due_at.date().isoformat(),
        },
    )


class RosterUpkeep:
    """The hourly upkeep's database work; notices are delivered by the Notifier after it."""

    def __init__(self, pool: DatabasePool, *, sms_enabled: bool = False) -> None:
        self._pool = pool
        self._sms_enabled = sms_enabled

    @activity.defn
    async def open_training_tasks(self) -> TrainingTasks:
        """A task for the peer's organisation before each training lapses (once per lapse
        date); those whose training was renewed meanwhile are closed."""
        opened = 0
        async with self._pool.acquire() as conn, conn.transaction():
            closed = await roster_upkeep.close_renewed(conn, SYSTEM.id)
            for lapsing in await roster_upkeep.lapsing_trainings(conn):
                until = lapsing.trained_until.isoformat()
                task_id = await roster_tasks.open_task(
                    conn,
                    kind=RosterTaskKind.TRAINING_LAPSING,
                    organisation_id=lapsing.organisation_id,
                    dedupe_key=lapse_key(lapsing.peer_id, lapsing.programme, until),
                    due_at=lapsing.due_at,
                    peer_id=lapsing.peer_id,
                    detail={"programme": lapsing.programme, "trained_until": until},
                )
                opened += task_id is not None
        log.info("training lapse tasks", opened=opened, closed=closed)
        return TrainingTasks(opened=opened, closed=closed)

    @activity.defn
    async def queue_notices(self, escalate_after_days: int) -> NoticesQueued:
        """Queue what each open task's coordinators must hear now, and mark it told in the
        same transaction: a retry finds nothing left to tell."""
        now = datetime.now(UTC)
        async with self._pool.acquire() as conn, conn.transaction():
            notices = await self._tell(
                conn,
                await roster_upkeep.to_notify(conn),
                lambda task: [notice_for(task, NOTICE, now)],
                roster_upkeep.mark_notified,
            )
            reminders = await self._tell(
                conn,
                await roster_upkeep.to_remind(conn),
                lambda task: [notice_for(task, REMINDER, now)],
                roster_upkeep.mark_reminded,
            )
            escalations = await self._tell(
                conn,
                await roster_upkeep.to_escalate(conn, escalate_after_days),
                lambda task: [notice_for(task, ESCALATION, now, partnership=True)],
                roster_upkeep.mark_escalated,
            )
        log.info(
            "roster notices queued", notices=notices, reminders=reminders, escalations=escalations
        )
        return NoticesQueued(notices=notices, reminders=reminders, escalations=escalations)

    @activity.defn
    async def queue_group_and_course_notices(
        self, escalate_after_days: int
    ) -> GroupAndCourseNotices:
        """The same for the peer groups' tasks: the facilitator (member_absent) or the
        coordinators (attendance_unrecorded) are told once, reminded once when it falls due,
        and the task is escalated once `escalate_after_days` later. A course participant's
        follow-up, told to the teaching peers by the term's workflow, is reminded of once to
        them when due and escalated once to the coordinators. Each step is marked in the
        transaction that queues it."""
        now = datetime.now(UTC)
        async with self._pool.acquire() as conn, conn.transaction():
            notices = await self._tell(
                conn,
                await roster_upkeep.group_to_notify(conn),
                lambda task: [group_notice_for(task, GROUP_NOTICE, now)],
                roster_upkeep.group_mark_notified,
            )
            reminders = await self._tell(
                conn,
                await roster_upkeep.group_to_remind(conn),
                lambda task: [group_notice_for(task, GROUP_REMINDER, now)],
                roster_upkeep.group_mark_reminded,
            )
            escalations = await self._tell(
                conn,
                await roster_upkeep.group_to_escalate(conn, escalate_after_days),
                lambda task: [group_notice_for(task, GROUP_ESCALATION, now)],
                roster_upkeep.group_mark_escalated,
            )
            course_reminders = await self._tell_course(
                conn,
                await roster_upkeep.course_to_remind(conn),
                COURSE_REMINDER,
                now,
                roster_upkeep.course_mark_reminded,
            )
            course_escalations = await self._tell_course(
                conn,
                await roster_upkeep.course_to_escalate(conn, escalate_after_days),
                COURSE_ESCALATION,
                now,
                roster_upkeep.course_mark_escalated,
            )
        log.info(
            "group and course task notices queued",
            notices=notices,
            reminders=reminders,
            escalations=escalations,
            course_reminders=course_reminders,
            course_escalations=course_escalations,
        )
        return GroupAndCourseNotices(
            groups=NoticesQueued(notices=notices, reminders=reminders, escalations=escalations),
            courses=NoticesQueued(
                notices=0, reminders=course_reminders, escalations=course_escalations
            ),
        )

    @activity.defn
    async def undelivered_notices(self) -> Undelivered:
        """The roster, group and course task notices the upkeep queued with e-mail or SMS
        copies still to send (this run's and any an earlier run did not finish)."""
        async with self._pool.acquire() as conn:
            found = await roster_upkeep.undelivered(
                conn, sorted(ROSTER_TEMPLATES | GROUP_TEMPLATES | COURSE_UPKEEP_TEMPLATES)
            )
        return Undelivered(notifications=tuple(found))

    async def _tell(
        self,
        conn: PooledConnection,
        tasks: Sequence[TaskT],
        notices_for: Callable[[TaskT], list[Notification]],
        mark: roster_upkeep.Marker,
    ) -> int:
        """Queue each task's notices and mark it told, in the caller's transaction."""
        for task in tasks:
            for notice in notices_for(task):
                await queue_notification(conn, notice, sms_enabled=self._sms_enabled)
            await mark(conn, task.task_id)
        return len(tasks)

    async def _tell_course(
        self,
        conn: PooledConnection,
        tasks: list[CourseTaskToTell],
        step: tuple[str, Template],
        now: datetime,
        mark: roster_upkeep.Marker,
    ) -> int:
        """A reminder to each of the term's teaching peers (the coordinators when it has
        none); the escalation to the organisation's coordinators."""
        recipients: dict[str, list[Recipient]] = {}
        for task in tasks:
            recipients[task.task_id] = [Recipient(role=Role.COORDINATOR, id=task.organisation_id)]
            if step == COURSE_REMINDER:
                teachers = await courses.teachers(conn, task.term_id)
                peers = [Recipient(role=Role.PEER, id=p) for p in teachers]
                recipients[task.task_id] = peers or recipients[task.task_id]
        return await self._tell(
            conn,
            tasks,
            lambda task: [course_notice_for(task, step, now, r) for r in recipients[task.task_id]],
            mark,
        )
