"""Counts and durations read from the read model for the worker's metrics."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.connection import PooledConnection


async def episodes_by_phase(conn: PooledConnection) -> dict[str, int]:
    """Episodes per phase; phases without episodes are absent."""
    rows = await conn.fetch("SELECT phase, count(*) AS n FROM episodes GROUP BY phase")
    return {r["phase"]: r["n"] for r in rows}


async def overdue_open_tasks(conn: PooledConnection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM tasks WHERE status = 'open' AND overdue")
    return count


async def first_contact_waits(
    conn: PooledConnection, since: datetime, until: datetime
) -> list[timedelta]:
    """From discharge to first contact, for first contacts recorded in (since, until]."""
    rows = await conn.fetch(
        "SELECT first_contact_at - discharged_at AS waited FROM episodes"
        " WHERE first_contact_at IS NOT NULL AND discharged_at IS NOT NULL"
        " AND first_contact_at > $1 AND first_contact_at <= $2",
        since,
        until,
    )
    return [r["waited"] for r in rows]
