"""MedCom's HospitalNotification profile of FHIR R4: code systems, constraints, what we keep."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Discriminator, Field, Tag, model_validator

from schemas import fhir
from schemas.base import Frozen
from schemas.cpr import Cpr, is_cpr
from schemas.events import CareSetting
from schemas.fhir import (
    FHIR_ID,
    Bundle,
    CodeableConcept,
    Coding,
    Encounter,
    FhirId,
    LogicalReference,
    MessageHeader,
    Organization,
    OtherResource,
    Patient,
    Period,
    Provenance,
    Reference,
    UtcDatetime,
    resource_tag,
)

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


# --- the profile: what MedCom demands beyond FHIR ------------------------------------------


class Identifier(fhir.Identifier):
    """An identifier; one from the CPR system must hold a CPR number (and is hidden in repr).

    Named as FHIR names it (not MedcomIdentifier), as is `BundleEntry`: pydantic names the
    class in the reason it gives for an element that is not a JSON object."""

    @model_validator(mode="after")
    def _cpr_is_ten_digits(self) -> Identifier:
        if self.system == CPR_SYSTEM and not is_cpr(self.value):
            raise ValueError("CPR must be 10 digits")
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, ("<hidden>" if name == "value" and self.system == CPR_SYSTEM else value)


class HospitalNotificationHeader(MessageHeader):
    focus: tuple[Reference, ...] = Field(min_length=1)
    sender: Reference


class MedcomPatient(Patient):
    identifier: tuple[Identifier, ...] = ()

    @property
    def cpr(self) -> str | None:
        """The CPR number (personal data: never log it, never put it in an error)."""
        return next((i.value for i in self.identifier if i.system == CPR_SYSTEM), None)


class EncounterStatus(StrEnum):
    IN_PROGRESS = "in-progress"
    ON_LEAVE = "onleave"
    FINISHED = "finished"
    ENTERED_IN_ERROR = "entered-in-error"


class ActCoding(Coding):
    system: Literal["http://terminology.hl7.org/CodeSystem/v3-ActCode"]
    code: Literal["IMP", "EMER"]


class EpisodeOfCareReference(LogicalReference):
    identifier: Identifier


class HospitalNotificationEncounter(Encounter):
    status: EncounterStatus
    class_: ActCoding = Field(alias="class")
    subject: Reference
    period: Period
    episode_of_care: tuple[EpisodeOfCareReference, ...] = ()
    service_provider: Reference

    @property
    def leave_period(self) -> Period | None:
        """The MedCom leave-period extension (`…-hospitalnotifiation-leave-period-extension`)."""
        return next((e.value_period for e in self.extension if e.url == LEAVE_PERIOD_URL), None)


class MedcomProvenance(Provenance):
    activity: CodeableConcept


class MedcomOrganization(Organization):
    identifier: tuple[Identifier, ...] = ()

    @property
    def sor_code(self) -> str | None:
        return next((i.value for i in self.identifier if i.system == SOR_SYSTEM), None)

    @property
    def gln(self) -> str | None:
        return next((i.value for i in self.identifier if i.system == GLN_SYSTEM), None)


MedcomResource = Annotated[
    Annotated[Bundle, Tag("Bundle")]
    | Annotated[HospitalNotificationHeader, Tag("MessageHeader")]
    | Annotated[MedcomPatient, Tag("Patient")]
    | Annotated[HospitalNotificationEncounter, Tag("Encounter")]
    | Annotated[MedcomProvenance, Tag("Provenance")]
    | Annotated[MedcomOrganization, Tag("Organization")]
    | Annotated[OtherResource, Tag("other")],
    Discriminator(resource_tag),
]


class BundleEntry(fhir.BundleEntry):
    resource: MedcomResource


class HospitalNotificationMessage(Bundle):
    """A HospitalNotification message Bundle as MedCom profiles it."""

    id: FhirId
    type: Literal["message"]
    timestamp: UtcDatetime
    entry: tuple[BundleEntry, ...] = Field(min_length=1)


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
    cpr: Cpr
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
