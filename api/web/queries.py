"""Read-only queries the pages need besides the role queries in db.episode_queries."""

from __future__ import annotations

import asyncpg

from db.connection import PooledConnection

_PROGRAMMES = (
    "SELECT code, definition->>'name' AS name, definition->>'name_da' AS name_da"
    " FROM programmes WHERE active ORDER BY code"
)
_MUNICIPALITIES = "SELECT municipality_code, name FROM municipalities ORDER BY name"
_ORGANISATIONS = "SELECT organisation_id, name FROM organisations ORDER BY name"
_WARD_ORGANISATION = "SELECT organisation_id FROM wards WHERE ward_id = $1"
_PEER_LOAD = (
    "SELECT p.peer_id, u.display_name, p.capacity, p.active_load, p.trained, p.employment,"
    " p.available FROM peers p JOIN users u ON u.user_id = p.peer_id"
    " WHERE p.organisation_id = $1 AND u.active ORDER BY u.display_name, p.peer_id"
)
_PHASE_COUNTS = "SELECT phase, count(*) AS episodes FROM episodes GROUP BY phase ORDER BY phase"
_PROGRAMME_OF = "SELECT episode_id, programme FROM episodes WHERE episode_id = ANY ($1::text[])"
_LOGIN_USER = "SELECT user_id, password_hash FROM users WHERE user_id = $1 AND active"


async def programmes(conn: PooledConnection) -> list[asyncpg.Record]:
    return await conn.fetch(_PROGRAMMES)


async def municipalities(conn: PooledConnection) -> list[asyncpg.Record]:
    return await conn.fetch(_MUNICIPALITIES)


async def organisations(conn: PooledConnection) -> list[asyncpg.Record]:
    return await conn.fetch(_ORGANISATIONS)


async def ward_organisation(conn: PooledConnection, ward_id: str | None) -> str | None:
    found: str | None = await conn.fetchval(_WARD_ORGANISATION, ward_id)
    return found


async def peer_load(conn: PooledConnection, organisation_id: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(_PEER_LOAD, organisation_id)


async def phase_counts(conn: PooledConnection) -> list[asyncpg.Record]:
    return await conn.fetch(_PHASE_COUNTS)


async def programme_of(conn: PooledConnection, episode_ids: list[str]) -> dict[str, str]:
    """The programme of each episode (no personal data): what a peer is being offered."""
    rows = await conn.fetch(_PROGRAMME_OF, episode_ids)
    return {r["episode_id"]: r["programme"] for r in rows}


async def login_user(conn: PooledConnection, user_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(_LOGIN_USER, user_id)
