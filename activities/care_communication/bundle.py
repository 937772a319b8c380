"""The outgoing MedCom CareCommunication (IG 5.0.x): one new message as a FHIR R4 Bundle.

A pure function of `CareCommunicationContent` (no I/O, no clock, no randomness): every FHIR id
is a uuid5 of our opaque `message_id`, the entries come in a fixed order and every time stamp is
`written_at` (the send time, with its UTC offset), so a retransmission of the same message is the
same Bundle, byte for byte, with the same Bundle.id and MessageHeader.id (the receiver knows a
repeat by that pair).

The Bundle follows /work/shared/medcom/carecommunication/SENDING.md (sections 1-7 and 9): a
`new-message` with exactly one Provenance, a new thread id (`Communication.identifier`, a
`urn:uuid:`) and one text payload segment. Every resource carries its MedCom profile and a small
generated narrative; the CPR is never put in a narrative (the citizen's name is, in the Patient's,
as MedCom's examples do). We never send staff names: with `author_role` the segment names a
PractitionerRole whose `code.text` is that role, and its Practitioner is named by the role too.

Choices the IG leaves open:
- `fullUrl` is `FULL_URL_BASE<Type>/<id>` (our base, not MedCom's example base), references are
  relative `Type/id`, so they resolve against the fullUrl base as the IG wants;
- the Encounter (only with `episode_of_care`) has status `finished` and class `IMP`, as every
  MedCom example has; its episode-of-care identifier is scoped by the sender's SOR address;
- category `regarding-referral` is sent with priority `routine` (priority belongs only there).

Bad input is refused with `ValueError` naming the field, never its value (a CPR or a name must not
reach a log line or an error report).
"""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, ConfigDict, Field

from schemas.base import Frozen
from schemas.cpr import is_cpr
from schemas.medcom import ACTIVITY_SYSTEM, CPR_SYSTEM, EVENT_SYSTEM, GLN_SYSTEM, SOR_SYSTEM
from schemas.people import OPAQUE_ID

SOR_ENDPOINT = "https://sor2.sum.dsdn.dk/#id="
"""MedCom addresses an organisation by its SOR code: `https://sor2.sum.dsdn.dk/#id=<SOR>`."""
FULL_URL_BASE = "https://hverdagsbro.dk/fhir/"
"""Our base for the entries' fullUrl: `<base><ResourceType>/<id>`."""

