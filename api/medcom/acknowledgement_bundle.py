"""The MedCom Acknowledgement message (FHIR R4 Bundle) answering one received message.

Built as MedCom's Acknowledgement IG profiles it (`MedComAcknowledgementMessage`): a Bundle of
type `message` holding

- a `MedComAcknowledgementMessageHeader`: eventCoding `acknowledgement-message` from the
  `medcom-messaging-eventCodes` system; `source`/`sender` are us (the received message's
  receiver), the single `destination` (use `primary`, no carbon copy) is the received message's
  sender; `response.identifier` is the received `MessageHeader.id`, `response.code` the outcome
  (`ok` | `transient-error` | `fatal-error`) and, for an error, `response.details` points to the
  OperationOutcome; `definition` the pattern the published header profile (2.0.x) fixes;
- a `MedComMessagingProvenance` with activity `acknowledgement` (`medcom-messaging-activityCodes`),
  targeting the header, its agent us, and an entity (role `revision`) pointing to the received
  `MessageHeader/<id>` as the IG's examples do (that reference points outside this bundle, to the
  message acknowledged);
- a copy of the received message's own (current) Provenance, the one whose target is the received
  MessageHeader, as the IG's examples carry it: its id, target, times, activity and entities
  (ids and codes only), its agent pointing to that sender's Organization here; its target and
  entities point outside this bundle, to the received message and its history. A received
  message without a readable current Provenance is answered without the copy;
- a `MedComMessagingOrganization` for each side (its SOR and EAN/GLN identifiers and name, as the
  received message names them);
- for `transient-error`/`fatal-error` a `MedComAcknowledgementOperationOutcome` with one issue per
  reason: severity `error`, code `structure` for a fatal error (the IG's fatal-error example) or
  `transient` for a transient one, `details.text` the reason and `expression` its FHIR path.
  `details.coding` (MedCom's `medcom-acknowledgement-error-codes`) is added only where one of
  its codes plainly fits the reason (`ISSUE_DETAILS`): the IG says the value set is "fairly
  empty" and the list of codes is not yet agreed across sectors, so the text is what counts.

Any received message is answered the same way (HospitalNotification, CareCommunication, ...):
the entry point reads the raw message generically. An Acknowledgement itself is never
acknowledged (`is_acknowledgement` tells one; the caller decides not to send an answer).

Entries' fullUrls use our base (`FULL_URL_BASE`), never MedCom's example base; references are
relative `Type/id` under it.

Ids are uuid5 of the received Bundle.id, MessageHeader.id and the outcome, so the same answer to
the same message is the same Bundle (a repeat gets the same acknowledgement); the timestamps are
the receive time. The acknowledgement never carries the patient: nothing of the received message
is copied but ids, SOR/GLN codes, organisation names, SOR endpoints and its Provenance's times
and activity codes, and every text passes `redact`.

A message too broken to read gets what the IG still allows, and leaves out what cannot be known:
- no readable MessageHeader.id: `response.identifier` is the received Bundle.id (as the IG's own
  "empty message" example acknowledges a Bundle), else `unknown` (FHIR demands a value; the
  sender cannot correlate such a message anyway); the Provenance then has no entity;
- no sender Organization with a SOR code: the destination has no `receiver` and its endpoint is
  the received `source.endpoint` if that is a SOR address; with neither, there is no destination
  at all (FHIR allows that; MedCom's profile wants one, but there is nobody known to address);
- our own SOR code is the received message's receiver, else the one we are configured for
  (`our_sor`); with neither, `source.endpoint` is `LOCAL_ENDPOINT` and there is no sender
  Organization (the Provenance agent then only has a display);
- an Organization without a GLN is sent with its SOR code only (the profile asks for both).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from activities.care_communication.bundle import (
    DESTINATION_USE_SYSTEM as DESTINATION_USE_SYSTEM,
)
from activities.care_communication.bundle import DESTINATION_USE_URL as DESTINATION_USE_URL
from activities.care_communication.bundle import FULL_URL_BASE as FULL_URL_BASE
from api.medcom.errors import redact
from api.medcom.parse import SOR_ENDPOINT
from schemas.fhir import FHIR_ID
from schemas.medcom import (
    ACTIVITY_SYSTEM,
    EVENT_SYSTEM,
    GLN_SYSTEM,
    SOR_SYSTEM,
    MedcomAcknowledgement,
)

ACKNOWLEDGEMENT_EVENT = "acknowledgement-message"
ACKNOWLEDGEMENT_ACTIVITY = "acknowledgement"
_ACK_SD = "http://medcomfhir.dk/ig/acknowledgement/StructureDefinition/"
_MESSAGING_SD = "http://medcomfhir.dk/ig/messaging/StructureDefinition/"
PROFILES = {
    "Bundle": _ACK_SD + "medcom-messaging-acknowledgement",
    "MessageHeader": _ACK_SD + "medcom-messaging-acknowledgementHeader",
    "OperationOutcome": _ACK_SD + "medcom-acknowledgement-operationoutcome",
    "Provenance": _MESSAGING_SD + "medcom-messaging-provenance",
    "Organization": _MESSAGING_SD + "medcom-messaging-organization",
}
MESSAGE_DEFINITION = (
    "http://medcomfhir.dk/ig/acknowledgement/medcom-acknowledgement-message-definition|2.0.0"
)
"""`MessageHeader.definition`, the pattern the AcknowledgementHeader profile (2.0.x) fixes."""
ISSUE_DETAILS_SYSTEM = (
    "http://medcomfhir.dk/ig/terminology/CodeSystem/medcom-acknowledgement-error-codes"
)
ISSUE_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\.eventCoding: must be "), "MSG_RECEIVER_UNABLE_TO_RECEIVE_MSG_TYPE"),
    (re.compile(r"addressed to another receiver"), "MSG_Receiver_Identifier_UNKNOWN"),
    (re.compile(r"longer than [0-9]+ characters"), "MSG_Element_To_Long"),
    (
        re.compile(r"no coding from |needs a code from |activity code.* is not a "),
        "MSG_CodeSystem_VALUE_UNKNOWN",
    ),
)
"""A reason -> its `medcom-acknowledgement-error-codes` code, where one plainly fits."""
TRANSIENT_DETAIL = "MSG_Mailbox_Out_Of_Operation"
"""The code of a transient error (we cannot take the message now), as in the IG's example."""
LOCAL_ENDPOINT = "urn:hverdagsbro:medcom-intake"
"""`source.endpoint` when no SOR code of ours is known (FHIR demands an endpoint)."""
UNKNOWN_MESSAGE = "unknown"
MEDIA_TYPE = "application/fhir+json"
ISSUE_CODE = {"fatal-error": "structure", "transient-error": "transient"}

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://hverdagsbro.dk/medcom/acknowledgement")
_ID = re.compile(FHIR_ID)
_SOR = re.compile(r"[0-9]{6,18}")
_GLN = re.compile(r"[0-9]{13}")
_PATH = re.compile(r"(Bundle(?:\.[A-Za-z]+|\[[^\]\s]{1,40}\])*): ")
_ENTRY_OF_TYPE = re.compile(r"\.entry\[([A-Z][A-Za-z]+)\]")
_MAX_NAME = 200
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_CODE = re.compile(r"[a-z]+(?:-[a-z]+){0,8}")
_ENTITY_ROLES = ("revision", "removal", "source")
# A segment's urn:uuid, or an EDIFACT/OIOXML letter id and location number joined by '#'.
_ENTITY_VALUE = re.compile(r"[A-Za-z0-9:#.\-]{1,100}")

