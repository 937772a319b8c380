"""What the citizen's own page (My bridge) reads: their episodes, the next time their peer
meets or contacts them, the network meeting booked, and how to reach their peer."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen


class MyEpisode(Frozen):
    """One of the citizen's episodes as their page tells it (no one else's data)."""

    episode_id: str
    programme: str
    programme_name: str | None
    programme_name_da: str | None
    phase: str
    peer_id: str | None
    consents: list[str]
    referred_at: datetime
    discharged_at: datetime | None
    first_contact_at: datetime | None
    closed_at: datetime | None
    planned_discharge_on: date | None


class PeerDue(Frozen):
    """The next time the peer is due to meet or contact the citizen (by `due_at`)."""

    kind: str
    due_at: datetime


class BookedMeeting(Frozen):
    """The network meeting as it was booked (local date and time)."""

    meeting_on: date
    starts_at: time | None = None
    place: str = Field(default="", repr=False)


class PeerContact(Frozen):
    """How the citizen reaches their peer: first name and work contact (kept out of reprs)."""

    first_name: str = Field(repr=False)
    phone: str | None = Field(repr=False)
    email: str | None = Field(repr=False)


# Only episodes that are the citizen's by both the session and the read model; the newest
# planned discharge the episode applied.
_EPISODES = """
SELECT e.episode_id, e.programme, p.definition->>'name' AS programme_name,
       p.definition->>'name_da' AS programme_name_da, e.phase, e.peer_id, e.consents,
       e.referred_at, e.discharged_at, e.first_contact_at, e.closed_at,
       (SELECT (r.body #>> '{payload,planned_for}')::date FROM events_received r
        WHERE r.episode_id = e.episode_id AND r.event_type = 'discharge_planned'
          AND r.status = 'applied'
        ORDER BY r.applied_at DESC NULLS LAST, r.received_at DESC LIMIT 1)
       AS planned_discharge_on
FROM episodes e
LEFT JOIN programmes p ON p.code = e.programme
WHERE e.episode_id = ANY ($1::text[]) AND e.citizen_id = $2
ORDER BY e.referred_at DESC, e.episode_id
"""

# The tasks that are a meeting or contact between the peer and the citizen.
PEER_MEETINGS = ("first_meeting", "in_ward_contact", "first_contact", "follow_up")

_PEER_DUE = """
SELECT kind, due_at FROM tasks
WHERE episode_id = $1 AND status = 'open' AND kind = ANY ($2::text[]) AND due_at IS NOT NULL
ORDER BY due_at, task_id LIMIT 1
"""

# The last booking of the network meeting, if it is today or later.
_BOOKED = """
SELECT (result->>'meeting_on')::date AS meeting_on, (result->>'starts_at')::time AS starts_at,
       coalesce(result->>'place', '') AS place
FROM tasks
WHERE episode_id = $1 AND kind = 'network_meeting' AND status = 'completed'
  AND result->>'kind' = 'network_meeting' AND (result->>'meeting_on')::date >= $2
ORDER BY decided_at DESC NULLS LAST LIMIT 1
"""

_PEER = """
SELECT split_part(btrim(display_name), ' ', 1) AS first_name, phone, email FROM users
WHERE user_id = $1 AND role = 'peer'
"""


async def episodes(
    conn: PooledConnection, citizen_id: str, episode_ids: Collection[str]
) -> list[MyEpisode]:
    """The citizen's episodes, newest first."""
    rows = await conn.fetch(_EPISODES, list(episode_ids), citizen_id)
    return [MyEpisode.model_validate(dict(r)) for r in rows]


async def peer_due(conn: PooledConnection, episode_id: str) -> PeerDue | None:
    row = await conn.fetchrow(_PEER_DUE, episode_id, list(PEER_MEETINGS))
    return None if row is None else PeerDue.model_validate(dict(row))


async def booked_meeting(
    conn: PooledConnection, episode_id: str, today: date
) -> BookedMeeting | None:
    row = await conn.fetchrow(_BOOKED, episode_id, today)
    return None if row is None else BookedMeeting.model_validate(dict(row))


async def peer_contact(conn: PooledConnection, peer_id: str) -> PeerContact | None:
    row = await conn.fetchrow(_PEER, peer_id)
    return None if row is None else PeerContact.model_validate(dict(row))
