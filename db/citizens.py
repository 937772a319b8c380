"""Citizens: the only table with CPR numbers; everything else uses citizen_id."""

from __future__ import annotations

import uuid

from db.connection import PooledConnection


async def upsert_citizen(conn: PooledConnection, *, cpr: str) -> str:
    """The citizen_id for this CPR number, creating the row when it is new.

    Contact data is not kept here: it belongs to the episode that recorded it
    (`db.episode_contacts`). Inside a transaction the citizen's row stays locked until the
    transaction ends (the no-op update takes the lock), so referrals for one citizen are
    checked one after the other."""
    citizen_id: str = await conn.fetchval(
        "INSERT INTO citizens (citizen_id, cpr) VALUES ($1, $2)"
        " ON CONFLICT (cpr) DO UPDATE SET cpr = EXCLUDED.cpr"
        " RETURNING citizen_id",
        uuid.uuid4().hex,
        cpr,
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