Outcome = Literal["ok", "transient-error", "fatal-error"]


@dataclass(frozen=True)
class _Org:
    sor: str
    gln: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class _Received:
    """What the acknowledgement may take from the received message (no personal data)."""

    bundle_id: str | None = None
    header_id: str | None = None
    source_endpoint: str | None = None
    sender: _Org | None = None
    receiver: _Org | None = None
    provenance: _Provenance | None = None
    event: str | None = None


@dataclass(frozen=True)
class _Provenance:
    """The received message's current Provenance, as far as it is copied (ids and codes)."""

    id: str
    recorded: str
    occurred: str | None
    activity: tuple[str, ...]
    agent: Literal["sender", "receiver"] | None
    entities: tuple[dict[str, Any], ...]


def _safe_id(value: object) -> str | None:
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _sor_endpoint(value: object) -> str | None:
    if not isinstance(value, str) or not value.startswith(SOR_ENDPOINT):
        return None
    return value if _SOR.fullmatch(value.removeprefix(SOR_ENDPOINT)) else None


def _fingerprint(raw: object) -> str:
    try:
        text = json.dumps(raw, sort_keys=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = repr(type(raw))
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _find(
    entries: Sequence[tuple[object, Mapping[str, Any]]], ref: object, resource_type: str
) -> Mapping[str, Any] | None:
    """The `resource_type` entry a reference (`…Type/<id>` or an entry's fullUrl) points to."""
    if not isinstance(ref, Mapping) or not isinstance(ref.get("reference"), str):
        return None
    reference: str = ref["reference"]
    target = reference.rsplit("/", 2)
    for full_url, res in entries:
        if res.get("resourceType") != resource_type:
            continue
        by_id = len(target) >= 2 and target[-2] == resource_type and res.get("id") == target[-1]
        if by_id or full_url == reference:
            return res
    return None


def _organization(entries: Sequence[tuple[object, Mapping[str, Any]]], ref: object) -> _Org | None:
    """The Organization a reference (`…Organization/<id>` or an entry's fullUrl) points to."""
    res = _find(entries, ref, "Organization")
    if res is not None:
        ids = [i for i in res.get("identifier") or () if isinstance(i, Mapping)]
        sor = next((i.get("value") for i in ids if i.get("system") == SOR_SYSTEM), None)
        gln = next((i.get("value") for i in ids if i.get("system") == GLN_SYSTEM), None)
        if not isinstance(sor, str) or not _SOR.fullmatch(sor):
            return None
        name = res.get("name")
        return _Org(
            sor=sor,
            gln=gln if isinstance(gln, str) and _GLN.fullmatch(gln) else None,
            name=redact(name) if isinstance(name, str) and 0 < len(name) <= _MAX_NAME else None,
        )
    return None


def _instant_text(value: object) -> str | None:
    """A received FHIR dateTime, copied only when it is one (with seconds and an offset)."""
    return value if isinstance(value, str) and _DATETIME.fullmatch(value) else None


def _entity(entity: object) -> dict[str, Any] | None:
    """A Provenance entity, as ids only: role and a `MessageHeader/<id>` or identifier value."""
    if not isinstance(entity, Mapping) or entity.get("role") not in _ENTITY_ROLES:
        return None
    what = entity.get("what")
    if not isinstance(what, Mapping):
        return None
    reference = what.get("reference")
    if isinstance(reference, str):
        header_id = (
            reference.rsplit("MessageHeader/", 1)[-1] if "MessageHeader/" in reference else ""
        )
        if not _ID.fullmatch(header_id):
            return None
        return {"role": entity["role"], "what": {"reference": f"MessageHeader/{header_id}"}}
    identifier = what.get("identifier")
    value = identifier.get("value") if isinstance(identifier, Mapping) else None
    if not isinstance(value, str) or not _ENTITY_VALUE.fullmatch(value) or redact(value) != value:
        return None
    return {"role": entity["role"], "what": {"identifier": {"value": value}}}


def _current_provenance(
    found: Sequence[tuple[object, Mapping[str, Any]]],
    header: Mapping[str, Any],
) -> _Provenance | None:
    """The received message's Provenance whose target is its MessageHeader (exactly one)."""
    current = [
        res
        for _, res in found
        if res.get("resourceType") == "Provenance"
        and any(_find(found, t, "MessageHeader") is header for t in _items(res.get("target")))
    ]
    if len(current) != 1:
        return None
    prov = current[0]
    prov_id, recorded = _safe_id(prov.get("id")), _instant_text(prov.get("recorded"))
    if prov_id is None or recorded is None:
        return None
    activity = prov.get("activity")
    codings = activity.get("coding") if isinstance(activity, Mapping) else None
    codes = tuple(
        c["code"]
        for c in (codings if isinstance(codings, list) else ())
        if isinstance(c, Mapping)
        and c.get("system") == ACTIVITY_SYSTEM
        and isinstance(c.get("code"), str)
        and _CODE.fullmatch(c["code"])
    )
    agents = prov.get("agent")
    first = agents[0] if isinstance(agents, list) and agents else None
    who = _find(found, first.get("who"), "Organization") if isinstance(first, Mapping) else None
    sender = _find(found, header.get("sender"), "Organization")
    destinations = header.get("destination")
    receiver = (
        _find(found, destinations[0].get("receiver"), "Organization")
        if isinstance(destinations, list) and destinations and isinstance(destinations[0], Mapping)
        else None
    )
    entities = prov.get("entity")
    return _Provenance(
        id=prov_id,
        recorded=recorded,
        occurred=_instant_text(prov.get("occurredDateTime")),
        activity=codes,
        agent="sender"
        if who is not None and who is sender
        else "receiver"
        if who is not None and who is receiver
        else None,
        entities=tuple(
            e for e in map(_entity, entities if isinstance(entities, list) else ()) if e
        ),
    )


def is_acknowledgement(raw: object) -> bool:
    """Whether a received message is itself an Acknowledgement (never acknowledged)."""
    return _read(raw).event == ACKNOWLEDGEMENT_EVENT


def _read(raw: object) -> _Received:
    """Best effort: the ids, endpoints and organisations of a message that may be malformed."""
    if isinstance(raw, str | bytes | bytearray):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            return _Received()
    if not isinstance(raw, Mapping):
        return _Received()
    entries = raw.get("entry")
    found = [
        (e.get("fullUrl"), e["resource"])
        for e in (entries if isinstance(entries, list) else ())
        if isinstance(e, Mapping) and isinstance(e.get("resource"), Mapping)
    ]
    resources = [r for _, r in found]
    header = next((r for r in resources if r.get("resourceType") == "MessageHeader"), None)
    if header is None:
        return _Received(bundle_id=_safe_id(raw.get("id")))
    source = header.get("source")
    destinations = header.get("destination")
    first = destinations[0] if isinstance(destinations, list) and destinations else None
    header_id = _safe_id(header.get("id"))
    event = header.get("eventCoding")
    code = event.get("code") if isinstance(event, Mapping) else None
    return _Received(
        bundle_id=_safe_id(raw.get("id")),
        header_id=header_id,
        source_endpoint=_sor_endpoint(source.get("endpoint"))
        if isinstance(source, Mapping)
        else None,
        sender=_organization(found, header.get("sender")),
        receiver=_organization(found, first.get("receiver"))
        if isinstance(first, Mapping)
        else None,
        provenance=_current_provenance(found, header) if header_id else None,
        event=code
        if isinstance(event, Mapping)
        and event.get("system") == EVENT_SYSTEM
        and isinstance(code, str)
        and _CODE.fullmatch(code)
        else None,
    )


def _instant(when: datetime) -> str:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("the receive time needs a UTC offset")
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _narrative(text: str) -> dict[str, str]:
    return {
        "status": "generated",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(text)}</p></div>',
    }


