"""What a caseworker's view of an episode reads besides the episode's row and tasks: the
citizen's name and CPR number, the peer guide's name, the programme's names, the planned
discharge date; and the caseworker's list of shared episodes (goals and reported milestones
come from db/episode_queries). Personal data is kept out of every repr."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from db import keyset
from db.connection import PooledConnection
from db.episode_queries import audit_reads
from db.keyset import Page, Position, Way
from schemas.base import Frozen


class CaseworkerFacts(Frozen):
    """The episode's facts a caseworker may see besides its read-model row."""

    citizen_name: str | None = Field(repr=False)
    cpr: str | None = Field(repr=False)
    peer_name: str | None = Field(repr=False)
    programme_name: str | None
    programme_name_da: str | None
    planned_discharge_on: date | None


class SharedEpisode(Frozen):
    """A row of the caseworker's list: the episode and its citizen's name (personal data)."""

    episode_id: str
    programme: str
    programme_name: str | None
    programme_name_da: str | None
    phase: str
    referred_at: datetime
    discharged_at: datetime | None
    planned_discharge_on: date | None
    citizen_name: str | None = Field(repr=False)


class DueTask(Frozen):
    """An open task of the caseworker's service on one of their episodes."""

    task_id: str
    episode_id: str
    kind: str
    due_at: datetime | None
    overdue: bool


# The newest planned discharge the episode has applied (a later plan replaces an earlier);
# the same subquery in both statements (fixed text, no interpolation).
_FACTS = (
    "SELECT c.name AS citizen_name, z.cpr, u.display_name AS peer_name,"
    " p.definition->>'name' AS programme_name, p.definition->>'name_da' AS programme_name_da,"
    " (SELECT (r.body #>> '{payload,planned_for}')::date FROM events_received r"
    "  WHERE r.episode_id = e.episode_id AND r.event_type = 'discharge_planned'"
    "  AND r.status = 'applied'"
    "  ORDER BY r.applied_at DESC NULLS LAST, r.received_at DESC LIMIT 1)"
    " AS planned_discharge_on"
    " FROM episodes e"
    " LEFT JOIN episode_contacts c ON c.episode_id = e.episode_id"
    " LEFT JOIN citizens z ON z.citizen_id = e.citizen_id"
    " LEFT JOIN users u ON u.user_id = e.peer_id"
    " LEFT JOIN programmes p ON p.code = e.programme"
    " WHERE e.episode_id = $1"
)
# A caseworker sees an episode only where the citizen consented to sharing with their
# service; a page of them, newest referral first (db/keyset), one row more read than shown.
_SHARED = keyset.variants(
    "WITH probe AS ("
    " SELECT e.episode_id, e.referred_at FROM episodes e"
    " WHERE e.municipality_code = $1 AND $2 = ANY (e.consents) AND {after}"
    " ORDER BY e.referred_at {order}, e.episode_id {order} LIMIT $5 + 1)"
    " SELECT e.episode_id, e.programme, p.definition->>'name' AS programme_name,"
    " p.definition->>'name_da' AS programme_name_da, e.phase, e.referred_at, e.discharged_at,"
    " (SELECT (r.body #>> '{payload,planned_for}')::date FROM events_received r"
    "  WHERE r.episode_id = e.episode_id AND r.event_type = 'discharge_planned'"
    "  AND r.status = 'applied'"
    "  ORDER BY r.applied_at DESC NULLS LAST, r.received_at DESC LIMIT 1)"
    " AS planned_discharge_on, c.name AS citizen_name, (SELECT count(*) FROM probe) AS probed"
    " FROM (SELECT * FROM probe ORDER BY referred_at {order}, episode_id {order} LIMIT $5) s"
    " JOIN episodes e ON e.episode_id = s.episode_id"
    " LEFT JOIN episode_contacts c ON c.episode_id = e.episode_id"
    " LEFT JOIN programmes p ON p.code = e.programme"
    " ORDER BY e.referred_at {order}, e.episode_id {order}",
    at=3,
    episode_id=4,
)
# The shared episodes counted up to a cap.
_SHARED_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM episodes"
    " WHERE municipality_code = $1 AND $2 = ANY (consents) LIMIT $3) AS capped"
)
_DUE = (
    "SELECT task_id, episode_id, kind, due_at, overdue FROM tasks"
    " WHERE episode_id = ANY ($1::text[]) AND status = 'open' AND assignee_role = 'caseworker'"
    " AND assignee_id = $2 AND (assignee_service IS NULL OR assignee_service = $3)"
    " ORDER BY due_at NULLS LAST, created_at"
)


async def facts(conn: PooledConnection, episode_id: str) -> CaseworkerFacts | None:
    row = await conn.fetchrow(_FACTS, episode_id)
    return None if row is None else CaseworkerFacts.model_validate(dict(row))


async def shared_episodes(
    conn: PooledConnection,
    municipality_code: str | None,
    consent_scope: str,
    *,
    way: Way = Way.OLDER,
    at: Position = keyset.START,
) -> Page[SharedEpisode]:
    """A page of the episodes shared with the service, `way` from `at` (names not audited
    here: the caller audits the rows it shows)."""
    rows = await conn.fetch(
        _SHARED[way],
        municipality_code,
        consent_scope,
        at.referred_at,
        at.episode_id,
        keyset.PAGE_SIZE,
    )
    total = await conn.fetchval(
        _SHARED_COUNT, municipality_code, consent_scope, keyset.COUNT_CAP + 1
    )
    return keyset.page_of(rows, SharedEpisode, way, at, total)


async def due_tasks(
    conn: PooledConnection, episode_ids: list[str], municipality_code: str | None, service: str
) -> list[DueTask]:
    """The open tasks of the caseworker's municipality and service on these episodes."""
    rows = await conn.fetch(_DUE, episode_ids, municipality_code, service)
    return [DueTask.model_validate(dict(r)) for r in rows]


async def audit_citizens_listed(
    conn: PooledConnection,
    *,
    actor_role: str,
    actor_id: str,
    episode_ids: list[str],
    place: str,
) -> None:
    """One audit line per citizen whose name a list showed (ids and the place only)."""
    await audit_reads(
        conn,
        actor_role=actor_role,
        actor_id=actor_id,
        episode_ids=episode_ids,
        what="read.citizen",
        detail={"place": place},
    )
