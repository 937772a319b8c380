"""Each person's open tasks: the inbox a role works from, the soonest due first."""

from __future__ import annotations

from datetime import datetime

from db.connection import PooledConnection
from schemas.base import Frozen


class OpenTask(Frozen):
    task_id: str
    episode_id: str
    kind: str
    status: str
    number: int
    created_at: datetime
    due_at: datetime | None
    overdue: bool


# One fixed statement per assignee role.
_PEER_TASKS = (
    "SELECT task_id, episode_id, kind, status, number, created_at, due_at, overdue FROM tasks"
    " WHERE assignee_role = 'peer' AND assignee_id = $1 AND status = 'open'"
    " ORDER BY due_at NULLS LAST"
)
_WARD_TASKS = (
    "SELECT task_id, episode_id, kind, status, number, created_at, due_at, overdue FROM tasks"
    " WHERE assignee_role = 'ward' AND assignee_id = $1 AND status = 'open'"
    " ORDER BY due_at NULLS LAST"
)
# A coordinator task reaches the coordinators of its organisation and, when that organisation
# has no active coordinator or the task is for the whole partnership (service 'partnership',
# the ladder's second level), every coordinator of the partnership (as db/outbox resolves it).
_REACHES_COORDINATOR_OF = """
    t.assignee_role = 'coordinator' AND t.status = 'open' AND (
        t.assignee_id = $1
        OR ((t.assignee_service = 'partnership' OR NOT EXISTS (
                SELECT 1 FROM users own
                WHERE own.active AND own.role = 'coordinator'
                  AND own.organisation_id = t.assignee_id))
            AND t.assignee_id IN (
                SELECT partner_id FROM organisation_partners WHERE organisation_id = $1)))
"""
_COORDINATOR_TASKS = (
    "SELECT task_id, episode_id, kind, status, number, created_at, due_at, overdue"  # noqa: S608
    f" FROM tasks t WHERE {_REACHES_COORDINATOR_OF} ORDER BY due_at NULLS LAST"
)
# Episodes of other organisations a coordinator was called to through the partnership.
_ESCALATED_FROM_PARTNERS = (
    "SELECT DISTINCT t.episode_id FROM tasks t"  # noqa: S608 (constant fragments only)
    f" WHERE t.assignee_id <> $1 AND {_REACHES_COORDINATOR_OF} LIMIT 1000"
)
# A caseworker task may be for one service of the municipality or for any of them.
_CASEWORKER_TASKS = (
    "SELECT task_id, episode_id, kind, status, number, created_at, due_at, overdue FROM tasks"
    " WHERE assignee_role = 'caseworker' AND assignee_id = $1"
    " AND (assignee_service IS NULL OR assignee_service = $2) AND status = 'open'"
    " ORDER BY due_at NULLS LAST"
)


async def _open(conn: PooledConnection, query: str, *args: object) -> list[OpenTask]:
    return [OpenTask.model_validate(dict(r)) for r in await conn.fetch(query, *args)]


async def peer_tasks(conn: PooledConnection, peer_id: str) -> list[OpenTask]:
    return await _open(conn, _PEER_TASKS, peer_id)


async def ward_tasks(conn: PooledConnection, ward_id: str | None) -> list[OpenTask]:
    return await _open(conn, _WARD_TASKS, ward_id)


async def coordinator_tasks(conn: PooledConnection, organisation_id: str | None) -> list[OpenTask]:
    return await _open(conn, _COORDINATOR_TASKS, organisation_id)


async def escalated_from_partners(
    conn: PooledConnection, organisation_id: str | None
) -> frozenset[str]:
    """The episodes of partner organisations whose open coordinator tasks reach a coordinator
    of this organisation: they may open those episodes and act on those tasks."""
    if organisation_id is None:
        return frozenset()
    rows = await conn.fetch(_ESCALATED_FROM_PARTNERS, organisation_id)
    return frozenset(str(r["episode_id"]) for r in rows)


async def caseworker_tasks(
    conn: PooledConnection, municipality_code: str | None, service: str | None
) -> list[OpenTask]:
    return await _open(conn, _CASEWORKER_TASKS, municipality_code, service)
