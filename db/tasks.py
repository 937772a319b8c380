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
_COORDINATOR_TASKS = (
    "SELECT task_id, episode_id, kind, status, number, created_at, due_at, overdue FROM tasks"
    " WHERE assignee_role = 'coordinator' AND assignee_id = $1 AND status = 'open'"
    " ORDER BY due_at NULLS LAST"
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


async def caseworker_tasks(
    conn: PooledConnection, municipality_code: str | None, service: str | None
) -> list[OpenTask]:
    return await _open(conn, _CASEWORKER_TASKS, municipality_code, service)
