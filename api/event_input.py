"""What callers send to POST /api/events, and how it becomes an episode event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from api.errors import ApiError, FieldError, invalid
from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.events import (
    EVENT_ADAPTER,
    EVENT_ID,
    EpisodeEvent,
    Goal,
    Referral,
    ReferralCreated,
)
from schemas.people import OPAQUE_ID, Actor

# Clocks drift; an event further ahead than this is a mistake, not a fact.
FUTURE_TOLERANCE = timedelta(minutes=5)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventIn(_Input):
    """The envelope: the producer's idempotency key, when it happened, what, and for whom."""

    event_id: str = Field(pattern=EVENT_ID, description="Producer-chosen idempotency key.")
    type: str = Field(min_length=1, max_length=40)
    occurred_at: AwareDatetime
    episode_id: str | None = Field(default=None, pattern=r"^episode-[A-Za-z0-9-]{8,64}$")
    payload: dict[str, Any] = Field(default_factory=dict)


class EventAck(_Input):
    event_id: str
    episode_id: str
    outcome: Literal["accepted", "duplicate"]


class CitizenIn(_Input):
    """Personal data: stored in PostgreSQL only, never in Temporal ids, attributes or logs."""

    cpr: str = Field(pattern=r"^[0-9]{10}$", description="10 digits, no hyphen.")
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{8,16}$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConsentIn(_Input):
    scope: ConsentScope
    method: ConsentMethod
    recorded_at: AwareDatetime | None = None


class ReferralIn(_Input):
    """A referral as ward staff give it: the citizen's details instead of an internal id."""

    programme: str
    citizen: CitizenIn
    municipality_code: str
    ward_id: str = Field(pattern=OPAQUE_ID)
    organisation_id: str = Field(pattern=OPAQUE_ID)
    risk_elevated: bool = False
    languages: tuple[str, ...] = ("da",)
    goals: tuple[Goal, ...] = ()
    consents: tuple[ConsentIn, ...]
    admitted_at: AwareDatetime | None = None


def check_time(occurred_at: datetime) -> None:
    if occurred_at > datetime.now(UTC) + FUTURE_TOLERANCE:
        raise ApiError(
            422,
            "invalid input: occurred_at: lies in the future",
            [FieldError(field="occurred_at", reason="lies in the future")],
        )


def parse_referral_input(body: EventIn) -> ReferralIn:
    try:
        return ReferralIn.model_validate(body.payload)
    except ValidationError as err:
        raise invalid(err, prefix="payload") from None


def referral_event(
    body: EventIn, referral: ReferralIn, citizen_id: str, actor: Actor
) -> ReferralCreated:
    """The referral event with the citizen replaced by their opaque id."""
    try:
        return ReferralCreated(
            event_id=body.event_id,
            occurred_at=body.occurred_at,
            actor=actor,
            payload=Referral(
                programme=referral.programme,
                citizen_id=citizen_id,
                municipality_code=referral.municipality_code,
                ward_id=referral.ward_id,
                organisation_id=referral.organisation_id,
                risk_elevated=referral.risk_elevated,
                languages=referral.languages,
                goals=referral.goals,
                consents=tuple(
                    ConsentGrant(
                        scope=c.scope,
                        recorded_by=actor,
                        recorded_at=c.recorded_at or body.occurred_at,
                        method=c.method,
                    )
                    for c in referral.consents
                ),
                admitted_at=referral.admitted_at,
            ),
        )
    except ValidationError as err:
        raise invalid(err, prefix="payload") from None


EVENT_TYPES = frozenset(
    str(choice) for choice in EVENT_ADAPTER.json_schema()["discriminator"]["mapping"]
)


def episode_event(body: EventIn, actor: Actor) -> EpisodeEvent:
    """Any other event type, validated by its own payload model."""
    if body.type not in EVENT_TYPES:
        known = ", ".join(sorted(EVENT_TYPES))
        raise ApiError(
            422,
            f"invalid input: type: unknown event type (known: {known})",
            [FieldError(field="type", reason=f"unknown event type (known: {known})")],
        )
    raw = {
        "event_id": body.event_id,
        "type": body.type,
        "occurred_at": body.occurred_at,
        "actor": actor,
        "payload": body.payload,
    }
    try:
        return EVENT_ADAPTER.validate_python(raw)
    except ValidationError as err:
        # Pydantic puts the union's tag first in each error location; callers know no tag.
        raise invalid(err, strip_first=body.type) from None
