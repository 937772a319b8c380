"""The record of every event that came in, keyed by its producer-chosen id."""

from __future__ import annotations

import json
from typing import Literal

from db.connection import PooledConnection
from schemas.events import EpisodeEvent


async def record_event(
    conn: PooledConnection,
    event: EpisodeEvent,
    *,
    source: str,
    status: Literal["received", "parked"],
    episode_id: str | None = None,
    citizen_id: str | None = None,
) -> None:
    """Keep the event (once: a repeat of the same event_id changes nothing)."""
    await conn.execute(
        "INSERT INTO events_received (event_id, event_type, episode_id, citizen_id,"
        " source, status, body) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
        " ON CONFLICT (event_id) DO NOTHING",
        event.event_id,
        event.type,
        episode_id,
        citizen_id,
        source,
        status,
        json.dumps(event.model_dump(mode="json")),
    )
