"""MedCom HospitalNotification: the FHIR R4 parts we read, and the typed summary we keep."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    model_validator,
)
from pydantic.alias_generators import to_camel

from schemas.base import Frozen
from schemas.events import CareSetting

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"
GLN_SYSTEM = "https://www.gs1.org/gln"
ACTIVITY_SYSTEM = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-activityCodes"
EVENT_SYSTEM = "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-eventCodes"
HOSPITAL_NOTIFICATION_EVENT = "hospital-notification-message"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
LEAVE_PERIOD_URL = (
    "http://medcomfhir.dk/ig/hospitalnotification/StructureDefinition/"
    "medcom-hospitalnotifiation-leave-period-extension"  # sic: "notifiation" is MedCom's spelling
)
LPR3_SYSTEM = "https://www.esundhed.dk/Registre/Landspatientregisteret"

FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
"""FHIR R4 `id`: opaque, often not a valid UUID (e.g. `g099bbf3-…`); never parse it as one."""

CPR_PATTERN = re.compile(r"[0-9]{10}")

_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _utc_instant(value: object) -> datetime:
    """A FHIR dateTime with a time and an explicit offset, converted to UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamp has no UTC offset")
        return _in_utc(value)
    if not isinstance(value, str):
        raise ValueError("timestamp must be a string like 2022-12-07T12:00:00+02:00")
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise ValueError("timestamp must look like 2022-12-07T12:00:00+02:00")
    if match.group("offset") is None:
        raise ValueError("timestamp has no UTC offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("timestamp is not a valid date and time") from None
    return _in_utc(parsed)


def _in_utc(value: datetime) -> datetime:
    """e.g. 0001-01-01T00:00:00+01:00 has no UTC instant: it would lie before year 1."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("timestamp lies outside the years 1 to 9999 in UTC") from None


UtcDatetime = Annotated[datetime, BeforeValidator(_utc_instant)]
"""A timezone-aware instant stored in UTC; a value without an offset is rejected."""

FhirId = Annotated[str, Field(pattern=FHIR_ID)]


class FhirModel(BaseModel):
    """A FHIR element: camelCase names, unknown elements ignored, inputs never echoed in errors."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        hide_input_in_errors=True,
    )


class Coding(FhirModel):
    system: str | None = None
    code: str | None = None


class CodeableConcept(FhirModel):
    coding: tuple[Coding, ...] = ()

    def code_in(self, system: str) -> str | None:
        """The first code from `system`, if any."""
        return next((c.code for c in self.coding if c.system == system), None)


class Identifier(FhirModel):
    system: str | None = None
    value: str | None = None

    @model_validator(mode="after")
    def _cpr_is_ten_digits(self) -> Identifier:
        if self.system == CPR_SYSTEM and (
            self.value is None or CPR_PATTERN.fullmatch(self.value) is None
        ):
            raise ValueError("CPR must be 10 digits")
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, ("<hidden>" if name == "value" and self.system == CPR_SYSTEM else value)


_REFERENCE = re.compile(r"(?:^|/)(?P<type>[A-Z][A-Za-z]{1,63})/(?P<id>[A-Za-z0-9\-.]{1,64})\Z")


class Reference(FhirModel):
    reference: str | None = None

    def target(self) -> tuple[str, str] | None:
        """`(resourceType, id)` of a `Type/id` (or absolute `…/Type/id`) reference."""
        if self.reference is None:
            return None
        ref = self.reference.split("/_history/", 1)[0]
        match = _REFERENCE.search(ref)
        if match is None:
            return None
        return match.group("type"), match.group("id")


class Period(FhirModel):
    start: UtcDatetime | None = None
    end: UtcDatetime | None = None


class Extension(FhirModel):
    url: str
    value_period: Period | None = None


# --- resources -----------------------------------------------------------------------------


class Resource(FhirModel):
    id: FhirId


class MessageSource(FhirModel):
    endpoint: str


class MessageDestination(FhirModel):
    endpoint: str | None = None
    receiver: Reference | None = None


class MessageHeader(Resource):
    resource_type: Literal["MessageHeader"]
    event_coding: Coding
    focus: tuple[Reference, ...] = Field(min_length=1)
    sender: Reference
    source: MessageSource
    destination: tuple[MessageDestination, ...] = ()


