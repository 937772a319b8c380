"""The `roster-upkeep` Temporal Schedule: created, or brought up to date, when a worker starts."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Literal

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.roster_upkeep import RosterUpkeepWorkflow

SCHEDULE_ID = "roster-upkeep"
# Each run is started as `roster-upkeep-<time>` (the Schedule adds the time).
WORKFLOW_ID = "roster-upkeep"


def upkeep_schedule(task_queue: str, every: timedelta) -> Schedule:
    """Every `every`; a run still busy (deliveries retrying) makes the next one skip, and
    runs missed while Temporal was away are not made up (the next run does all of it)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RosterUpkeepWorkflow.run, id=WORKFLOW_ID, task_queue=task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(minutes=1)
        ),
    )


async def ensure_roster_upkeep(
    client: Client, *, task_queue: str, every: timedelta
) -> Literal["created", "updated"]:
    """Create the Schedule, or give an existing one this task queue and interval; its state
    (paused by an operator, say) is kept. Safe for every worker to call at every start."""
    schedule = upkeep_schedule(task_queue, every)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:

        def update(existing: ScheduleUpdateInput) -> ScheduleUpdate:
            kept = existing.description.schedule.state
            return ScheduleUpdate(schedule=dataclasses.replace(schedule, state=kept))

        await client.get_schedule_handle(SCHEDULE_ID).update(update)
        return "updated"
    return "created"
