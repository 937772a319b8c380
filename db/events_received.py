"""The record of every event that came in, keyed by its producer-chosen id.

An event's row moves `received` -> `signalled` (Temporal holds it) -> `applied` (the episode's
commit put its effect in the read model); MedCom events for a citizen without an episode wait
as `parked` until a referral starts one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

from db.connection import PooledConnection
from schemas.events import EpisodeEvent

# An event that was handed to Temporal (or applied) before: a repeat changes nothing.
DELIVERED = ("signalled", "applied")


async def record_event(
    conn: PooledConnection,
    event: EpisodeEvent,
    *,
    source: str,
    status: Literal["received", "parked"],
    episode_id: str | None = None,
    citizen_id: str | None = None,
) -> str | None:
    """Keep the event once; returns None when it is new, else the status of the earlier row
    (a repeat of the same event_id changes nothing)."""
    inserted = await conn.fetchval(
        "INSERT INTO events_received (event_id, event_type, episode_id, citizen_id,"
        " source, status, body) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
        " ON CONFLICT (event_id) DO NOTHING RETURNING true",
        event.event_id,
        event.type,
        episode_id,
        citizen_id,
        source,
        status,
        json.dumps(event.model_dump(mode="json")),
    )
    if inserted:
        return None
    earlier: str = await conn.fetchval(
        "SELECT status FROM events_received WHERE event_id = $1", event.event_id
    )
    return earlier


async def mark_signalled(conn: PooledConnection, event_ids: Sequence[str]) -> None:
    """Temporal holds these events now (received ones, and parked ones handed to the episode
    a referral started; an applied row stays applied)."""
    await conn.execute(
        "UPDATE events_received SET status = 'signalled'"
        " WHERE event_id = ANY($1) AND status IN ('received', 'parked')",
        list(event_ids),
    )


async def mark_applied(
    conn: PooledConnection, event_ids: Sequence[str], episode_id: str | None = None
) -> None:
    """The events' effects are in the read model (called inside the episode's commit)."""
    await conn.execute(
        "UPDATE events_received SET status = 'applied', applied_at = now(),"
        " episode_id = coalesce($2, episode_id)"
        " WHERE event_id = ANY($1) AND status <> 'applied'",
        list(event_ids),
        episode_id,
    )


async def undelivered(
    conn: PooledConnection, older_than: timedelta, limit: int
) -> list[tuple[str, str | None, str]]:
    """(event_id, episode_id, body) of events recorded but never handed to Temporal, oldest
    first: their sender's process stopped between the two steps."""
    rows = await conn.fetch(
        "SELECT event_id, episode_id, body::text AS body FROM events_received"
        " WHERE status = 'received' AND received_at < now() - $1::interval"
        " ORDER BY received_at LIMIT $2",
        older_than,
        limit,
    )
    return [(r["event_id"], r["episode_id"], r["body"]) for r in rows]
