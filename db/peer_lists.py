"""What the peer guide's page reads besides tasks: the peer's episodes a page at a time and
the open ones (each with its contact and concern forms), what an offer says before it is
accepted (programme, municipality, languages, discharge, first meeting; never the citizen's
name or CPR number), and which of the peer's episodes already have a start measurement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import ValidationError

from db import keyset
from db.connection import PooledConnection
from db.keyset import Page, Position, Way
from schemas.base import Frozen
from schemas.episode import TERMINAL_PHASES
from schemas.programme import Programme


class EpisodeListing(Frozen):
    """An episode as a row of the peer's episode table (no personal data)."""

    episode_id: str
    programme: str
    phase: str
    referred_at: datetime
    discharged_at: datetime | None
    next_due_at: datetime | None
    next_due_kind: str | None
    overdue_tasks: int


# Every episode the peer has had, newest referral first, a page at a time (db/keyset) off
# episodes_peer_page (migration 0031): the list grows with every closed episode, and read
# whole (it was the 500 newest) the busiest peer's page rendered 250 rows (issue 20).
_PEER_EPISODES = keyset.variants(
    """
WITH probe AS (
    SELECT e.episode_id, e.programme, e.phase, e.referred_at, e.discharged_at, e.next_due_at,
           e.next_due_kind, e.overdue_tasks
    FROM episodes e
    WHERE e.peer_id = $1 AND {after}
    ORDER BY e.referred_at {order}, e.episode_id {order}
    LIMIT $4 + 1
)
SELECT probe.*, count(*) OVER () AS probed
FROM probe ORDER BY referred_at {order}, episode_id {order}
""",
    at=2,
    episode_id=3,
)
_PEER_COUNT = "SELECT count(*) FROM (SELECT 1 FROM episodes WHERE peer_id = $1 LIMIT $2) AS capped"
# The peer's open episodes, wherever they stand in the list: each has its cards on the page.
# A peer holds a handful (their capacity); the cap only bounds a broken roster.
_PEER_OPEN = (
    "SELECT episode_id, programme, phase, referred_at, discharged_at, next_due_at,"
    " next_due_kind, overdue_tasks FROM episodes"
    " WHERE peer_id = $1 AND phase <> ALL ($2::text[])"
    " ORDER BY referred_at DESC, episode_id DESC LIMIT $3"
)
_ENDED = sorted(phase.value for phase in TERMINAL_PHASES)


class OfferFacts(Frozen):
    """What matters for deciding on an offer; nothing that names the citizen."""

    episode_id: str
    programme: str
    programme_name: str | None
    programme_name_da: str | None
    municipality_name: str | None
    languages: list[str]
    planned_discharge_on: date | None
    discharged_at: datetime | None
    risk_elevated: bool
    meets_before_discharge: bool
    first_contact_hours: int


# The citizen's languages as the referral gave them; the newest planned discharge the episode
# applied (a later plan replaces an earlier); the programme's definition for the first-meeting
# rule and the first-contact hours (read through the Programme model, with its defaults).
_OFFERS = (
    "SELECT e.episode_id, e.programme, e.risk_elevated, e.discharged_at,"
    " p.definition->>'name' AS programme_name, p.definition->>'name_da' AS programme_name_da,"
    " p.definition::text AS definition, m.name AS municipality_name,"
    " coalesce((SELECT array(SELECT jsonb_array_elements_text(r.body #> '{payload,languages}'))"
    "  FROM events_received r WHERE r.episode_id = e.episode_id"
    "  AND r.event_type = 'referral_created'"
    "  AND jsonb_typeof(r.body #> '{payload,languages}') = 'array'"
    "  ORDER BY r.received_at LIMIT 1), '{}'::text[]) AS languages,"
    " (SELECT (r.body #>> '{payload,planned_for}')::date FROM events_received r"
    "  WHERE r.episode_id = e.episode_id AND r.event_type = 'discharge_planned'"
    "  AND r.status = 'applied'"
    "  ORDER BY r.applied_at DESC NULLS LAST, r.received_at DESC LIMIT 1)"
    " AS planned_discharge_on"
    " FROM episodes e"
    " LEFT JOIN programmes p ON p.code = e.programme"
    " LEFT JOIN municipalities m ON m.municipality_code = e.municipality_code"
    " WHERE e.episode_id = ANY ($1::text[])"
)
_START_MEASURED = (
    "SELECT episode_id FROM episodes"
    " WHERE episode_id = ANY ($1::text[]) AND hope_score_start IS NOT NULL"
)


def _programme(definition: str | None) -> Programme | None:
    if definition is None:
        return None
    try:
        return Programme.model_validate_json(definition)
    except ValidationError:
        return None


async def offer_facts(conn: PooledConnection, episode_ids: Sequence[str]) -> dict[str, OfferFacts]:
    """episode id -> what its offer card says."""
    facts: dict[str, OfferFacts] = {}
    for row in await conn.fetch(_OFFERS, list(episode_ids)):
        values = dict(row)
        programme = _programme(values.pop("definition"))
        hours = Programme.model_fields["first_contact_hours"].default
        if programme is not None:
            hours = (
                programme.first_contact_hours_elevated_risk
                if values["risk_elevated"]
                else programme.first_contact_hours
            )
        facts[values["episode_id"]] = OfferFacts.model_validate(
            {
                **values,
                "meets_before_discharge": programme.meets_before_discharge
                if programme is not None
                else True,
                "first_contact_hours": hours,
            }
        )
    return facts


async def start_measured(conn: PooledConnection, episode_ids: Sequence[str]) -> set[str]:
    """The episodes whose hope and network were measured at the start (the first contact)."""
    return {r["episode_id"] for r in await conn.fetch(_START_MEASURED, list(episode_ids))}


async def peer_episodes(
    conn: PooledConnection,
    peer_id: str,
    *,
    way: Way = Way.OLDER,
    at: Position = keyset.START,
) -> Page[EpisodeListing]:
    """A page of the peer's episodes, `way` from `at`, with how many there are."""
    rows = await conn.fetch(
        _PEER_EPISODES[way], peer_id, at.referred_at, at.episode_id, keyset.PAGE_SIZE
    )
    total = await conn.fetchval(_PEER_COUNT, peer_id, keyset.COUNT_CAP + 1)
    return keyset.page_of(rows, EpisodeListing, way, at, total)


async def open_episodes(conn: PooledConnection, peer_id: str) -> list[EpisodeListing]:
    """The peer's episodes that have not ended, newest referral first."""
    rows = await conn.fetch(_PEER_OPEN, peer_id, _ENDED, keyset.COUNT_CAP)
    return [EpisodeListing.model_validate(dict(r)) for r in rows]
