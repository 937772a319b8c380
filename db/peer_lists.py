"""What the peer guide's page reads besides tasks: what an offer says before it is accepted
(programme, municipality, languages, discharge, first meeting; never the citizen's name or
CPR number), and which of the peer's episodes already have a start measurement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import ValidationError

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.programme import Programme


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
