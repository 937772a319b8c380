"""MedCom CareCommunication in: the municipality's reply to one of our messages, read, checked
for whom it speaks, stored once and acknowledged.

Only replies are taken. A CareCommunication whose current Provenance (the one targeting its own
MessageHeader) has the activity `reply-message` and a `revision` entity naming the MessageHeader
of a message we sent (medcom_outbox) is a reply; its new segments are those the current
Provenance lists as `source` entities. A `new-message` or `forward-message` from a municipality
is refused (fatal-error naming `Provenance.activity`): nobody here would read it — an episode
starts from a referral on the ward, not from the municipality — and a positive acknowledgement
would tell the sender it reached someone. A refusal makes the municipality's system show the
failure, so they phone the ward instead.

A reply is accepted only from the municipality our message went to (its SOR code is the
outbox row's receiver) and only from a token that may speak for that municipality (bound to its
SOR code, or to the municipality's organisation); anything else is refused naming
`MessageHeader.sender` and audited (ids and codes only), as a HospitalNotification is. It must
be about the episode's citizen (the Patient's CPR, when it carries one) and addressed to the
episode's ward or to a receiver we are configured for. A repeat (same Bundle.id and
MessageHeader.id) is acknowledged `ok` and stored once. What the municipality wrote (the topic
and the new text segments) is personal data: never in a log line or an error; attachments are
counted, not kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
import structlog
from pydantic import Discriminator, Field, Tag, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from activities.care_communication.bundle import (
    CARE_COMMUNICATION_EVENT,
    CATEGORY_CODES,
    CATEGORY_SYSTEM,
    DATETIME_EXTENSION,
    IDENTIFIER_EXTENSION,
)
from api.input_checks import unstorable
from api.medcom.acknowledge import fatal_error, transient_error
from api.medcom.errors import MedcomError, redact
from api.medcom.parse import SOR_ENDPOINT, read_message
from api.principal import Principal
from db import medcom_outbox, medcom_replies
from db.medcom import audit_refusal
from db.pool import DatabasePool
from schemas import fhir
from schemas.base import Frozen
from schemas.fhir import (
    FHIR_ID,
    Bundle,
    CodeableConcept,
    FhirId,
    FhirModel,
    FhirString,
    Reference,
    Resource,
    UtcDatetime,
    resource_tag,
)
from schemas.medcom import (
    ACTIVITY_SYSTEM,
    SOR_SYSTEM,
    MedcomAcknowledgement,
    MedcomOrganization,
    MedcomPatient,
    MedcomProvenance,
)

log = structlog.get_logger(__name__)

REPLY_ACTIVITY = "reply-message"
MAX_TOPIC = 500
MAX_TEXT = 100_000
_STORAGE_DOWN = (OSError, asyncpg.PostgresError)
_SOR_CODE = re.compile(r"[0-9]{6,18}")
_SHOWN_ACTIVITY = re.compile(r"[a-z]+(?:-[a-z]+){0,4}")

HEADER = "Bundle.entry[MessageHeader]"
SENDER = f"{HEADER}.sender"
RECEIVER = f"{HEADER}.destination[0].receiver"
PROVENANCE = "Bundle.entry[Provenance]"
REVISION = f"{PROVENANCE}.entity[revision]"
COMMUNICATION = "Bundle.entry[Communication]"


# --- the CareCommunication profile, as far as a reply is read --------------------------------


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# FHIR R4 elements of the types only this module reads (schemas/fhir_elements.py has the rest).
_ELEMENTS = {
    "Communication": _names(
        "about basedOn category contained encounter extension id identifier implicitRules"
        " _implicitRules inResponseTo instantiatesCanonical _instantiatesCanonical"
        " instantiatesUri _instantiatesUri language _language medium meta modifierExtension note"
        " partOf payload priority _priority reasonCode reasonReference received _received"
        " recipient sender sent _sent status _status statusReason subject text topic"
    ),
    "Communication.payload": _names(
        "contentAttachment contentReference contentString _contentString extension id"
        " modifierExtension"
    ),
    "Attachment": _names(
        "contentType _contentType creation _creation data _data extension hash _hash id"
        " language _language size _size title _title url _url"
    ),
}


class _LocalElements(FhirModel):
    """A FHIR element whose allowed names are listed here (`_ELEMENTS`)."""

    @model_validator(mode="before")
    @classmethod
    def _only_fhir_elements(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            allowed = _ELEMENTS[cls.fhir_type]
            if any(key not in allowed and key != "resourceType" for key in data):
                raise PydanticCustomError(
                    "fhir_element",
                    "has an element that FHIR R4 does not define for {fhir_type}",
                    {"fhir_type": cls.fhir_type},
                )
        return data


class EntityReference(Reference):
    """A Provenance entity's `what`: a MessageHeader reference (revision) or a segment's
    identifier (source)."""

    identifier: fhir.Identifier | None = None


class ReplyEntity(fhir.ProvenanceEntity):
    what: EntityReference


class ReplyProvenance(MedcomProvenance):
    entity: tuple[ReplyEntity, ...] = ()


class SegmentIdentifier(fhir.Identifier):
    assigner: Reference | None = None


class SegmentExtension(fhir.Extension):
    value_date_time: UtcDatetime | None = None
    value_identifier: SegmentIdentifier | None = None


class Attachment(_LocalElements):
    fhir_type = "Attachment"
    content_type: FhirString | None = None
    title: FhirString | None = None


class PayloadSegment(_LocalElements):
    fhir_type = "Communication.payload"
    extension: tuple[SegmentExtension, ...] = ()
    content_string: FhirString | None = None
    content_attachment: Attachment | None = None

    def identifier(self) -> str | None:
        found = next((e for e in self.extension if e.url == IDENTIFIER_EXTENSION), None)
        return found.value_identifier.value if found and found.value_identifier else None

    def written_at(self) -> datetime | None:
        found = next((e for e in self.extension if e.url == DATETIME_EXTENSION), None)
        return found.value_date_time if found else None


def _topic(value: object) -> object:
    """MedCom's own examples send `topic: {}` for no topic: read it as absent."""
    return None if value == {} else value


