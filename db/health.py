"""Whether PostgreSQL answers at all: the health check's database probe."""

from __future__ import annotations

from db.connection import PooledConnection


async def answers(conn: PooledConnection) -> bool:
    return bool(await conn.fetchval("SELECT 1"))
