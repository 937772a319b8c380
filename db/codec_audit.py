"""The codec server's audit: which operator token decrypted how many payloads of which episode."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from db.connection import PooledConnection
from schemas.base import Frozen

DECODE_ACTION = "codec.decode"

_INSERT = (
    "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, reason, detail)"
    " VALUES ($1, now(), $2, $3, $4, $5, $6, $7::jsonb)"
)

_BY_ACTOR = (
    "SELECT actor_role, actor_id, episode_id, reason, (detail->>'payloads')::int AS payloads,"
    " detail->>'namespace' AS namespace, at"
    " FROM audit_log WHERE action = $1 AND actor_id = $2 ORDER BY audit_no"
)


class DecodeAudit(Frozen):
    """One line of the audit: one episode's payloads (or those under no episode) in one call."""

    actor_role: str
    actor_id: str
    episode_id: str | None
    reason: str
    payloads: int
    namespace: str | None
    at: datetime


async def record_decode(
    conn: PooledConnection,
    *,
    request_id: str,
    actor_role: str,
    actor_id: str,
    namespace: str | None,
    payloads_by_workflow: Mapping[str | None, int],
    refused: str = "",
) -> None:
    """One audit row per workflow whose payloads a call decoded (None: payloads under no
    episode's key), all or none; `refused` says why nothing was decoded. No payload content."""
    rows = [
        (
            f"codec-{request_id}-{number}",
            actor_role,
            actor_id,
            DECODE_ACTION,
            workflow_id,
            refused,
            json.dumps({"payloads": count, "namespace": namespace}),
        )
        for number, (workflow_id, count) in enumerate(
            sorted(payloads_by_workflow.items(), key=lambda item: item[0] or "")
        )
    ]
    async with conn.transaction():
        await conn.executemany(_INSERT, rows)


async def decodes_by(conn: PooledConnection, actor_id: str) -> list[DecodeAudit]:
    """The decode audit of one operator token, oldest first."""
    rows = await conn.fetch(_BY_ACTOR, DECODE_ACTION, actor_id)
    return [DecodeAudit.model_validate(dict(row)) for row in rows]
