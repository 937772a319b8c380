"""The migrations apply on a fresh database and the audit log refuses changes."""

import asyncpg
import pytest

from db.migrate import migrate
from db.pool import DatabasePool


async def test_migrating_twice_applies_nothing_new(db_pool: DatabasePool) -> None:
    async with db_pool.acquire() as conn:
        assert await migrate(conn) == []
        versions = await conn.fetchval("SELECT count(*) FROM schema_migrations")
        assert versions >= 1


async def test_audit_log_is_append_only(db_pool: DatabasePool) -> None:
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action)"
            " VALUES ('t-1', now(), 'system', 'test', 'test')"
        )
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM audit_log WHERE audit_id = 't-1'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE audit_log SET action = 'x' WHERE audit_id = 't-1'")
