"""The roster as a coordinator keeps it: their organisation's peers (contact data, employment,
capacity, programmes, municipalities, languages, availability), each peer's standing per
programme, absences and training records; and every change to it, each in one transaction
with its audit line (ids and field names only, never the values).

Every read and write is scoped to the coordinator's organisation: a peer of another
organisation is not found."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import Field

from db.audit import write_audit
from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.episode import TERMINAL_PHASES


class PeerDetails(Frozen):
    """What a coordinator sets on a peer (name, e-mail and phone are personal data)."""

    display_name: str = Field(repr=False)
    email: str | None = Field(repr=False)
    phone: str | None = Field(repr=False)
    employment: str
    capacity: int
    programmes: list[str]
    municipalities: list[str]
    languages: list[str]
    available: bool


class RosterPeer(PeerDetails):
    peer_id: str
    active: bool
    active_load: int


class Absence(Frozen):
    absence_id: str
    peer_id: str
    starts_on: date
    ends_on: date
    kind: str
    current: bool


class Standing(Frozen):
    """A peer's standing in one programme they serve, today (the view
    peer_programme_standing), with the programme's reminder period."""

    peer_id: str
    programme: str
    may_carry: bool
    trained_on: date | None
    trained_until: date | None
    days_left: int | None
    remind_days_before: int
    absent: bool

    @property
    def lapsed(self) -> bool:
        return self.days_left is None or self.days_left < 0

    @property
    def lapsing(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= self.remind_days_before


class Training(Frozen):
    training_id: str
    course: str
    course_name: str
    course_name_da: str
    completed_on: date
    trained_by: str


class Course(Frozen):
    course: str
    name: str
    name_da: str


class OpenEpisode(Frozen):
    """An episode a peer still carries (ids, programme and phase only)."""

    episode_id: str
    organisation_id: str
    programme: str
    phase: str


ENDED = [p.value for p in TERMINAL_PHASES]

_PEER_COLUMNS = """
SELECT p.peer_id, u.display_name, u.email, u.phone, u.active, p.employment, p.capacity,
       p.active_load, p.programmes, p.municipalities, p.languages, p.available
FROM peers p JOIN users u ON u.user_id = p.peer_id
"""
_PEERS = (
    _PEER_COLUMNS + " WHERE p.organisation_id = $1 AND ($2::boolean IS NULL OR u.active = $2)"
    " ORDER BY u.display_name, p.peer_id LIMIT 1000"
)
_PEER = _PEER_COLUMNS + " WHERE p.organisation_id = $1 AND p.peer_id = $2"

# Absences not yet over, soonest first: the first of a peer's is their current or next one.
_ABSENCES = """
SELECT a.absence_id, a.peer_id, a.starts_on, a.ends_on, a.kind,
       a.starts_on <= current_date AS current
FROM peer_absences a JOIN peers p ON p.peer_id = a.peer_id
WHERE p.organisation_id = $1 AND ($2::text IS NULL OR a.peer_id = $2)
  AND a.ends_on >= current_date
ORDER BY a.starts_on, a.ends_on, a.absence_id
LIMIT 5000
"""

_STANDINGS = """
SELECT s.peer_id, s.programme, s.may_carry, s.trained_on, s.trained_until,
       s.trained_until - current_date AS days_left,
       coalesce((prog.definition -> 'training' ->> 'remind_days_before')::integer, 30)
           AS remind_days_before,
       s.absent
FROM peer_programme_standing s
JOIN peers p ON p.peer_id = s.peer_id
JOIN programmes prog ON prog.code = s.programme
WHERE p.organisation_id = $1 AND ($2::text IS NULL OR s.peer_id = $2) AND s.serves
ORDER BY s.peer_id, s.programme
"""

_TRAININGS = """
SELECT t.training_id, t.course, c.name AS course_name, c.name_da AS course_name_da,
       t.completed_on, t.trained_by
FROM peer_trainings t
JOIN training_courses c ON c.course = t.course
JOIN peers p ON p.peer_id = t.peer_id
WHERE p.organisation_id = $1 AND t.peer_id = $2
ORDER BY t.completed_on DESC, t.course
LIMIT 500
"""

_COURSES = "SELECT course, name, name_da FROM training_courses ORDER BY course"

_OPEN_EPISODES = """
SELECT episode_id, organisation_id, programme, phase FROM episodes
WHERE peer_id = $1 AND NOT phase = ANY ($2::text[])
ORDER BY referred_at, episode_id
LIMIT 500
"""

_ADD_USER = """
INSERT INTO users (user_id, role, display_name, email, phone, organisation_id)
VALUES ($1, 'peer', $2, $3, $4, $5)
"""
_ADD_PEER = """
INSERT INTO peers (peer_id, organisation_id, employment, capacity, programmes, municipalities,
                   languages, available)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""
# The peer's row, locked for the change (None: not a peer of this organisation).
_LOCK = "SELECT peer_id FROM peers WHERE organisation_id = $1 AND peer_id = $2 FOR UPDATE"
_CHANGE_USER = "UPDATE users SET display_name = $2, email = $3, phone = $4 WHERE user_id = $1"
_CHANGE_PEER = """
UPDATE peers SET employment = $2, capacity = $3, programmes = $4, municipalities = $5,
                 languages = $6, available = $7
WHERE peer_id = $1
"""
_SET_ACTIVE = "UPDATE users SET active = $2 WHERE user_id = $1 AND active <> $2 RETURNING user_id"
_ADD_ABSENCE = """
INSERT INTO peer_absences (absence_id, peer_id, starts_on, ends_on, kind, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6)
"""
# Only an absence that has not begun is removed (one under way or past is history).
_REMOVE_ABSENCE = """
DELETE FROM peer_absences
WHERE absence_id = $1 AND peer_id = $2 AND starts_on > current_date
RETURNING absence_id
"""
_ABSENCE_EXISTS = "SELECT 1 FROM peer_absences WHERE absence_id = $1 AND peer_id = $2"
_ADD_TRAINING = """
INSERT INTO peer_trainings (training_id, peer_id, course, completed_on, trained_by, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (peer_id, course, completed_on) DO NOTHING
RETURNING training_id
"""


class Who(Frozen):
    """The coordinator making a change: their organisation and how the audit log names them."""

    organisation_id: str
    role: str
    actor_id: str


async def _audit(conn: PooledConnection, who: Who, action: str, detail: dict[str, object]) -> None:
    await write_audit(conn, "roster", who, action, detail)


async def peers(
    conn: PooledConnection, organisation_id: str, *, active: bool | None
) -> list[RosterPeer]:
    """The organisation's peers (only active or deactivated ones, or all), by name."""
    rows = await conn.fetch(_PEERS, organisation_id, active)
    return [RosterPeer.model_validate(dict(r)) for r in rows]


async def active_peer_names(conn: PooledConnection, organisation_id: str) -> dict[str, str]:
    """The organisation's active peers by id, with their names, by name: the choice lists of
    the supervision, peer group and course forms (for the pages only)."""
    rows = await conn.fetch(
        "SELECT p.peer_id, u.display_name FROM peers p JOIN users u ON u.user_id = p.peer_id"
        " WHERE p.organisation_id = $1 AND u.active ORDER BY u.display_name, p.peer_id",
        organisation_id,
    )
    return {str(r["peer_id"]): str(r["display_name"]) for r in rows}


async def peer(conn: PooledConnection, organisation_id: str, peer_id: str) -> RosterPeer | None:
    row = await conn.fetchrow(_PEER, organisation_id, peer_id)
    return None if row is None else RosterPeer.model_validate(dict(row))


async def absences(
    conn: PooledConnection, organisation_id: str, peer_id: str | None = None
) -> list[Absence]:
    """Absences under way or to come (of one peer, or the whole organisation), soonest first."""
    rows = await conn.fetch(_ABSENCES, organisation_id, peer_id)
    return [Absence.model_validate(dict(r)) for r in rows]


async def standings(
    conn: PooledConnection, organisation_id: str, peer_id: str | None = None
) -> list[Standing]:
    """Each peer's standing in each active programme they serve."""
    rows = await conn.fetch(_STANDINGS, organisation_id, peer_id)
    return [Standing.model_validate(dict(r)) for r in rows]


async def trainings(conn: PooledConnection, organisation_id: str, peer_id: str) -> list[Training]:
    """The peer's completed courses, latest first."""
    rows = await conn.fetch(_TRAININGS, organisation_id, peer_id)
    return [Training.model_validate(dict(r)) for r in rows]


async def courses(conn: PooledConnection) -> list[Course]:
    return [Course.model_validate(dict(r)) for r in await conn.fetch(_COURSES)]


async def open_episodes(conn: PooledConnection, peer_id: str) -> list[OpenEpisode]:
    """The episodes the peer is assigned to that have not ended."""
    rows = await conn.fetch(_OPEN_EPISODES, peer_id, ENDED)
    return [OpenEpisode.model_validate(dict(r)) for r in rows]


def _lists(details: PeerDetails) -> tuple[list[str], list[str], list[str]]:
    return details.programmes, details.municipalities, details.languages


async def add_peer(conn: PooledConnection, who: Who, details: PeerDetails) -> str:
    """A new peer of the coordinator's organisation (their user and roster rows); the id."""
    peer_id = f"peer-{uuid.uuid4().hex[:16]}"
    programmes, municipalities, languages = _lists(details)
    async with conn.transaction():
        await conn.execute(
            _ADD_USER,
            peer_id,
            details.display_name,
            details.email,
            details.phone,
            who.organisation_id,
        )
        await conn.execute(
            _ADD_PEER,
            peer_id,
            who.organisation_id,
            details.employment,
            details.capacity,
            programmes,
            municipalities,
            languages,
            details.available,
        )
        await _audit(conn, who, "roster.peer_added", {"peer_id": peer_id})
    return peer_id


async def change_peer(conn: PooledConnection, who: Who, peer_id: str, details: PeerDetails) -> bool:
    """Set the peer's details; False when they are no peer of the organisation. The audit
    line names the fields that changed."""
    programmes, municipalities, languages = _lists(details)
    async with conn.transaction():
        if await conn.fetchval(_LOCK, who.organisation_id, peer_id) is None:
            return False
        before = await peer(conn, who.organisation_id, peer_id)
        await conn.execute(
            _CHANGE_USER, peer_id, details.display_name, details.email, details.phone
        )
        await conn.execute(
            _CHANGE_PEER,
            peer_id,
            details.employment,
            details.capacity,
            programmes,
            municipalities,
            languages,
            details.available,
        )
        changed = [
            name
            for name in PeerDetails.model_fields
            if before is not None and getattr(before, name) != getattr(details, name)
        ]
        await _audit(conn, who, "roster.peer_changed", {"peer_id": peer_id, "fields": changed})
    return True


async def deactivate(conn: PooledConnection, who: Who, peer_id: str) -> list[OpenEpisode] | None:
    """Deactivate the peer unless they still carry episodes: None when they are no peer of
    the organisation, else the open episodes that stand in the way (empty: deactivated). The
    peer's row stays locked meanwhile, so no offer can be reserved in between."""
    async with conn.transaction():
        if await conn.fetchval(_LOCK, who.organisation_id, peer_id) is None:
            return None
        carried = await open_episodes(conn, peer_id)
        if carried:
            return carried
        if await conn.fetchval(_SET_ACTIVE, peer_id, False) is not None:
            await _audit(conn, who, "roster.peer_deactivated", {"peer_id": peer_id})
    return []


async def reactivate(conn: PooledConnection, who: Who, peer_id: str) -> bool:
    async with conn.transaction():
        if await conn.fetchval(_LOCK, who.organisation_id, peer_id) is None:
            return False
        if await conn.fetchval(_SET_ACTIVE, peer_id, True) is not None:
            await _audit(conn, who, "roster.peer_reactivated", {"peer_id": peer_id})
    return True


async def add_absence(
    conn: PooledConnection, who: Who, peer_id: str, starts_on: date, ends_on: date, kind: str
) -> str | None:
    """Record a period the peer is away; its id, or None when they are no peer of the
    organisation."""
    absence_id = f"absence-{uuid.uuid4().hex[:16]}"
    async with conn.transaction():
        if await conn.fetchval(_LOCK, who.organisation_id, peer_id) is None:
            return None
        await conn.execute(
            _ADD_ABSENCE, absence_id, peer_id, starts_on, ends_on, kind, who.actor_id
        )
        await _audit(
            conn, who, "roster.absence_added", {"peer_id": peer_id, "absence_id": absence_id}
        )
    return absence_id


async def remove_absence(
    conn: PooledConnection, who: Who, peer_id: str, absence_id: str
) -> bool | None:
    """Remove an absence that has not begun: True when removed, False when it has begun (or
    is over), None when there is no such absence of a peer of the organisation."""
    async with conn.transaction():
        if await conn.fetchval(_LOCK, who.organisation_id, peer_id) is None:
            return None
        if await conn.fetchval(_ABSENCE_EXISTS, absence_id, peer_id) is None:
            return None
        if await conn.fetchval(_REMOVE_ABSENCE, absence_id, peer_id) is None:
            return False
        await _audit(
            conn, who, "roster.absence_removed", {"peer_id": peer_id, "absence_id": absence_id}
        )
    return True


async def add_training(
    conn: PooledConnection,
    who: Who,
    peer_id: str,
    *,
    course: str,
    completed_on: date,
    trained_by: str,
) -> str | None:
    """Record a completed course; its id, or None when they are no peer of the organisation.
    Raises AlreadyRecorded when the same course on the same day is on record."""
    training_id = f"training-{uuid.uuid4().hex[:16]}"
    async with conn.transaction():
        if await conn.fetchval(_LOCK, who.organisation_id, peer_id) is None:
            return None
        added = await conn.fetchval(
            _ADD_TRAINING, training_id, peer_id, course, completed_on, trained_by, who.actor_id
        )
        if added is None:
            raise AlreadyRecorded
        await _audit(
            conn,
            who,
            "roster.training_recorded",
            {"peer_id": peer_id, "training_id": training_id, "course": course},
        )
    return training_id


class AlreadyRecorded(Exception):
    """The peer's completion of this course on this day is already on record."""