class Communication(_LocalElements, Resource):
    fhir_type = "Communication"
    resource_type: Literal["Communication"]
    identifier: tuple[fhir.Identifier, ...] = ()
    category: tuple[CodeableConcept, ...] = ()
    topic: CodeableConcept | None = None
    subject: Reference | None = None
    payload: tuple[PayloadSegment, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _empty_topic(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "topic" in data:
            return {**data, "topic": _topic(data["topic"])}
        return data


def _tag(value: object) -> str:
    kind = value.get("resourceType") if isinstance(value, Mapping) else None
    return "Communication" if kind == "Communication" else resource_tag(value)


CareCommunicationResource = Annotated[
    Annotated[Bundle, Tag("Bundle")]
    | Annotated[fhir.MessageHeader, Tag("MessageHeader")]
    | Annotated[MedcomPatient, Tag("Patient")]
    | Annotated[fhir.Encounter, Tag("Encounter")]
    | Annotated[ReplyProvenance, Tag("Provenance")]
    | Annotated[MedcomOrganization, Tag("Organization")]
    | Annotated[Communication, Tag("Communication")]
    | Annotated[fhir.OtherResource, Tag("other")],
    Discriminator(_tag),
]


class BundleEntry(fhir.BundleEntry):
    # A Communication is read here too (the base union keeps it as an OtherResource).
    resource: CareCommunicationResource  # type: ignore[assignment]


class CareCommunicationMessage(Bundle):
    """A CareCommunication message Bundle as far as a reply is read."""

    id: FhirId
    type: Literal["message"]
    timestamp: UtcDatetime
    entry: tuple[BundleEntry, ...] = Field(min_length=1)


# --- what a reply says ---------------------------------------------------------------------


class MunicipalityReply(Frozen):
    """One reply, every reference resolved. `topic`, `text` and `cpr` are personal data: hidden
    from repr, never logged."""

    bundle_id: str = Field(pattern=FHIR_ID)
    message_header_id: str = Field(pattern=FHIR_ID)
    replied_to_header: str = Field(pattern=FHIR_ID)
    sender_sor: str
    receiver_sor: str
    thread_id: str = Field(max_length=200)
    category: str
    topic: str = Field(default="", repr=False, max_length=MAX_TOPIC)
    text: str = Field(default="", repr=False, max_length=MAX_TEXT)
    attachments: int = Field(ge=0)
    written_at: datetime
    cpr: str | None = Field(default=None, repr=False)


def _only(items: Iterable[Any], field: str, what: str) -> Any:
    found = list(items)
    if len(found) != 1:
        raise MedcomError(field, f"{'no' if not found else 'more than one'} {what} in the bundle")
    return found[0]


def _sor_of(bundle: CareCommunicationMessage, ref: Reference | None, field: str) -> str:
    org = bundle.resolve(ref, "Organization")
    if not isinstance(org, MedcomOrganization):
        raise MedcomError(field, "does not point to an Organization in the bundle")
    if org.sor_code is None or not _SOR_CODE.fullmatch(org.sor_code):
        raise MedcomError(field, f"the Organization has no SOR code ({SOR_SYSTEM})")
    return org.sor_code


def _storable(field: str, text: str, limit: int) -> str:
    reason = unstorable(text)
    if reason is not None:
        raise MedcomError(field, reason)
    if len(text) > limit:
        raise MedcomError(field, f"longer than {limit} characters")
    return text


def _current_provenance(bundle: CareCommunicationMessage, header_id: str) -> ReplyProvenance:
    mine = ("MessageHeader", header_id)
    current: ReplyProvenance = _only(
        (
            r
            for r in bundle.resources()
            if isinstance(r, ReplyProvenance) and any(t.target() == mine for t in r.target)
        ),
        f"{PROVENANCE}.target",
        "Provenance targeting this bundle's MessageHeader",
    )
    return current


def _replied_to(provenance: ReplyProvenance) -> str:
    code = provenance.activity.code_in(ACTIVITY_SYSTEM)
    if code is None:
        raise MedcomError(f"{PROVENANCE}.activity", "no coding from medcom-messaging-activityCodes")
    if code != REPLY_ACTIVITY:
        shown = f"'{code}'" if _SHOWN_ACTIVITY.fullmatch(code) else "this activity"
        raise MedcomError(
            f"{PROVENANCE}.activity",
            f"{shown} is not taken here: only a reply-message to a message this system sent",
        )
    targets = [
        target
        for e in provenance.entity
        if e.role == "revision" and (target := e.what.target()) is not None
    ]
    target = _only(targets, REVISION, "revision entity pointing to a MessageHeader")
    if target[0] != "MessageHeader":
        raise MedcomError(REVISION, "must point to the MessageHeader of the message replied to")
    return str(target[1])


def _new_segments(
    communication: Communication, provenance: ReplyProvenance
) -> list[tuple[int, PayloadSegment]]:
    sources = {
        e.what.identifier.value
        for e in provenance.entity
        if e.role == "source" and e.what.identifier is not None
    }
    if not sources:
        raise MedcomError(f"{PROVENANCE}.entity", "no source entity: the reply adds no segment")
    new = [(i, s) for i, s in enumerate(communication.payload) if s.identifier() in sources]
    if len({s.identifier() for _, s in new}) != len(sources):
        raise MedcomError(
            f"{PROVENANCE}.entity", "a source entity names no segment of Communication.payload"
        )
    return new


def _content(
    new: list[tuple[int, PayloadSegment]],
) -> tuple[str, int, datetime]:
    texts: list[str] = []
    attachments = 0
    times: list[datetime] = []
    for i, segment in new:
        field = f"{COMMUNICATION}.payload[{i}]"
        when = segment.written_at()
        if when is None:
            raise MedcomError(f"{field}.extension[datetime]", "required on a new segment")
        times.append(when)
        if segment.content_string is not None:
            texts.append(_storable(f"{field}.contentString", segment.content_string, MAX_TEXT))
        elif segment.content_attachment is not None:
            attachments += 1
        else:
            raise MedcomError(field, "a new segment needs contentString or contentAttachment")
    text = "\n\n".join(texts)
    if len(text) > MAX_TEXT:
        raise MedcomError(f"{COMMUNICATION}.payload", f"longer than {MAX_TEXT} characters")
    return text, attachments, max(times)


def _category(communication: Communication) -> str:
    field = f"{COMMUNICATION}.category"
    concept = _only(communication.category, field, "category")
    code = concept.code_in(CATEGORY_SYSTEM)
    if code is None or code not in CATEGORY_CODES:
        raise MedcomError(field, "needs a code from medcom-careCommunication-categoryCodes")
    return str(code)


def parse_care_communication_reply(raw: object) -> MunicipalityReply:
    """Read one CareCommunication reply Bundle (a dict, or JSON text/bytes).

    Raises `MedcomError` (and nothing else) when the message can never be accepted."""
    bundle, header = read_message(raw, CareCommunicationMessage, CARE_COMMUNICATION_EVENT)
    sender_sor = _sor_of(bundle, header.sender, SENDER)
    if header.source.endpoint.startswith(SOR_ENDPOINT) and (
        header.source.endpoint.removeprefix(SOR_ENDPOINT) != sender_sor
    ):
        raise MedcomError(f"{HEADER}.source.endpoint", "names another SOR code than the sender")
    if len(header.destination) != 1:
        raise MedcomError(f"{HEADER}.destination", "exactly one destination")
    receiver_sor = _sor_of(bundle, header.destination[0].receiver, RECEIVER)

    communication = bundle.resolve(header.focus[0] if header.focus else None, "Communication")
    if not isinstance(communication, Communication):
        raise MedcomError(f"{HEADER}.focus", "does not point to a Communication in the bundle")
    thread = _only(communication.identifier, f"{COMMUNICATION}.identifier", "identifier").value
    if not thread:
        raise MedcomError(f"{COMMUNICATION}.identifier.value", "required")
    patient = bundle.resolve(communication.subject, "Patient")
    if not isinstance(patient, MedcomPatient):
        raise MedcomError(f"{COMMUNICATION}.subject", "does not point to a Patient in the bundle")

    provenance = _current_provenance(bundle, header.id)
    replied_to = _replied_to(provenance)
    text, attachments, written_at = _content(_new_segments(communication, provenance))
    topic = communication.topic.text if communication.topic else None
    try:
        return MunicipalityReply(
            bundle_id=bundle.id,
            message_header_id=header.id,
            replied_to_header=replied_to,
            sender_sor=sender_sor,
            receiver_sor=receiver_sor,
            thread_id=_storable(f"{COMMUNICATION}.identifier.value", thread, 200),
            category=_category(communication),
            topic=_storable(f"{COMMUNICATION}.topic.text", topic or "", MAX_TOPIC),
            text=text,
            attachments=attachments,
            written_at=written_at,
            cpr=patient.cpr,
        )
    except ValidationError as exc:  # pragma: no cover - every field was checked above
        raise MedcomError("Bundle", f"{exc.error_count()} inconsistent value(s)") from None


# --- receiving -----------------------------------------------------------------------------


class ReplyIntake:
    """What POST /api/medcom/care-communications does with a message (see the module's
    docstring for what is accepted)."""

    def __init__(self, pool: DatabasePool, receivers: Iterable[str] = ()) -> None:
        self.pool = pool
        self.receivers = frozenset(receivers)

    async def receive(self, principal: Principal, raw: object) -> MedcomAcknowledgement:
        try:
            reply = parse_care_communication_reply(raw)
        except MedcomError as err:
            log.info("care communication refused", reasons=len(err.reasons))
            return fatal_error(err, raw)
        try:
            return await self._take(principal, reply, raw)
        except _STORAGE_DOWN:
            return transient_error("storage unavailable; send the message again", raw)

    async def _take(
        self, principal: Principal, reply: MunicipalityReply, raw: object
    ) -> MedcomAcknowledgement:
        async with self.pool.acquire() as conn:
            ours = await medcom_outbox.by_header(conn, reply.replied_to_header)
            if ours is None:
                log.info("care communication refers to an unknown message")
                return fatal_error(MedcomError(REVISION, "refers to an unknown message"), raw)
            organisation = await medcom_replies.municipality_organisation(conn, reply.sender_sor)
            sender_refused = _sender_refusal(principal, reply, ours.receiver_sor, organisation)
            if sender_refused is not None:
                await audit_refusal(
                    conn,
                    actor_role=principal.role.value,
                    actor_id=principal.id,
                    field=sender_refused.field,
                    bundle_id=redact(reply.bundle_id),
                    message_header_id=redact(reply.message_header_id),
                    sender_sor=redact(reply.sender_sor),
                    episode_id=ours.episode_id,
                )
                log.warning("care communication refused for its sender", field=SENDER)
                return fatal_error(sender_refused, raw)
            if await medcom_replies.was_received(conn, reply.bundle_id, reply.message_header_id):
                return _ok(reply)  # a repeat, also after the citizen's erasure
            about = await medcom_replies.addressees(conn, ours.episode_id)
            problem = self._misaddressed(reply, about)
            if problem is not None:
                return fatal_error(problem, raw)
            stored = await medcom_replies.remember_reply(
                conn,
                bundle_id=reply.bundle_id,
                message_header_id=reply.message_header_id,
                replied_to_header=reply.replied_to_header,
                episode_id=ours.episode_id,
                sender_sor=reply.sender_sor,
                thread_id=reply.thread_id,
                category=reply.category,
                topic=reply.topic,
                text=reply.text,
                attachments=reply.attachments,
                written_at=reply.written_at,
            )
        log.info("municipality reply received", repeat=not stored, kind=ours.kind)
        return _ok(reply)

    def _misaddressed(
        self, reply: MunicipalityReply, about: medcom_replies.Addressees
    ) -> MedcomError | None:
        """A reply goes to the ward that wrote (or a receiver we are configured for), about
        the citizen it was written about."""
        if reply.receiver_sor != about.ward_sor and reply.receiver_sor not in self.receivers:
            return MedcomError(RECEIVER, "the reply is addressed to another receiver")
        if reply.cpr is not None and reply.cpr != about.cpr:
            return MedcomError(
                "Bundle.entry[Patient].identifier",
                "not the citizen of the message replied to",
            )
        return None


def _ok(reply: MunicipalityReply) -> MedcomAcknowledgement:
    return MedcomAcknowledgement(
        outcome="ok", bundle_id=reply.bundle_id, message_header_id=reply.message_header_id
    )


def _sender_refusal(
    principal: Principal,
    reply: MunicipalityReply,
    receiver_sor: str | None,
    organisation: str | None,
) -> MedcomError | None:
    """The sender must be the municipality our message went to, and the token must speak for
    it (bound to its SOR code, or to the municipality's organisation)."""
    if receiver_sor is None or reply.sender_sor != receiver_sor:
        return MedcomError(SENDER, "not the municipality the message replied to was sent to")
    bound = principal.binding.may_send_as(reply.sender_sor) or (
        organisation is not None and organisation in principal.binding.organisations
    )
    if not bound:
        return MedcomError(SENDER, "this token may not send for this sender's SOR code")
    return None
