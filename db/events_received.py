"""The record of every event that came in, keyed by its producer-chosen id.

An event's row moves `received` -> `signalled` (Temporal holds it) -> `applied` (the episode's
commit put its effect in the read model); MedCom events for a citizen without an episode wait
as `parked` until a referral starts one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.events import EpisodeEvent

# An event that was handed to Temporal (or applied) before: a repeat changes nothing.
DELIVERED = ("signalled", "applied")


def stored_body(event: EpisodeEvent) -> str:
    """The event as it is kept in `events_received.body`."""
    return json.dumps(event.model_dump(mode="json"))


async def record_event(
    conn: PooledConnection,
    event: EpisodeEvent,
    *,
    source: str,
    status: Literal["received", "parked"],
    episode_id: str | None = None,
    citizen_id: str | None = None,
    sender_sor: str | None = None,
) -> str | None:
    """Keep the event once; returns None when it is new, else the status of the earlier row
    (a repeat of the same event_id changes nothing). `sender_sor` is the MedCom sender of an
    event kept for a citizen without an episode."""
    inserted = await conn.fetchval(
        "INSERT INTO events_received (event_id, event_type, episode_id, citizen_id,"
        " source, status, body, sender_sor) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)"
        " ON CONFLICT (event_id) DO NOTHING RETURNING true",
        event.event_id,
        event.type,
        episode_id,
        citizen_id,
        source,
        status,
        stored_body(event),
        sender_sor,
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


class Undelivered(Frozen):
    event_id: str
    episode_id: str | None
    body: str = Field(repr=False, description="The event as JSON; personal data.")


class EventRecord(Frozen):
    """Where an event stands, without its body."""

    event_id: str
    event_type: str
    episode_id: str | None
    status: Literal["received", "signalled", "applied", "parked"]
    received_at: datetime
    applied_at: datetime | None


async def undelivered(
    conn: PooledConnection, older_than: timedelta, limit: int
) -> list[Undelivered]:
    """Events recorded but never handed to Temporal, oldest first: their sender's process
    stopped between the two steps."""
    rows = await conn.fetch(
        "SELECT event_id, episode_id, body::text AS body FROM events_received"
        " WHERE status = 'received' AND received_at < now() - $1::interval"
        " ORDER BY received_at LIMIT $2",
        older_than,
        limit,
    )
    return [Undelivered.model_validate(dict(r)) for r in rows]


async def event_record(conn: PooledConnection, event_id: str) -> EventRecord | None:
    row = await conn.fetchrow(
        "SELECT event_id, event_type, episode_id, status, received_at, applied_at"
        " FROM events_received WHERE event_id = $1",
        event_id,
    )
    return None if row is None else EventRecord.model_validate(dict(row))


async def applied_episode(conn: PooledConnection, event_id: str) -> str | None:
    """The episode of an event already applied; None if it is not applied (yet)."""
    episode_id: str | None = await conn.fetchval(
        "SELECT episode_id FROM events_received WHERE event_id = $1 AND status = 'applied'",
        event_id,
    )
    return episode_id


class ReferralScope(BaseModel):
    """Who may see an episode started a moment ago, before its first commit: its referral's
    ward, organisation, municipality and consents (the payload's other fields are left)."""

    model_config = ConfigDict(frozen=True)

    ward_id: str
    organisation_id: str
    municipality_code: str
    consents: list[str]
    peer_id: None = None
    # Not in the payload: nobody was called to an episode before its first commit.
    episode_id: None = None

    @field_validator("consents", mode="before")
    @classmethod
    def _scopes(cls, grants: list[dict[str, Any]]) -> list[str]:
        return [grant["scope"] for grant in grants]


async def applied_referral_scope(conn: PooledConnection, episode_id: str) -> ReferralScope | None:
    """The scope of the applied referral that started the episode, if there is one."""
    payload = await conn.fetchval(
        "SELECT body->'payload' FROM events_received WHERE episode_id = $1"
        " AND event_type = 'referral_created' AND status = 'applied'",
        episode_id,
    )
    return None if payload is None else ReferralScope.model_validate_json(payload)


class Parked(Frozen):
    event_id: str
    body: str = Field(repr=False, description="The event as JSON; personal data.")


async def parked_events(
    conn: PooledConnection, citizen_id: str, senders: Sequence[str]
) -> list[Parked]:
    """The events kept for a citizen without an episode that one of these senders (SOR codes)
    sent, oldest first; events from other senders (or none recorded) are not among them."""
    rows = await conn.fetch(
        "SELECT event_id, body::text AS body FROM events_received WHERE citizen_id = $1"
        " AND status = 'parked' AND sender_sor = ANY($2::text[]) ORDER BY received_at",
        citizen_id,
        list(senders),
    )
    return [Parked.model_validate(dict(r)) for r in rows]


async def assign_parked(conn: PooledConnection, event_ids: Sequence[str], episode_id: str) -> None:
    """These kept events belong to the episode a referral has just started."""
    await conn.execute(
        "UPDATE events_received SET episode_id = $2 WHERE event_id = ANY($1::text[])",
        list(event_ids),
        episode_id,
    )
