"""What callers send to POST /api/events, and how it becomes an episode event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from api.errors import ApiError, FieldError, invalid
from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.cpr import Cpr
from schemas.events import (
    EVENT_ADAPTER,
    EVENT_ID,
    EpisodeEvent,
    Goal,
    Pathway,
    Referral,
    ReferralCreated,
)
from schemas.people import OPAQUE_ID, Actor

# Clocks drift; an event further ahead than this is a mistake, not a fact.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Nothing in an episode happened before this, nor is planned after it; outside it a time is a
# typing error (and some would not even fit PostgreSQL once converted to UTC).
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 1, 1)
LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$"
EPISODE_ID = r"^episode-[A-Za-z0-9-]{8,64}$"

EVENT_TYPES = frozenset(
    str(choice) for choice in EVENT_ADAPTER.json_schema()["discriminator"]["mapping"]
)
_TYPE_NAMES: list[JsonValue] = [*sorted(EVENT_TYPES)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventIn(_Input):
    """The envelope: the producer's idempotency key, when it happened, what, and for whom."""

    event_id: str = Field(pattern=EVENT_ID, description="Producer-chosen idempotency key.")
    # A string, not an enum, so an unknown type is answered with the list of known ones.
    type: str = Field(min_length=1, max_length=40, json_schema_extra={"enum": _TYPE_NAMES})
    occurred_at: AwareDatetime
    episode_id: str | None = Field(default=None, pattern=EPISODE_ID)
    payload: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "The type's own fields. A `referral_created` for a citizen who has an open episode"
            " in the same programme answers 409 on `payload.citizen.cpr` (naming that episode"
            " when you may see it); with `transfer_from_episode_id` naming that open episode,"
            " it is cancelled (reason `transferred`, recorded and audited as your"
            " `referral_cancelled`) and the new one starts. An episode you may not see answers"
            " 404. Episodes in other programmes do not count."
        ),
    )


class EventAck(_Input):
    event_id: str
    episode_id: str
    outcome: Literal["accepted", "duplicate"]


class ContactIn(_Input):
    """How to reach the citizen, as an episode records it. Personal data: stored in
    PostgreSQL only, never in Temporal ids, attributes or logs."""

    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ]{8,16}$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CitizenIn(ContactIn):
    cpr: Cpr


class ConsentIn(_Input):
    scope: ConsentScope
    method: ConsentMethod
    recorded_at: AwareDatetime | None = None