CARE_COMMUNICATION_EVENT = "care-communication-message"
NEW_MESSAGE = "new-message"
MESSAGE_DEFINITION = (
    "http://medcomfhir.dk/ig/messagedefinitions/MessageDefinition/"
    "MedComCareCommunicationMessageDefinition|5.0"
)
CATEGORY_SYSTEM = (
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-careCommunication-categoryCodes"
)
CATEGORY_CODES = frozenset(
    {
        "alcohol-and-drug-treatment",
        "assistive-devices",
        "carecoordination",
        "decease",
        "discharge",
        "examination-results",
        "healthcare",
        "home-care-assessment",
        "medicine",
        "nursing",
        "outpatient",
        "psychiatry-social-disability",
        "regarding-referral",
        "telemedicine",
        "training",
        "acute-ambulant",
        "extended-care-responsibility",
        "other",
    }
)
"""`medcom-careCommunication-categoryCodes` (CodeSystem v1.9.0)."""
DESTINATION_USE_URL = (
    "http://medcomfhir.dk/ig/messaging/StructureDefinition/medcom-messaging-destinationUseExtension"
)
DESTINATION_USE_SYSTEM = (
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-messaging-destinationUse"
)
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CORE_SD = "http://medcomfhir.dk/ig/core/StructureDefinition/"
_CC_SD = "http://medcomfhir.dk/ig/carecommunication/StructureDefinition/"
_MESSAGING_SD = "http://medcomfhir.dk/ig/messaging/StructureDefinition/"
DATETIME_EXTENSION = _CORE_SD + "medcom-core-datetime-extension"
IDENTIFIER_EXTENSION = _CORE_SD + "medcom-core-identifier-extension"
PRACTITIONER_EXTENSION = _CORE_SD + "medcom-core-practitioner-extension"
PROFILES = {
    "Bundle": _CC_SD + "medcom-careCommunication-message",
    "MessageHeader": _CC_SD + "medcom-careCommunication-messageHeader",
    "Communication": _CC_SD + "medcom-careCommunication-communication",
    "Provenance": _CC_SD + "medcom-careCommunication-provenance",
    "Patient": _CORE_SD + "medcom-core-patient",
    "Organization": _MESSAGING_SD + "medcom-messaging-organization",
    "PractitionerRole": _CORE_SD + "medcom-core-practitionerrole",
    "Practitioner": _CORE_SD + "medcom-core-practitioner",
    "Encounter": _CORE_SD + "medcom-core-encounter",
}

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://hverdagsbro.dk/medcom/care-communication")
_SOR = re.compile(r"[0-9]{6,18}")
_GLN = re.compile(r"[0-9]{13}")
_URN_UUID = re.compile(
    r"urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_OPAQUE = re.compile(OPAQUE_ID)
# FHIR strings allow tab, line feed and carriage return, but no other control character.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_NAME = 200
_MAX_TOPIC = 200
_MAX_TEXT = 100_000


class Party(Frozen):
    """An organisation that sends or receives: its SOR code, EAN/GLN (when known) and name."""

    sor: str  # SOR code
    ean: str | None = None  # EAN/GLN location number (13 digits) when known
    name: str


class Citizen(Frozen):
    """The citizen the message is about. Personal data: repr shows none of it, and a
    validation error never repeats an input."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    cpr: str = Field(repr=False)  # 10 digits
    family: str = Field(repr=False)
    given: tuple[str, ...] = Field(default=(), repr=False)


class CareCommunicationContent(Frozen):
    """Everything one new CareCommunication says (personal data: never log it)."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    message_id: str  # ours, opaque; every FHIR id is derived from it (uuid5)
    sender: Party  # the hospital ward
    receiver: Party  # the citizen's municipality
    citizen: Citizen
    category: str  # a medcom-careCommunication-categoryCodes code
    topic: str = Field(repr=False)  # topic.text ('' = no topic; required for 'other')
    text: str = Field(repr=False)  # the new text segment (plain text, '\n' line breaks)
    written_at: AwareDatetime  # send time with its UTC offset; same for every retransmission
    episode_of_care: str | None = None  # 'urn:uuid:...' -> an Encounter with that id
    author_role: str = ""  # PractitionerRole code.text of the author (e.g. "Koordinator")


class BuiltBundle(Frozen):
    """The Bundle (`body`, FHIR JSON as a dict) and the ids the receiver answers with."""

    bundle_id: str
    message_header_id: str
    body: dict[str, Any] = Field(repr=False)


# --- refusing what cannot be sent ----------------------------------------------------------


def gln_is_valid(value: str) -> bool:
    """13 digits whose last is the GS1 check digit of the other 12."""
    if not _GLN.fullmatch(value):
        return False
    digits = [int(d) for d in value]
    weighted = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return (10 - weighted % 10) % 10 == digits[12]


def _plain(value: str, field: str, *, max_length: int, required: bool = True) -> str:
    """The text stripped of surrounding blanks; refused when empty, too long or with control
    characters. The error names `field`, never the value."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not text:
        raise ValueError(f"{field} must not be empty")
    if len(text) > max_length:
        raise ValueError(f"{field} is longer than {max_length} characters")
    if _CONTROL.search(text):
        raise ValueError(f"{field} contains control characters")
    return text


def _check_party(party: Party, field: str) -> None:
    if not _SOR.fullmatch(party.sor):
        raise ValueError(f"{field}.sor must be a SOR code (6 to 18 digits)")
    if party.ean is not None and not gln_is_valid(party.ean):
        raise ValueError(f"{field}.ean must be 13 digits ending in a valid GS1 check digit")
    _plain(party.name, f"{field}.name", max_length=_MAX_NAME)


def _check(content: CareCommunicationContent) -> None:
    if not _OPAQUE.fullmatch(content.message_id):
        raise ValueError("message_id must be an opaque id (letters, digits, '._:-')")
    _check_party(content.sender, "sender")
    _check_party(content.receiver, "receiver")
    if content.sender.sor == content.receiver.sor:
        raise ValueError("receiver.sor must differ from sender.sor")
    if not is_cpr(content.citizen.cpr):
        raise ValueError("citizen.cpr must be 10 digits")
    _plain(content.citizen.family, "citizen.family", max_length=_MAX_NAME)
    for given in content.citizen.given:
        _plain(given, "citizen.given", max_length=_MAX_NAME)
    if content.category not in CATEGORY_CODES:
        raise ValueError("category must be a medcom-careCommunication-categoryCodes code")
    topic = _plain(content.topic, "topic", max_length=_MAX_TOPIC, required=False)
    if content.category == "other" and not topic:
        raise ValueError("topic is required with category 'other'")
    _plain(content.text, "text", max_length=_MAX_TEXT)
    if content.written_at.utcoffset() is None:
        raise ValueError("written_at needs a UTC offset")
    if content.episode_of_care is not None and not _URN_UUID.fullmatch(content.episode_of_care):
        raise ValueError("episode_of_care must be 'urn:uuid:' and a UUID")
    _plain(content.author_role, "author_role", max_length=_MAX_NAME, required=False)


# --- building --------------------------------------------------------------------------------


def fhir_datetime(when: datetime) -> str:
    """A FHIR dateTime with seconds and the UTC offset `when` carries (`+00:00` as `Z`)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("the time needs a UTC offset")
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def narrative(*paragraphs: str) -> dict[str, str]:
    """A generated narrative: each paragraph escaped, its line breaks as `<br/>`."""
    body = "".join(
        "<p>" + "<br/>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def _resource(resource_type: str, resource_id: str, text: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": resource_type,
        "id": resource_id,
        "meta": {"profile": [PROFILES[resource_type]]},
        "text": text,
    }


def _organization(org_id: str, party: Party, role: str) -> dict[str, Any]:
    name = _plain(party.name, "name", max_length=_MAX_NAME)
    org = _resource("Organization", org_id, narrative(f"{role}: {name} (SOR {party.sor})"))
    org["identifier"] = [{"system": SOR_SYSTEM, "value": party.sor}]
    if party.ean is not None:
        org["identifier"].append({"system": GLN_SYSTEM, "value": party.ean})
    org["name"] = name
    return org


def build_care_communication(content: CareCommunicationContent) -> BuiltBundle:
    """The CareCommunication Bundle of one new message; the same content gives the same body."""
    _check(content)

    def new_id(part: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{content.message_id}|{part}"))

    ids = {
        name: new_id(name)
        for name in (
            "Bundle",
            "MessageHeader",
            "Communication",
            "Patient",
            "Encounter",
            "Organization/sender",
            "Organization/receiver",
            "PractitionerRole",
            "Practitioner",
            "Provenance",
        )
    }
    thread_id = "urn:uuid:" + new_id("thread")
    segment_id = "urn:uuid:" + new_id("segment/1")
    sent = fhir_datetime(content.written_at)
    sender_id, receiver_id = ids["Organization/sender"], ids["Organization/receiver"]
    category = content.category
    topic = _plain(content.topic, "topic", max_length=_MAX_TOPIC, required=False)
    text = _plain(content.text, "text", max_length=_MAX_TEXT)
    role = _plain(content.author_role, "author_role", max_length=_MAX_NAME, required=False)
    family = _plain(content.citizen.family, "citizen.family", max_length=_MAX_NAME)
    given = [_plain(g, "citizen.given", max_length=_MAX_NAME) for g in content.citizen.given]

    header = _resource(
        "MessageHeader",
        ids["MessageHeader"],
        narrative(
            f"CareCommunication (new message) from SOR {content.sender.sor} "
            f"to SOR {content.receiver.sor}"
        ),
    )
    header |= {
        "eventCoding": {"system": EVENT_SYSTEM, "code": CARE_COMMUNICATION_EVENT},
        "destination": [
            {
                "extension": [
                    {
                        "url": DESTINATION_USE_URL,
                        "valueCoding": {"system": DESTINATION_USE_SYSTEM, "code": "primary"},
                    }
                ],
                "endpoint": SOR_ENDPOINT + content.receiver.sor,
                "receiver": _ref("Organization", receiver_id),
            }
        ],
        "sender": _ref("Organization", sender_id),
        "source": {"endpoint": SOR_ENDPOINT + content.sender.sor},
        "focus": [_ref("Communication", ids["Communication"])],
        "definition": MESSAGE_DEFINITION,
    }

    segment_extensions: list[dict[str, Any]] = [
        {"url": DATETIME_EXTENSION, "valueDateTime": sent},
        {
            "url": IDENTIFIER_EXTENSION,
            "valueIdentifier": {
                "value": segment_id,
                "assigner": _ref("Organization", sender_id),
            },
        },
    ]
    if role:
        segment_extensions.append(
            {
                "url": PRACTITIONER_EXTENSION,
                "valueReference": _ref("PractitionerRole", ids["PractitionerRole"]),
            }
        )
    paragraphs = [f"Category: {category}"]
    if topic:
        paragraphs.append(f"Topic: {topic}")
    paragraphs += [f"{sent}" + (f" ({role})" if role else ""), text]
    communication = _resource("Communication", ids["Communication"], narrative(*paragraphs))
    communication |= {
        "identifier": [{"value": thread_id}],
        "status": "unknown",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": category}]}],
    }
    if category == "regarding-referral":
        communication["priority"] = "routine"
    communication["subject"] = _ref("Patient", ids["Patient"])
    if topic:
        communication["topic"] = {"text": topic}
    if content.episode_of_care is not None:
        communication["encounter"] = _ref("Encounter", ids["Encounter"])
    communication["payload"] = [{"extension": segment_extensions, "contentString": text}]

    name: dict[str, Any] = {"use": "official", "family": family}
    if given:
        name["given"] = given
    patient = _resource("Patient", ids["Patient"], narrative(" ".join([*given, family])))
    patient |= {
        "identifier": [{"system": CPR_SYSTEM, "value": content.citizen.cpr}],
        "name": [name],
    }

    resources: list[dict[str, Any]] = [header, communication, patient]
    if content.episode_of_care is not None:
        encounter = _resource("Encounter", ids["Encounter"], narrative("Encounter (finished)"))
        encounter |= {
            "status": "finished",
            "class": {"system": ACT_CODE_SYSTEM, "code": "IMP"},
            "subject": _ref("Patient", ids["Patient"]),
            "episodeOfCare": [
                {
                    "identifier": {
                        "system": SOR_ENDPOINT + content.sender.sor,
                        "value": content.episode_of_care,
                    }
                }
            ],
        }
        resources.append(encounter)
    resources.append(_organization(sender_id, content.sender, "Sender"))
    resources.append(_organization(receiver_id, content.receiver, "Receiver"))
    if role:
        practitioner_role = _resource(
            "PractitionerRole", ids["PractitionerRole"], narrative(f"Author: {role}")
        )
        practitioner_role |= {
            "practitioner": _ref("Practitioner", ids["Practitioner"]),
            "code": [{"text": role}],
        }
        practitioner = _resource("Practitioner", ids["Practitioner"], narrative(role))
        practitioner["name"] = [{"family": role}]
        resources += [practitioner_role, practitioner]

    provenance = _resource(
        "Provenance", ids["Provenance"], narrative(f"New message sent {sent} by the sender")
    )
    provenance |= {
        "target": [_ref("MessageHeader", ids["MessageHeader"])],
        "occurredDateTime": sent,
        "recorded": sent,
        "activity": {"coding": [{"system": ACTIVITY_SYSTEM, "code": NEW_MESSAGE}]},
        "agent": [{"who": _ref("Organization", sender_id)}],
        "entity": [{"role": "source", "what": {"identifier": {"value": segment_id}}}],
    }
    resources.append(provenance)

    body: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": ids["Bundle"],
        "meta": {"profile": [PROFILES["Bundle"]]},
        "type": "message",
        "timestamp": sent,
        "entry": [
            {"fullUrl": f"{FULL_URL_BASE}{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
    return BuiltBundle(bundle_id=ids["Bundle"], message_header_id=ids["MessageHeader"], body=body)


def bundle_bytes(built: BuiltBundle) -> bytes:
    """The Bundle as the JSON bytes to send (UTF-8, compact): the same for the same content."""
    return json.dumps(built.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
