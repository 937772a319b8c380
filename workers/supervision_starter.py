"""Starting supervision groups' workflows: the one place that turns a group into a workflow,
used by the pages when a group is made and by the worker at its start for the groups there
are (those from before, or one whose start failed)."""

from __future__ import annotations

import structlog
from temporalio.client import Client

from db import supervision as groups
from db.pool import DatabasePool
from schemas.roster import SupervisionGroup
from schemas.supervision import GroupStart, group_workflow_id
from workers.long_running import ensure_workflow
from workflows.supervision_group import SupervisionGroupWorkflow

log = structlog.get_logger(__name__)


async def ensure_group_workflow(client: Client, group: SupervisionGroup, *, task_queue: str) -> str:
    """Start the group's workflow unless it runs already; its id."""
    start = GroupStart(
        group_id=group.group_id, organisation_id=group.organisation_id, schedule=group.schedule
    )
    return await ensure_workflow(
        client,
        SupervisionGroupWorkflow.run,
        start,
        workflow_id=group_workflow_id(group.group_id),
        task_queue=task_queue,
        summary="Supervision group",
        details=f"**Group:** {group.group_id}  \n**Organisation:** {group.organisation_id}",
    )


async def ensure_group_workflows(client: Client, pool: DatabasePool, *, task_queue: str) -> int:
    """Every active group has its workflow running; how many groups there are."""
    async with pool.acquire() as conn:
        active = await groups.active_groups(conn)
    for group in active:
        await ensure_group_workflow(client, group, task_queue=task_queue)
    log.info("supervision groups running", groups=len(active))
    return len(active)
