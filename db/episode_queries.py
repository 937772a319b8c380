"""Read-model queries for the API and the pages, one fixed query per role."""

from __future__ import annotations

import asyncpg

from db.connection import PooledConnection


async def episode(conn: PooledConnection, episode_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM episodes WHERE episode_id = $1", episode_id)


async def task(conn: PooledConnection, task_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM tasks WHERE task_id = $1", task_id)


async def episode_tasks(conn: PooledConnection, episode_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM tasks WHERE episode_id = $1 ORDER BY created_at",
        episode_id,
    )


async def timeline(conn: PooledConnection, episode_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT at, kind, actor_role, actor_id, summary, task_id FROM timeline"
        " WHERE episode_id = $1 ORDER BY at, entry_id",
        episode_id,
    )


async def goals(conn: PooledConnection, episode_id: str) -> list[asyncpg.Record]:
    """The citizen's own goals (personal data: shown only with the citizen's details)."""
    return await conn.fetch(
        "SELECT area, text FROM episode_goals WHERE episode_id = $1 ORDER BY goal_no", episode_id
    )


async def citizen(conn: PooledConnection, citizen_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT citizen_id, name, phone, email FROM citizens WHERE citizen_id = $1", citizen_id
    )


async def audit_read(
    conn: PooledConnection,
    *,
    audit_id: str,
    actor_role: str,
    actor_id: str,
    episode_id: str,
    what: str,
) -> None:
    """Every access to personal data leaves a line in the append-only audit log."""
    await conn.execute(
        "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id)"
        " VALUES ($1, now(), $2, $3, $4, $5) ON CONFLICT (audit_id) DO NOTHING",
        audit_id,
        actor_role,
        actor_id,
        what,
        episode_id,
    )
