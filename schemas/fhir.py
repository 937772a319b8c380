"""The subset of FHIR R4 a message Bundle is read with: data types, resources, the Bundle itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
)
from pydantic.alias_generators import to_camel

FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
"""FHIR R4 `id`: opaque, often not a valid UUID (e.g. `g099bbf3-…`); never parse it as one."""

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


# --- data types ----------------------------------------------------------------------------


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


class LogicalReference(FhirModel):
    """A Reference by business identifier only (e.g. `Encounter.episodeOfCare`)."""

    identifier: Identifier


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
    focus: tuple[Reference, ...] = ()
    sender: Reference | None = None
    source: MessageSource
    destination: tuple[MessageDestination, ...] = ()


class Patient(Resource):
    resource_type: Literal["Patient"]
    identifier: tuple[Identifier, ...] = ()
    deceased_boolean: StrictBool | None = None
    deceased_date_time: UtcDatetime | None = None

    @property
    def deceased(self) -> bool:
        return bool(self.deceased_boolean) or self.deceased_date_time is not None


class Encounter(Resource):
    resource_type: Literal["Encounter"]
    status: str
    class_: Coding = Field(alias="class")
    subject: Reference | None = None
    period: Period | None = None
    episode_of_care: tuple[LogicalReference, ...] = ()
    service_provider: Reference | None = None
    extension: tuple[Extension, ...] = ()


class ProvenanceEntity(FhirModel):
    role: Literal["derivation", "revision", "quotation", "source", "removal"]
    what: Reference


class Provenance(Resource):
    resource_type: Literal["Provenance"]
    target: tuple[Reference, ...] = Field(min_length=1)
    occurred_date_time: UtcDatetime | None = None
    recorded: UtcDatetime
    activity: CodeableConcept | None = None
    entity: tuple[ProvenanceEntity, ...] = ()


class Organization(Resource):
    resource_type: Literal["Organization"]
    identifier: tuple[Identifier, ...] = ()


class OtherResource(FhirModel):
    """Any resource type this service does not read; kept only by type and id."""

    resource_type: str
    id: FhirId | None = None


KNOWN_RESOURCES = frozenset({"MessageHeader", "Patient", "Encounter", "Provenance", "Organization"})
"""The resource types read here; a Bundle entry of any other type is an `OtherResource`."""


def resource_tag(value: object) -> str:
    """The discriminator of a Bundle entry's resource: its type if read here, else 'other'."""
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
    Discriminator(resource_tag),
]


class BundleEntry(FhirModel):
    full_url: str | None = None
    resource: AnyResource


class Bundle(FhirModel):
    """A FHIR Bundle; in a message the MessageHeader is expected first, other entries unordered."""

    resource_type: Literal["Bundle"]
    id: FhirId | None = None
    type: str
    timestamp: UtcDatetime | None = None
    entry: tuple[BundleEntry, ...] = ()

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
