"""The coordinators' roster tasks (about a peer or a supervision group, not an episode):
opened at most once per `dedupe_key`, closed when done."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from db.connection import PooledConnection
from schemas.roster import RosterTask, RosterTaskKind

_OPEN = """
INSERT INTO roster_tasks (task_id, kind, organisation_id, peer_id, group_id, dedupe_key,
                          due_at, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING task_id
"""

_CLOSE = """
UPDATE roster_tasks SET status = 'done', closed_at = now(), closed_by = $2
WHERE task_id = $1 AND status = 'open'
RETURNING task_id
"""

_OPEN_FOR = """
SELECT task_id, kind, organisation_id, peer_id, group_id, status, due_at, created_at
FROM roster_tasks
WHERE status = 'open' AND organisation_id = $1
ORDER BY due_at, task_id
LIMIT 500
"""


async def open_task(
    conn: PooledConnection,
    *,
    kind: RosterTaskKind,
    organisation_id: str,
    dedupe_key: str,
    due_at: datetime,
    peer_id: str | None = None,
    group_id: str | None = None,
    detail: dict[str, str] | None = None,
) -> str | None:
    """Open the task unless one with this `dedupe_key` was ever opened; its id, or None when
    it already existed (so a retried activity opens nothing twice). `detail` holds ids and
    codes only, never personal data."""
    task_id: str | None = await conn.fetchval(
        _OPEN,
        f"rt-{uuid.uuid4().hex}",
        kind.value,
        organisation_id,
        peer_id,
        group_id,
        dedupe_key,
        due_at,
        json.dumps(detail or {}),
    )
    return task_id


async def close_task(conn: PooledConnection, task_id: str, closed_by: str) -> bool:
    """Mark an open task done; whether it was open."""
    return await conn.fetchval(_CLOSE, task_id, closed_by) is not None


async def open_tasks(conn: PooledConnection, organisation_id: str) -> list[RosterTask]:
    """The organisation's open roster tasks, soonest due first."""
    rows = await conn.fetch(_OPEN_FOR, organisation_id)
    return [RosterTask.model_validate(dict(r)) for r in rows]
