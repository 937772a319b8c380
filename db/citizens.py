"""Citizens: the only table with CPR numbers and names; everything else uses citizen_id."""

from __future__ import annotations

import uuid

from db.connection import PooledConnection


async def upsert_citizen(
    conn: PooledConnection,
    *,
    cpr: str,
    name: str | None,
    phone: str | None = None,
    email: str | None = None,
) -> str:
    """The citizen_id for this CPR number, creating the row or refreshing contact data."""
    citizen_id: str = await conn.fetchval(
        "INSERT INTO citizens (citizen_id, cpr, name, phone, email) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (cpr) DO UPDATE SET"
        " name = COALESCE(EXCLUDED.name, citizens.name),"
        " phone = COALESCE(EXCLUDED.phone, citizens.phone),"
        " email = COALESCE(EXCLUDED.email, citizens.email)"
        " RETURNING citizen_id",
        uuid.uuid4().hex,
        cpr,
        name,
        phone,
        email,
    )
    return citizen_id


async def citizen_by_cpr(conn: PooledConnection, cpr: str) -> str | None:
    citizen_id: str | None = await conn.fetchval(
        "SELECT citizen_id FROM citizens WHERE cpr = $1", cpr
    )
    return citizen_id


async def open_episode_of(conn: PooledConnection, citizen_id: str) -> str | None:
    """The citizen's newest episode that has not ended, if any.

    Looks at the referrals received rather than the read model alone, so an episode started
    a moment ago (before its first commit) is found too.
    """
    episode_id: str | None = await conn.fetchval(
        "SELECT r.episode_id FROM events_received r"
        " LEFT JOIN episodes e ON e.episode_id = r.episode_id"
        " WHERE r.citizen_id = $1 AND r.event_type = 'referral_created' AND r.status = 'applied'"
        " AND (e.phase IS NULL OR e.phase NOT IN ('closed', 'withdrawn', 'cancelled', 'deceased'))"
        " ORDER BY r.received_at DESC LIMIT 1",
        citizen_id,
    )
    return episode_id
