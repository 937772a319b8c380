"""The subset of FHIR R4 a message Bundle is read with: data types, resources, the Bundle itself."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
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
from pydantic_core import PydanticCustomError

from schemas.fhir_elements import ELEMENTS, RESOURCE_TYPES

FHIR_ID = r"^[A-Za-z0-9\-.]{1,64}$"
"""FHIR R4 `id`: opaque, often not a valid UUID (e.g. `g099bbf3-…`); never parse it as one."""

_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})?"
)
# FHIR's offsets run from -14:00 to +14:00, with minutes below 60.
_FHIR_OFFSET = re.compile(r"Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00)")


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
    offset = match.group("offset")
    if offset is None:
        raise ValueError("timestamp has no UTC offset")
    if _FHIR_OFFSET.fullmatch(offset) is None:
        raise ValueError("timestamp has a UTC offset outside -14:00 to +14:00")
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

# FHIR `string`: not empty, and not only whitespace other than space, tab, CR and LF.
_STRING = re.compile(r"[ \r\n\t\S]")
# FHIR `code`: no leading or trailing whitespace, and no two whitespace characters in a row.
_CODE = re.compile(r"[^\s]+(\s[^\s]+)*")


def _fhir_string(value: str) -> str:
    if _STRING.search(value) is None:
        raise PydanticCustomError("fhir_string", "must not be empty")
    return value


def _fhir_code(value: str) -> str:
    if _CODE.fullmatch(value) is None:
        raise PydanticCustomError(
            "fhir_code", "must be a code: no leading, trailing or repeated whitespace"
        )
    return value


FhirString = Annotated[str, AfterValidator(_fhir_string)]
Code = Annotated[str, AfterValidator(_fhir_code)]
Uri = str
"""FHIR `uri`, `url` and `canonical`: any string (FHIR asks no more of the JSON)."""


class FhirModel(BaseModel):
    """A FHIR element: read by its FHIR (camelCase) names only, inputs never echoed in errors.

    An element FHIR does not define for the type (`fhir_type`, see `ELEMENTS`) is refused, so a
    Bundle accepted here is FHIR; elements FHIR defines but nothing here reads are dropped."""

    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        hide_input_in_errors=True,
    )
    fhir_type: ClassVar[str]
    id: FhirString | None = None

    @model_validator(mode="before")
    @classmethod
    def _only_fhir_elements(cls, data: Any) -> Any:
        # Called for every element of every message: a plain dict (what JSON gives) is told
        # apart without the slower Mapping ABC check.
        if type(data) is not dict and not isinstance(data, Mapping):
            return data
        if not _allowed_names(cls).issuperset(data):
            # The element's name is input: it is not repeated here.
            raise PydanticCustomError(
                "fhir_element",
                "has an element that FHIR R4 does not define for {fhir_type}",
                {"fhir_type": cls.fhir_type},
            )
        return data


_ALLOWED: dict[type[FhirModel], frozenset[str]] = {}


def _allowed_names(model: type[FhirModel]) -> frozenset[str]:
    """The element names FHIR defines for the model's type (and `resourceType` on a
    resource), worked out once per model: every element of every message is checked."""
    names = _ALLOWED.get(model)
    if names is None:
        names = ELEMENTS[model.fhir_type]
        if "resource_type" in model.model_fields:
            names = names | {"resourceType"}
        _ALLOWED[model] = names
    return names


# --- data types ----------------------------------------------------------------------------


class Coding(FhirModel):
    fhir_type = "Coding"
    system: Uri | None = None
    version: FhirString | None = None
    code: Code | None = None
    display: FhirString | None = None
    user_selected: StrictBool | None = None


class CodeableConcept(FhirModel):
    fhir_type = "CodeableConcept"
    coding: tuple[Coding, ...] = ()
    text: FhirString | None = None

    def code_in(self, system: str) -> str | None:
        """The first code from `system`, if any."""
        return next((c.code for c in self.coding if c.system == system), None)


class Identifier(FhirModel):
    fhir_type = "Identifier"
    use: Code | None = None
    type: CodeableConcept | None = None
    system: Uri | None = None
    value: FhirString | None = None


_REFERENCE = re.compile(r"(?:^|/)(?P<type>[A-Z][A-Za-z]{1,63})/(?P<id>[A-Za-z0-9\-.]{1,64})\Z")


class Reference(FhirModel):
    fhir_type = "Reference"
    reference: FhirString | None = None
    type: Uri | None = None
    display: FhirString | None = None

    def target(self) -> tuple[str, str] | None:
        """`(resourceType, id)` of a `Type/id` (or absolute `…/Type/id`) reference."""
        if self.reference is None:
            return None
        ref = self.reference.split("/_history/", 1)[0]
        match = _REFERENCE.search(ref)
        if match is None:
            return None
        return match.group("type"), match.group("id")


class LogicalReference(Reference):
    """A Reference by business identifier (e.g. `Encounter.episodeOfCare`)."""

    identifier: Identifier


class Period(FhirModel):
    fhir_type = "Period"
    start: UtcDatetime | None = None
    end: UtcDatetime | None = None


class Extension(FhirModel):
    fhir_type = "Extension"
    url: Uri
    value_boolean: StrictBool | None = None
    value_coding: Coding | None = None
    value_period: Period | None = None
    value_reference: Reference | None = None


class Meta(FhirModel):
    fhir_type = "Meta"
    profile: tuple[Uri, ...] = ()


class HumanName(FhirModel):
    """A person's name: personal data, read only to check that it is FHIR."""

    fhir_type = "HumanName"
    use: Code | None = None
    text: FhirString | None = None
    family: FhirString | None = None
    given: tuple[FhirString, ...] = ()
    prefix: tuple[FhirString, ...] = ()
    suffix: tuple[FhirString, ...] = ()


