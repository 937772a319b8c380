"""The roster upkeep, run every hour by the `roster-upkeep` Schedule: open a task before a
peer's training lapses, tell the coordinators of each new roster task, remind them when it
falls due and escalate to the partnership when it is still open days later — so no roster
task waits for a person without end. The peer groups' tasks climb the same way (the
facilitator or the coordinators, then the coordinators or the partnership), and so does a
course participant's follow-up (the teaching peers reminded, then the coordinators)."""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import Notifier
    from activities.roster_upkeep import RosterUpkeep
    from schemas.notifications import Notification
    from schemas.roster_upkeep import RosterUpkeepReport
    from workflows.calls import DATABASE_CALL, DELIVERY
    from workflows.patches import GROUP_TASK_NOTICES

# A roster task still open this many days after it fell due goes to the partnership.
ESCALATE_AFTER_DAYS = 3


@workflow.defn
class RosterUpkeepWorkflow:
    """One short run: training lapses -> notices, reminders, escalations -> deliveries."""

    @workflow.run
    async def run(self) -> RosterUpkeepReport:
        training = await workflow.execute_activity_method(
            RosterUpkeep.open_training_tasks, **DATABASE_CALL
        )
        queued = await workflow.execute_activity_method(
            RosterUpkeep.queue_notices, ESCALATE_AFTER_DAYS, **DATABASE_CALL
        )
        groups = courses = None
        if workflow.patched(GROUP_TASK_NOTICES):
            told = await workflow.execute_activity_method(
                RosterUpkeep.queue_group_and_course_notices, ESCALATE_AFTER_DAYS, **DATABASE_CALL
            )
            groups, courses = told.groups, told.courses
        pending = await workflow.execute_activity_method(
            RosterUpkeep.undelivered_notices, **DATABASE_CALL
        )
        sent = await asyncio.gather(*(self.deliver(n) for n in pending.notifications))
        return RosterUpkeepReport(
            training=training,
            queued=queued,
            groups=groups,
            courses=courses,
            delivered=sum(sent),
            failed=len(sent) - sum(sent),
        )

    async def deliver(self, notification: Notification) -> bool:
        """E-mail and SMS like every notification; given up after the delivery retries, its
        rows are marked failed (the task itself still climbs to the partnership)."""
        try:
            await workflow.execute_activity_method(
                Notifier.deliver_notification, notification, **DELIVERY
            )
        except ActivityError:
            workflow.logger.warning(
                "roster notice could not be delivered",
                extra={"notification_id": notification.notification_id},
            )
            await workflow.execute_activity_method(
                Notifier.mark_delivery_failed, notification, **DATABASE_CALL
            )
            return False
        return True
