"""What the citizen's own page (My bridge) reads: their episodes, the next time their peer
meets or contacts them, the network meeting booked, the next sessions of their courses and
peer groups, and how to reach their peer."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from typing import Literal

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


class MySession(Frozen):
    """The next session of a course term the citizen is enrolled on, or of a peer group they
    are a member of (by their episode)."""

    kind: Literal["course", "group"]
    title: str = Field(repr=False)
    title_da: str = Field(repr=False)
    starts_at: datetime
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

# The next planned session of each open course term the episode's citizen holds a seat on, and
# of each active peer group the episode is a member of now; the soonest first.
_NEXT_SESSIONS = """
SELECT kind, title, title_da, starts_at, place FROM (
    SELECT DISTINCT ON (t.term_id) 'course' AS kind, c.title, c.title_da, s.starts_at, s.place
    FROM course_participants p
    JOIN course_enrolments e ON e.participant_id = p.participant_id AND e.status = 'enrolled'
    JOIN course_terms t ON t.term_id = e.term_id AND t.status = 'open'
    JOIN courses c ON c.course_id = t.course_id
    JOIN course_sessions s ON s.term_id = t.term_id AND s.status = 'planned'
                          AND s.starts_at >= $2
    WHERE p.episode_id = $1
    ORDER BY t.term_id, s.starts_at
) AS courses
UNION ALL
SELECT kind, title, title_da, starts_at, place FROM (
    SELECT DISTINCT ON (g.group_id) 'group' AS kind, g.name AS title, g.name AS title_da,
           s.starts_at, g.place
    FROM peer_group_members m
    JOIN peer_groups g ON g.group_id = m.group_id AND g.active
    JOIN peer_group_sessions s ON s.group_id = g.group_id AND s.status = 'planned'
                              AND s.starts_at >= $2
    WHERE m.episode_id = $1 AND m.left_on IS NULL
    ORDER BY g.group_id, s.starts_at
) AS groups
ORDER BY starts_at
LIMIT $3
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


async def next_sessions(
    conn: PooledConnection, episode_id: str, now: datetime, limit: int = 5
) -> list[MySession]:
    """The next session of each of the citizen's courses and peer groups, soonest first."""
    rows = await conn.fetch(_NEXT_SESSIONS, episode_id, now, limit)
    return [MySession.model_validate(dict(r)) for r in rows]


async def peer_contact(conn: PooledConnection, peer_id: str) -> PeerContact | None:
    row = await conn.fetchrow(_PEER, peer_id)
    return None if row is None else PeerContact.model_validate(dict(row))
