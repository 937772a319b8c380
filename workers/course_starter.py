"""Starting course terms' workflows: the one place that turns an opened term into a workflow,
used by the pages when a term is opened and by the worker at its start for the open terms
there are (one whose start failed, or from before a restore)."""

from __future__ import annotations

import structlog
from temporalio.client import Client

from db import courses
from db.pool import DatabasePool
from schemas.courses import TermStart, term_workflow_id
from workers.long_running import ensure_workflow
from workflows.course_term import CourseTermWorkflow

log = structlog.get_logger(__name__)


async def ensure_term_workflow(
    client: Client, term_id: str, *, task_queue: str, start: TermStart | None = None
) -> str:
    """Start the term's workflow unless it runs already; its id. Call it after
    db/courses.open_term; a term that is not open ends its workflow at once."""
    return await ensure_workflow(
        client,
        CourseTermWorkflow.run,
        start or TermStart(term_id=term_id),
        workflow_id=term_workflow_id(term_id),
        task_queue=task_queue,
        summary="Course term",
        details=f"**Term:** {term_id}",
    )


async def ensure_term_workflows(client: Client, pool: DatabasePool, *, task_queue: str) -> int:
    """Every open term has its workflow running; how many open terms there are."""
    async with pool.acquire() as conn:
        open_terms = await courses.open_terms(conn)
    for term in open_terms:
        await ensure_term_workflow(client, term.term_id, task_queue=task_queue)
    log.info("course terms running", terms=len(open_terms))
    return len(open_terms)