class Patient(Resource):
    resource_type: Literal["Patient"]
    identifier: tuple[Identifier, ...] = ()
    deceased_boolean: StrictBool | None = None
    deceased_date_time: UtcDatetime | None = None

    @property
    def cpr(self) -> str | None:
        """The CPR number (personal data: never log it, never put it in an error)."""
        return next((i.value for i in self.identifier if i.system == CPR_SYSTEM), None)

    @property
    def deceased(self) -> bool:
        return bool(self.deceased_boolean) or self.deceased_date_time is not None


class EncounterStatus(StrEnum):
    IN_PROGRESS = "in-progress"
    ON_LEAVE = "onleave"
    FINISHED = "finished"
    ENTERED_IN_ERROR = "entered-in-error"


class ActCoding(FhirModel):
    system: Literal["http://terminology.hl7.org/CodeSystem/v3-ActCode"]
    code: Literal["IMP", "EMER"]


class EpisodeOfCareReference(FhirModel):
    identifier: Identifier


class Encounter(Resource):
    resource_type: Literal["Encounter"]
    status: EncounterStatus
    class_: ActCoding = Field(alias="class")
    subject: Reference
    period: Period
    episode_of_care: tuple[EpisodeOfCareReference, ...] = ()
    service_provider: Reference
    extension: tuple[Extension, ...] = ()

    @property
    def leave_period(self) -> Period | None:
        """The MedCom leave-period extension (`…-hospitalnotifiation-leave-period-extension`)."""
        return next((e.value_period for e in self.extension if e.url == LEAVE_PERIOD_URL), None)


class ProvenanceEntity(FhirModel):
    role: Literal["derivation", "revision", "quotation", "source", "removal"]
    what: Reference


class Provenance(Resource):
    resource_type: Literal["Provenance"]
    target: tuple[Reference, ...] = Field(min_length=1)
    occurred_date_time: UtcDatetime | None = None
    recorded: UtcDatetime
    activity: CodeableConcept
    entity: tuple[ProvenanceEntity, ...] = ()


class Organization(Resource):
    resource_type: Literal["Organization"]
    identifier: tuple[Identifier, ...] = ()

    @property
    def sor_code(self) -> str | None:
        return next((i.value for i in self.identifier if i.system == SOR_SYSTEM), None)

    @property
    def gln(self) -> str | None:
        return next((i.value for i in self.identifier if i.system == GLN_SYSTEM), None)


class OtherResource(FhirModel):
    """Any resource type this service does not read; kept only by type and id."""

    resource_type: str
    id: FhirId | None = None


KNOWN_RESOURCES = frozenset({"MessageHeader", "Patient", "Encounter", "Provenance", "Organization"})


def _resource_tag(value: object) -> str:
    if isinstance(value, dict):
        kind = value.get("resourceType")
    else:
        kind = getattr(value, "resource_type", None)
    return kind if isinstance(kind, str) and kind in KNOWN_RESOURCES else "other"


AnyResource = Annotated[
    Annotated[MessageHeader, Tag("MessageHeader")]
    | Annotated[Patient, Tag("Patient")]
    | Annotated[Encounter, Tag("Encounter")]
    | Annotated[Provenance, Tag("Provenance")]
    | Annotated[Organization, Tag("Organization")]
    | Annotated[OtherResource, Tag("other")],
    Discriminator(_resource_tag),
]


class BundleEntry(FhirModel):
    full_url: str | None = None
    resource: AnyResource


class Bundle(FhirModel):
    """A FHIR message Bundle: the MessageHeader is expected first, other entries are unordered."""

    resource_type: Literal["Bundle"]
    id: FhirId
    type: Literal["message"]
    timestamp: UtcDatetime
    entry: tuple[BundleEntry, ...] = Field(min_length=1)

    def resources(self) -> Iterator[AnyResource]:
        return (e.resource for e in self.entry)

    def resolve(self, reference: Reference | None, resource_type: str) -> AnyResource | None:
        """The entry resource a `Type/id` reference points to (by resourceType and id)."""
        target = reference.target() if reference is not None else None
        if target is None or target[0] != resource_type:
            return None
        for resource in self.resources():
            if resource.resource_type == target[0] and resource.id == target[1]:
                return resource
        return None


