"""What the benchmark reads to know when the system has caught up, and how big it grew."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from db.connection import PooledConnection
from schemas.base import Frozen

# Complete statements per table: the table name is never put into SQL from outside.
_ROW_COUNTS = {
    "episodes": "SELECT count(*) FROM episodes",
    "tasks": "SELECT count(*) FROM tasks",
    "timeline": "SELECT count(*) FROM timeline",
    "outbox": "SELECT count(*) FROM outbox",
    "audit_log": "SELECT count(*) FROM audit_log",
    "peer_reservations": "SELECT count(*) FROM peer_reservations",
}


class AuditMark(Frozen):
    audit_no: int
    event_id: str


async def _count(conn: PooledConnection, query: str, *args: object) -> int:
    count: int = await conn.fetchval(query, *args)
    return count


async def episodes(conn: PooledConnection) -> int:
    return await _count(conn, "SELECT count(*) FROM episodes")


async def episodes_present(conn: PooledConnection, episode_ids: Sequence[str]) -> int:
    """How many of these episodes have a read-model row."""
    return await _count(
        conn, "SELECT count(*) FROM episodes WHERE episode_id = ANY($1)", list(episode_ids)
    )


async def peer_offers(conn: PooledConnection) -> int:
    return await _count(conn, "SELECT count(*) FROM tasks WHERE kind = 'peer_offer'")


async def pending_messages(conn: PooledConnection) -> int:
    return await _count(conn, "SELECT count(*) FROM outbox WHERE status = 'pending'")


async def events_not_applied(conn: PooledConnection) -> int:
    """Events taken in whose effects are not in the read model yet."""
    return await _count(
        conn, "SELECT count(*) FROM events_received WHERE status IN ('received', 'signalled')"
    )


async def last_audit_no(conn: PooledConnection) -> int:
    return await _count(conn, "SELECT coalesce(max(audit_no), 0) FROM audit_log")


async def risk_changes_applied(
    conn: PooledConnection, after_audit_no: int, event_ids: Sequence[str]
) -> list[AuditMark]:
    """Audit rows numbered after `after_audit_no` that apply one of these risk_changed events."""
    rows = await conn.fetch(
        "SELECT audit_no, detail->>'event_id' AS event_id FROM audit_log"
        " WHERE audit_no > $1 AND action = 'event.risk_changed'"
        " AND detail->>'event_id' = ANY($2)",
        after_audit_no,
        list(event_ids),
    )
    return [AuditMark.model_validate(dict(r)) for r in rows]


async def row_counts(conn: PooledConnection) -> dict[str, int]:
    """Rows per read-model table."""
    return {table: await _count(conn, query) for table, query in _ROW_COUNTS.items()}


async def database_bytes(conn: PooledConnection) -> int:
    return await _count(conn, "SELECT pg_database_size(current_database())")


class AppliedSpan(Frozen):
    """When the first and the last of the events applied since a moment were applied."""

    events: int
    first: datetime | None
    last: datetime | None


async def applied_since(conn: PooledConnection, since: datetime) -> AppliedSpan:
    """Events applied at or after `since` (the commit transaction's start), and their span."""
    row = await conn.fetchrow(
        "SELECT count(*) AS events, min(applied_at) AS first, max(applied_at) AS last"
        " FROM events_received WHERE status = 'applied' AND applied_at >= $1",
        since,
    )
    assert row is not None  # an aggregate always returns its one row
    return AppliedSpan.model_validate(dict(row))
