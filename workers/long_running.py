"""Starting a long-running workflow that belongs to one row (a group, a term): started once
under the row's own id, left alone while it runs, started again after it has ended."""

from __future__ import annotations

from typing import Any, TypeVar

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.types import MethodAsyncSingleParam

SelfT = TypeVar("SelfT")
ArgT = TypeVar("ArgT")


async def ensure_workflow(
    client: Client,
    run: MethodAsyncSingleParam[SelfT, ArgT, Any],
    start: ArgT,
    *,
    workflow_id: str,
    task_queue: str,
    summary: str,
    details: str,
) -> str:
    """Start the row's workflow unless it runs already (ids and kinds only in `summary` and
    `details`: the Temporal UI shows them); its id."""
    handle = await client.start_workflow(
        run,
        start,
        id=workflow_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        static_summary=summary,
        static_details=details,
    )
    return handle.id