# --- resources -----------------------------------------------------------------------------


class Resource(FhirModel):
    id: FhirId
    meta: Meta | None = None


class MessageSource(FhirModel):
    fhir_type = "MessageHeader.source"
    endpoint: Uri


class MessageDestination(FhirModel):
    fhir_type = "MessageHeader.destination"
    extension: tuple[Extension, ...] = ()
    endpoint: Uri
    receiver: Reference | None = None


class MessageHeader(Resource):
    fhir_type = "MessageHeader"
    resource_type: Literal["MessageHeader"]
    extension: tuple[Extension, ...] = ()
    event_coding: Coding
    focus: tuple[Reference, ...] = ()
    sender: Reference | None = None
    source: MessageSource
    destination: tuple[MessageDestination, ...] = ()


class Patient(Resource):
    fhir_type = "Patient"
    resource_type: Literal["Patient"]
    identifier: tuple[Identifier, ...] = ()
    name: tuple[HumanName, ...] = Field(default=(), repr=False)
    deceased_boolean: StrictBool | None = None
    deceased_date_time: UtcDatetime | None = None

    @property
    def deceased(self) -> bool:
        return bool(self.deceased_boolean) or self.deceased_date_time is not None


class Encounter(Resource):
    fhir_type = "Encounter"
    resource_type: Literal["Encounter"]
    status: Code
    class_: Coding = Field(alias="class")
    type: tuple[CodeableConcept, ...] = ()
    subject: Reference | None = None
    period: Period | None = None
    episode_of_care: tuple[LogicalReference, ...] = ()
    service_provider: Reference | None = None
    extension: tuple[Extension, ...] = ()


class ProvenanceAgent(FhirModel):
    fhir_type = "Provenance.agent"
    type: CodeableConcept | None = None
    role: tuple[CodeableConcept, ...] = ()
    who: Reference
    on_behalf_of: Reference | None = None


class ProvenanceEntity(FhirModel):
    fhir_type = "Provenance.entity"
    role: Literal["derivation", "revision", "quotation", "source", "removal"]
    what: Reference


class Provenance(Resource):
    fhir_type = "Provenance"
    resource_type: Literal["Provenance"]
    target: tuple[Reference, ...] = Field(min_length=1)
    occurred_date_time: UtcDatetime | None = None
    recorded: UtcDatetime
    activity: CodeableConcept | None = None
    agent: tuple[ProvenanceAgent, ...] = Field(min_length=1)
    entity: tuple[ProvenanceEntity, ...] = ()


class Organization(Resource):
    fhir_type = "Organization"
    resource_type: Literal["Organization"]
    identifier: tuple[Identifier, ...] = ()
    type: tuple[CodeableConcept, ...] = ()
    name: FhirString | None = None


def _resource_type(value: str) -> str:
    if value not in RESOURCE_TYPES:
        raise PydanticCustomError("fhir_resource_type", "is not a FHIR R4 resource type")
    return value


class OtherResource(BaseModel):
    """Any resource type this service does not read; kept only by type and id.

    Only its type is checked: what FHIR demands of the resource's elements is not known here."""

    model_config = FhirModel.model_config
    resource_type: Annotated[str, AfterValidator(_resource_type)]
    id: FhirId | None = None


KNOWN_RESOURCES = frozenset(
    {"Bundle", "MessageHeader", "Patient", "Encounter", "Provenance", "Organization"}
)
"""The resource types read here; a Bundle entry of any other type is an `OtherResource`."""


def resource_tag(value: object) -> str:
    """The discriminator of a Bundle entry's resource: its type if read here, else 'other'."""
    if isinstance(value, dict):
        kind = value.get("resourceType")
    else:
        kind = getattr(value, "resource_type", None)
    return kind if isinstance(kind, str) and kind in KNOWN_RESOURCES else "other"


AnyResource = Annotated[
    Annotated["Bundle", Tag("Bundle")]
    | Annotated[MessageHeader, Tag("MessageHeader")]
    | Annotated[Patient, Tag("Patient")]
    | Annotated[Encounter, Tag("Encounter")]
    | Annotated[Provenance, Tag("Provenance")]
    | Annotated[Organization, Tag("Organization")]
    | Annotated[OtherResource, Tag("other")],
    Discriminator(resource_tag),
]


class BundleEntry(FhirModel):
    fhir_type = "Bundle.entry"
    full_url: Uri | None = None
    resource: AnyResource


class Bundle(FhirModel):
    """A FHIR Bundle; in a message the MessageHeader is expected first, other entries unordered."""

    fhir_type = "Bundle"
    resource_type: Literal["Bundle"]
    id: FhirId | None = None
    meta: Meta | None = None
    type: Code
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


BundleEntry.model_rebuild()
