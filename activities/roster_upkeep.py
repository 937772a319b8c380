"""The roster upkeep's activities: open a coordinator task before a peer's training lapses,
and tell the coordinators of every open roster task, remind them when it falls due and the
partnership when it is still not done; each notice goes to the outbox exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from temporalio import activity

from activities.episode_store import queue_notification
from db import roster_tasks, roster_upkeep
from db.connection import PooledConnection
from db.pool import DatabasePool
from db.roster_upkeep import TaskToTell
from schemas.notifications import PARTNERSHIP, ROSTER_TEMPLATES, Notification, Template
from schemas.people import SYSTEM, Recipient, Role
from schemas.roster import RosterTaskKind
from schemas.roster_upkeep import NoticesQueued, TrainingTasks, Undelivered

log = structlog.get_logger(__name__)

# The three notices of a roster task: (the id suffix, which makes a retry write nothing
# twice, the template).
NOTICE = ("notice", Template.ROSTER_TASK)
REMINDER = ("reminder", Template.ROSTER_TASK_OVERDUE)
ESCALATION = ("escalation", Template.ROSTER_TASK_ESCALATED)


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
                conn, await roster_upkeep.to_notify(conn), NOTICE, now, roster_upkeep.mark_notified
            )
            reminders = await self._tell(
                conn,
                await roster_upkeep.to_remind(conn),
                REMINDER,
                now,
                roster_upkeep.mark_reminded,
            )
            escalations = await self._tell(
                conn,
                await roster_upkeep.to_escalate(conn, escalate_after_days),
                ESCALATION,
                now,
                roster_upkeep.mark_escalated,
                partnership=True,
            )
        log.info(
            "roster notices queued", notices=notices, reminders=reminders, escalations=escalations
        )
        return NoticesQueued(notices=notices, reminders=reminders, escalations=escalations)

    @activity.defn
    async def undelivered_notices(self) -> Undelivered:
        """The roster notices with e-mail or SMS copies still to send (this run's and any an
        earlier run did not finish)."""
        async with self._pool.acquire() as conn:
            found = await roster_upkeep.undelivered(conn, sorted(ROSTER_TEMPLATES))
        return Undelivered(notifications=tuple(found))

    async def _tell(
        self,
        conn: PooledConnection,
        tasks: list[TaskToTell],
        step: tuple[str, Template],
        now: datetime,
        mark: roster_upkeep.Marker,
        *,
        partnership: bool = False,
    ) -> int:
        for task in tasks:
            notice = notice_for(task, step, now, partnership=partnership)
            await queue_notification(conn, notice, sms_enabled=self._sms_enabled)
            await mark(conn, task.task_id)
        return len(tasks)