def _ref(resource_type: str, resource_id: str) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def _org_resource(org_id: str, org: _Org, role: str) -> dict[str, Any]:
    identifiers = [{"system": SOR_SYSTEM, "value": org.sor}]
    if org.gln:
        identifiers.insert(0, {"system": GLN_SYSTEM, "value": org.gln})
    resource: dict[str, Any] = {
        "resourceType": "Organization",
        "id": org_id,
        "meta": {"profile": [PROFILES["Organization"]]},
        "text": _narrative(f"{role}: SOR {org.sor}"),
        "identifier": identifiers,
    }
    if org.name:
        resource["name"] = org.name
    return resource


def _issue(reason: str, outcome: str) -> dict[str, Any]:
    text = redact(reason)
    detail = (
        TRANSIENT_DETAIL
        if outcome == "transient-error"
        else next((code for pattern, code in ISSUE_DETAILS if pattern.search(text)), None)
    )
    details: dict[str, Any] = {"text": text}
    if detail:
        details = {"coding": [{"system": ISSUE_DETAILS_SYSTEM, "code": detail}], **details}
    issue: dict[str, Any] = {"severity": "error", "code": ISSUE_CODE[outcome], "details": details}
    match = _PATH.match(text)
    if match:
        issue["expression"] = [_ENTRY_OF_TYPE.sub(r".entry.resource.ofType(\1)", match.group(1))]
    return issue