class ReferralIn(_Input):
    """A referral as ward staff give it: the citizen's details instead of an internal id.

    Everything the referral event will demand is checked here already, so a refused referral
    is refused before the citizen's details are stored."""

    programme: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    citizen: CitizenIn
    municipality_code: str = Field(pattern=r"^[0-9]{3,4}$")
    ward_id: str = Field(pattern=OPAQUE_ID)
    organisation_id: str = Field(pattern=OPAQUE_ID)
    risk_elevated: bool = False
    languages: tuple[Annotated[str, Field(pattern=LANGUAGE)], ...] = Field(
        default=("da",), max_length=20, description="Language codes, e.g. da, en, ar."
    )
    goals: tuple[Goal, ...] = Field(default=(), max_length=20)
    consents: tuple[ConsentIn, ...] = Field(max_length=20)
    pathway: Pathway = Pathway.ADMITTED
    admitted_at: AwareDatetime | None = None
    transfer_from_episode_id: str | None = Field(
        default=None,
        pattern=EPISODE_ID,
        description=(
            "The citizen's open episode in this programme that this referral replaces: it is"
            " cancelled with reason `transferred` before the new one starts."
        ),
    )

    @field_validator("consents")
    @classmethod
    def _needs_peer_support_consent(cls, consents: tuple[ConsentIn, ...]) -> tuple[ConsentIn, ...]:
        if ConsentScope.PEER_SUPPORT not in {c.scope for c in consents}:
            raise PydanticCustomError(
                "peer_support_consent", "the citizen's consent to peer_support is required"
            )
        return consents

    @field_validator("admitted_at")
    @classmethod
    def _ambulant_without_admission(
        cls, admitted_at: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        if admitted_at is not None and info.data.get("pathway") == Pathway.AMBULANT:
            raise PydanticCustomError("ambulant_admission", "an ambulant referral has no admission")
        return admitted_at


def time_fault(when: date) -> str | None:
    """Why this time cannot be in an event, if it cannot: every time lies between 1900 and
    2100, and an instant (when something happened or was recorded) is not in the future.
    A date (a planned discharge) may be."""
    if isinstance(when, datetime):
        if when > datetime.now(UTC) + FUTURE_TOLERANCE:
            return "lies in the future"
        if when < datetime(EARLIEST.year, 1, 1, tzinfo=UTC):
            return f"lies before {EARLIEST.year}"
        return None
    if not EARLIEST <= when < LATEST:
        return f"must lie between {EARLIEST.year} and {LATEST.year}"
    return None


def _check(field: str, when: date) -> None:
    reason = time_fault(when)
    if reason is not None:
        raise ApiError(
            422, f"invalid input: {field}: {reason}", [FieldError(field=field, reason=reason)]
        )


def check_time(occurred_at: datetime) -> None:
    """The envelope's time, checked before anything else is known about the event."""
    _check("occurred_at", occurred_at)


def _times(value: object, field: str) -> Iterator[tuple[str, date]]:
    """(dotted field, value) of every date and time in a validated model, nested ones too."""
    if isinstance(value, date):
        yield field, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _times(getattr(value, name), f"{field}.{name}" if field else name)
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _times(item, f"{field}.{index}")


def check_times(value: BaseModel, prefix: str = "") -> None:
    """Every date and time anywhere in an event (see `time_fault`)."""
    for field, when in _times(value, prefix):
        _check(field, when)


def parse_referral_input(body: EventIn) -> ReferralIn:
    try:
        referral = ReferralIn.model_validate(body.payload)
    except ValidationError as err:
        raise invalid(err, prefix="payload") from None
    check_times(body, "")
    check_times(referral, "payload")
    return referral


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
                pathway=referral.pathway,
            ),
        )
    except ValidationError as err:
        raise invalid(err, prefix="payload") from None


def recorded_by_caller(payload: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """A consent's provenance is the caller: `recorded_by` may be left out (the caller is
    filled in) or name the caller; naming anyone else is refused, so nobody can claim that
    another person recorded a consent."""
    if "recorded_by" in payload and payload["recorded_by"] != actor.model_dump(mode="json"):
        reason = "must be the caller (who recorded the consent); leave it out to use the caller"
        raise ApiError(
            422,
            f"invalid input: payload.recorded_by: {reason}",
            [FieldError(field="payload.recorded_by", reason=reason)],
        )
    return {**payload, "recorded_by": actor}


def episode_event(body: EventIn, actor: Actor) -> EpisodeEvent:
    """Any other event type, validated by its own payload model."""
    if body.type not in EVENT_TYPES:
        known = ", ".join(sorted(EVENT_TYPES))
        raise ApiError(
            422,
            f"invalid input: type: unknown event type (known: {known})",
            [FieldError(field="type", reason=f"unknown event type (known: {known})")],
        )
    payload = body.payload
    if body.type == "consent_granted":
        payload = recorded_by_caller(payload, actor)
    raw = {
        "event_id": body.event_id,
        "type": body.type,
        "occurred_at": body.occurred_at,
        "actor": actor,
        "payload": payload,
    }
    try:
        event = EVENT_ADAPTER.validate_python(raw)
    except ValidationError as err:
        # Pydantic puts the union's tag first in each error location; callers know no tag.
        raise invalid(err, strip_first=body.type) from None
    check_times(event)
    return event