# --- the summary we keep -------------------------------------------------------------------


class ActivityCode(StrEnum):
    """HospitalNotification activities of the MedCom `medcom-messaging-activityCodes` system."""

    ADMIT_INPATIENT = "admit-inpatient"
    REVISE_ADMIT_INPATIENT = "revise-admit-inpatient"
    CANCEL_ADMIT_INPATIENT = "cancel-admit-inpatient"
    ADMIT_EMERGENCY = "admit-emergency"
    REVISE_ADMIT_EMERGENCY = "revise-admit-emergency"
    CANCEL_ADMIT_EMERGENCY = "cancel-admit-emergency"
    START_LEAVE_INPATIENT = "start-leave-inpatient"
    REVISE_START_LEAVE_INPATIENT = "revise-start-leave-inpatient"
    CANCEL_START_LEAVE_INPATIENT = "cancel-start-leave-inpatient"
    END_LEAVE_INPATIENT = "end-leave-inpatient"
    REVISE_END_LEAVE_INPATIENT = "revise-end-leave-inpatient"
    CANCEL_END_LEAVE_INPATIENT = "cancel-end-leave-inpatient"
    DISCHARGE_INPATIENT_HOME = "discharge-inpatient-home"
    REVISE_DISCHARGE_INPATIENT_HOME = "revise-discharge-inpatient-home"
    CANCEL_DISCHARGE_INPATIENT_HOME = "cancel-discharge-inpatient-home"
    DISCHARGE_EMERGENCY_HOME = "discharge-emergency-home"
    REVISE_DISCHARGE_EMERGENCY_HOME = "revise-discharge-emergency-home"
    CANCEL_DISCHARGE_EMERGENCY_HOME = "cancel-discharge-emergency-home"

    @property
    def base(self) -> ActivityCode:
        """The activity without its `revise-`/`cancel-` prefix."""
        return ActivityCode(self.value.removeprefix("revise-").removeprefix("cancel-"))

    @property
    def is_revision(self) -> bool:
        return self.value.startswith("revise-")

    @property
    def is_cancellation(self) -> bool:
        return self.value.startswith("cancel-")

    @property
    def setting(self) -> CareSetting:
        return CareSetting.EMERGENCY if "emergency" in self.value else CareSetting.INPATIENT


class EarlierMessageRole(StrEnum):
    REVISION = "revision"
    REMOVAL = "removal"


class HospitalNotification(Frozen):
    """What one HospitalNotification message says, with every reference resolved.

    `cpr` is personal data: it is hidden from repr and must never reach a log line, an error
    message, a workflow id or a search attribute."""

    bundle_id: str = Field(pattern=FHIR_ID)
    bundle_timestamp: AwareDatetime
    message_header_id: str = Field(pattern=FHIR_ID)
    activity: ActivityCode
    cpr: str = Field(pattern=r"^[0-9]{10}$", repr=False)
    deceased: bool
    encounter_class: CareSetting
    encounter_status: EncounterStatus
    period_start: AwareDatetime
    period_end: AwareDatetime | None = None
    leave_start: AwareDatetime | None = None
    leave_end: AwareDatetime | None = None
    episode_of_care: tuple[tuple[str, str], ...] = Field(
        default=(), description="(system, value); a `urn:uuid:` prefix is stripped from value."
    )
    sender_sor: str
    service_provider_sor: str
    receiver_sor: str | None = None
    earlier_message_header_id: str | None = Field(default=None, pattern=FHIR_ID)
    earlier_message_role: EarlierMessageRole | None = None
    recorded_at: AwareDatetime

    @property
    def transmission_key(self) -> tuple[str, str]:
        """(Bundle.id, MessageHeader.id): a repeated transmission has the same pair."""
        return self.bundle_id, self.message_header_id


class MedcomAcknowledgement(Frozen):
    """The answer to one received message: accepted, try again, or never acceptable (and why)."""

    outcome: Literal["ok", "transient-error", "fatal-error"]
    bundle_id: str | None = None
    message_header_id: str | None = None
    reasons: list[str] = Field(default_factory=list)