def _copied_provenance(
    copied: _Provenance, received_header_id: str, us_id: str | None, them_id: str | None
) -> dict[str, Any]:
    """The received message's current Provenance, ids and codes only, its agent mapped to the
    Organization here (the received sender is the acknowledgement's receiver)."""
    who_id = {"sender": them_id, "receiver": us_id}.get(copied.agent or "")
    activity = copied.activity[0] if copied.activity else "unknown"
    provenance: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": copied.id,
        "meta": {"profile": [PROFILES["Provenance"]]},
        "text": _narrative(f"The acknowledged message ({activity}), as its sender recorded it"),
        "target": [_ref("MessageHeader", received_header_id)],
    }
    if copied.occurred:
        provenance["occurredDateTime"] = copied.occurred
    provenance["recorded"] = copied.recorded
    if copied.activity:
        provenance["activity"] = {
            "coding": [{"system": ACTIVITY_SYSTEM, "code": code} for code in copied.activity]
        }
    provenance["agent"] = [
        {"who": _ref("Organization", who_id) if who_id else {"display": "sender of message"}}
    ]
    if copied.entities:
        provenance["entity"] = [dict(e) for e in copied.entities]
    return provenance


def acknowledgement_bundle(
    ack: MedcomAcknowledgement,
    raw: object,
    received_at: datetime,
    *,
    our_sor: str | None = None,
) -> dict[str, Any]:
    """The MedCom Acknowledgement message answering `raw` (the received message, as JSON text,
    bytes or a decoded object; anything, however broken) with `ack`'s outcome and reasons.

    `our_sor` is the SOR code we receive for, used when the received message names no
    receiver with a SOR code. The same (`ack`, `raw`, `received_at`) give the same Bundle."""
    got = _read(raw)
    header_id_received = ack.message_header_id or got.header_id
    bundle_id_received = ack.bundle_id or got.bundle_id
    key = "|".join(
        (
            bundle_id_received or "",
            header_id_received or "",
            "" if bundle_id_received or header_id_received else _fingerprint(raw),
            ack.outcome,
        )
    )

    def new_id(part: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{key}|{part}"))

    at = _instant(received_at)
    header_id = new_id("MessageHeader")
    provenance_id = new_id("Provenance")
    us = got.receiver or (_Org(sor=our_sor) if our_sor and _SOR.fullmatch(our_sor) else None)
    us_id = new_id("Organization/sender") if us else None
    them = got.sender
    them_id = new_id("Organization/receiver") if them else None
    outcome_id = new_id("OperationOutcome") if ack.outcome != "ok" else None

    response: dict[str, Any] = {
        "identifier": header_id_received or bundle_id_received or UNKNOWN_MESSAGE,
        "code": ack.outcome,
    }
    if outcome_id:
        response["details"] = _ref("OperationOutcome", outcome_id)
    header: dict[str, Any] = {
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": {"profile": [PROFILES["MessageHeader"]]},
        "text": _narrative(f"Acknowledgement ({ack.outcome}) of message {response['identifier']}"),
        "eventCoding": {"system": EVENT_SYSTEM, "code": ACKNOWLEDGEMENT_EVENT},
    }
    destination_endpoint = SOR_ENDPOINT + them.sor if them else got.source_endpoint
    if destination_endpoint:
        destination: dict[str, Any] = {
            "extension": [
                {
                    "url": DESTINATION_USE_URL,
                    "valueCoding": {"system": DESTINATION_USE_SYSTEM, "code": "primary"},
                }
            ],
            "endpoint": destination_endpoint,
        }
        if them_id:
            destination["receiver"] = _ref("Organization", them_id)
        header["destination"] = [destination]
    if us_id:
        header["sender"] = _ref("Organization", us_id)
    header["source"] = {"endpoint": SOR_ENDPOINT + us.sor if us else LOCAL_ENDPOINT}
    header["response"] = response
    header["definition"] = MESSAGE_DEFINITION

    provenance: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": provenance_id,
        "meta": {"profile": [PROFILES["Provenance"]]},
        "text": _narrative(f"Acknowledgement ({ack.outcome}) sent"),
        "target": [_ref("MessageHeader", header_id)],
        "occurredDateTime": at,
        "recorded": at,
        "activity": {"coding": [{"system": ACTIVITY_SYSTEM, "code": ACKNOWLEDGEMENT_ACTIVITY}]},
        "agent": [
            {"who": _ref("Organization", us_id) if us_id else {"display": "receiver of message"}}
        ],
    }
    if header_id_received:
        provenance["entity"] = [
            {"role": "revision", "what": _ref("MessageHeader", header_id_received)}
        ]

    resources: list[dict[str, Any]] = [header, provenance]
    copied = got.provenance if got.header_id and got.header_id == header_id_received else None
    if copied is not None and copied.id not in {header_id, provenance_id}:
        resources.append(_copied_provenance(copied, got.header_id or "", us_id, them_id))
    if us and us_id:
        resources.append(_org_resource(us_id, us, "Sender of the acknowledgement"))
    if them and them_id:
        resources.append(_org_resource(them_id, them, "Receiver of the acknowledgement"))
    if outcome_id:
        reasons = ack.reasons or [f"Bundle: {ack.outcome}"]
        resources.append(
            {
                "resourceType": "OperationOutcome",
                "id": outcome_id,
                "meta": {"profile": [PROFILES["OperationOutcome"]]},
                "text": _narrative(f"{len(reasons)} issue(s): {ack.outcome}"),
                "issue": [_issue(r, ack.outcome) for r in reasons],
            }
        )
    return {
        "resourceType": "Bundle",
        "id": new_id("Bundle"),
        "meta": {"profile": [PROFILES["Bundle"]]},
        "type": "message",
        "timestamp": at,
        "entry": [
            {"fullUrl": f"{FULL_URL_BASE}{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }


def wants_fhir(accept: str | None) -> bool:
    """Whether an Accept header asks for FHIR JSON (`application/fhir+json`, any parameters)."""
    if not accept:
        return False
    return any(part.split(";", 1)[0].strip().lower() == MEDIA_TYPE for part in accept.split(","))
