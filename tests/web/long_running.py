"""Ending the long-running workflows (groups, terms) a page test started: the shared
time-skipping server would otherwise wake them whenever a later test skips time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError


async def end_running(client: Client, workflow_ids: Iterable[str]) -> None:
    """Terminate those of `workflow_ids` still running (one already ended is left alone)."""
    await asyncio.sleep(0.5)  # let a workflow task in flight finish first (see tests/conftest)
    for workflow_id in workflow_ids:
        handle = client.get_workflow_handle(workflow_id)
        with contextlib.suppress(RPCError):
            if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
                await handle.terminate(reason="test done")
