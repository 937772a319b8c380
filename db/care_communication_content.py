"""What a CareCommunication to the municipality is built from: who it is about and who sends and
receives it (the citizen's CPR and name, the ward's and the municipality's SOR/EAN codes), the
consents that stand, the network meeting booked, and the closing summary's parts. Read by the
sending activity at the moment it sends, so none of it ever passes through a workflow. Personal
data (CPR, name, the meeting's place, goals in the citizen's words) is kept out of every repr."""

from __future__ import annotations

import json
from datetime import date, datetime, time

from pydantic import Field, field_validator

from db.connection import PooledConnection
from schemas.base import Frozen


class MessageParties(Frozen):
    """The episode's citizen, sending ward, receiving municipality and coordinating
    organisation, with what the message may say (consents, programme, dates)."""

    episode_id: str
    cpr: str | None = Field(repr=False)
    citizen_name: str | None = Field(repr=False)
    ward_sor: str | None
    ward_ean: str | None
    ward_name: str
    municipality_sor: str | None
    municipality_ean: str | None
    municipality_name: str
    organisation_name: str | None
    consents: list[str]
    programme: str
    programme_name_da: str | None
    discharged_at: datetime | None
    referred_at: datetime
    closed_at: datetime | None
    follow_ups_done: int
    follow_ups_planned: int
    hope_score_start: int | None
    hope_score_end: int | None


class BookedMeeting(Frozen):
    """A network meeting as the ward booked it (the place is free text: never logged)."""

    task_id: str
    decided_at: datetime
    meeting_on: date
    starts_at: time | None = None
    place: str = Field(default="", repr=False)


_PARTIES = (
    "SELECT e.episode_id, z.cpr, c.name AS citizen_name,"
    " w.sor_code AS ward_sor, w.ean AS ward_ean, w.name AS ward_name,"
    " m.sor_code AS municipality_sor, m.ean AS municipality_ean, m.name AS municipality_name,"
    " o.name AS organisation_name, e.consents, e.programme,"
    " p.definition->>'name_da' AS programme_name_da, e.discharged_at, e.referred_at,"
    " e.closed_at, e.follow_ups_done, e.follow_ups_planned, e.hope_score_start,"
    " e.hope_score_end"
    " FROM episodes e"
    " JOIN wards w ON w.ward_id = e.ward_id"
    " JOIN municipalities m ON m.municipality_code = e.municipality_code"
    " LEFT JOIN organisations o ON o.organisation_id = e.organisation_id"
    " LEFT JOIN programmes p ON p.code = e.programme"
    " LEFT JOIN episode_contacts c ON c.episode_id = e.episode_id"
    " LEFT JOIN citizens z ON z.citizen_id = e.citizen_id"
    " WHERE e.episode_id = $1"
)
# The booking that stood at `$2`: the last network_meeting task completed by then.
_MEETING = (
    "SELECT task_id, decided_at, result::text AS result FROM tasks"
    " WHERE episode_id = $1 AND kind = 'network_meeting' AND status = 'completed'"
    " AND decided_at <= $2 AND result->>'kind' = 'network_meeting'"
    " ORDER BY decided_at DESC, task_id DESC LIMIT 1"
)
_CONFIRMED = (
    "SELECT result->>'service' AS offer FROM tasks WHERE episode_id = $1"
    " AND kind = 'confirm_service' AND status = 'completed' AND assignee_service = ANY ($2::text[])"
    " AND result->>'kind' = 'service_confirmed' ORDER BY decided_at NULLS LAST, created_at"
)


async def parties(conn: PooledConnection, episode_id: str) -> MessageParties | None:
    """None when the episode is not in the read model (or its ward or municipality is not)."""
    row = await conn.fetchrow(_PARTIES, episode_id)
    return None if row is None else MessageParties.model_validate(dict(row))


class _MeetingRow(Frozen):
    task_id: str
    decided_at: datetime
    result: str = Field(repr=False)

    @field_validator("result", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return value if isinstance(value, str) else json.dumps(value)


async def meeting_booked(
    conn: PooledConnection, episode_id: str, at: datetime
) -> BookedMeeting | None:
    """The network meeting booking that stood at `at` (the moment the booking was made, for
    an invitation: a later rebooking is a message of its own)."""
    row = await conn.fetchrow(_MEETING, episode_id, at)
    if row is None:
        return None
    found = _MeetingRow.model_validate(dict(row))
    result = json.loads(found.result)
    return BookedMeeting(
        task_id=found.task_id,
        decided_at=found.decided_at,
        meeting_on=result["meeting_on"],
        starts_at=result.get("starts_at"),
        place=result.get("place") or "",
    )


async def services_confirmed(
    conn: PooledConnection, episode_id: str, services: list[str]
) -> list[str]:
    """The offers these caseworker services confirmed started, oldest first."""
    rows = await conn.fetch(_CONFIRMED, episode_id, services)
    return [str(r["offer"]) for r in rows if r["offer"]]
