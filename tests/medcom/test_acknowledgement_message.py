"""The MedCom Acknowledgement message: the IG's structure, code systems, inner references,
determinism, generic FHIR validity (fhir.resources) and no personal data; and over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle as R4BBundle
from pydantic import ValidationError

from activities.care_communication.bundle import (
    CareCommunicationContent,
    Citizen,
    Party,
    build_care_communication,
)
from api.medcom import (
    MedcomError,
    acknowledgement,
    fatal_error,
    parse_hospital_notification,
    transient_error,
)
from api.medcom.acknowledgement_bundle import (
    ACKNOWLEDGEMENT_ACTIVITY,
    ACKNOWLEDGEMENT_EVENT,
    DESTINATION_USE_SYSTEM,
    DESTINATION_USE_URL,
    FULL_URL_BASE,
    ISSUE_DETAILS_SYSTEM,
    MEDIA_TYPE,
    MESSAGE_DEFINITION,
    PROFILES,
    acknowledgement_bundle,
    is_acknowledgement,
    wants_fhir,
)
from api.medcom.parse import SOR_ENDPOINT
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from schemas.medcom import (
    ACTIVITY_SYSTEM,
    EVENT_SYSTEM,
    GLN_SYSTEM,
    SOR_SYSTEM,
    MedcomAcknowledgement,
)
from tests.api.conftest import TokenCaller, api_app, as_token  # noqa: F401 - the API setup
from tests.api.test_medcom_api import URL, as_new_message, fresh_cpr, from_sender, with_cpr
from tests.medcom.bundles import (
    CARE_DIR,
    cpr_of,
    current_provenance,
    drop,
    example,
    header_id,
    resource,
)

RECEIVED_AT = datetime(2026, 3, 2, 10, 15, 30, 250000, tzinfo=UTC)
ADMISSION = "a5e5"
DISCHARGE = "f4aa"  # a follow-up: its Provenance revises the admission's MessageHeader


def _org_sor(bundle: dict[str, Any], ref: dict[str, Any]) -> str:
    """The SOR code of the Organization a received message's reference points to."""
    org_id = ref["reference"].rsplit("/", 1)[-1]
    org = next(r for r in _resources(bundle, "Organization") if r["id"] == org_id)
    value: str = next(i["value"] for i in org["identifier"] if i["system"] == SOR_SYSTEM)
    return value


def _resources(bundle: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    ]


def _resolve(ack: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """The entry a `Type/id` reference points to: its fullUrl is the reference under the base."""
    found = [e for e in ack["entry"] if e["fullUrl"] == FULL_URL_BASE + ref["reference"]]
    assert len(found) == 1, f"{ref['reference']} resolves to one entry"
    resource: dict[str, Any] = found[0]["resource"]
    return resource


def _references(node: object, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "reference" in node:
            yield path, node
        for key, value in node.items():
            yield from _references(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _references(item, path)


def _received(
    outcome: str, prefix: str = ADMISSION
) -> tuple[dict[str, Any], MedcomAcknowledgement]:
    """A received message and what we answer it, for each outcome."""
    bundle = example(prefix)
    if outcome == "ok":
        return bundle, acknowledgement(parse_hospital_notification(bundle), bundle)
    if outcome == "transient-error":
        return bundle, transient_error("storage unavailable; send the message again", bundle)
    resource(bundle, "Encounter")["period"].pop("start")
    try:
        parse_hospital_notification(bundle)
    except MedcomError as err:
        return bundle, fatal_error(err, bundle)
    raise AssertionError("the broken example was accepted")


def _resolve_or_none(ack: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any] | None:
    found = [e for e in ack["entry"] if e["fullUrl"] == FULL_URL_BASE + ref["reference"]]
    return found[0]["resource"] if found else None


def _targeting(ack: dict[str, Any], message_header_id: str) -> list[dict[str, Any]]:
    return [
        p
        for p in _resources(ack, "Provenance")
        if p["target"] == [{"reference": f"MessageHeader/{message_header_id}"}]
    ]


def _own_provenance(ack: dict[str, Any]) -> dict[str, Any]:
    (own,) = _targeting(ack, _resources(ack, "MessageHeader")[0]["id"])
    return own


def _copied_provenance(ack: dict[str, Any], received_header_id: str) -> dict[str, Any]:
    (copy,) = _targeting(ack, received_header_id)
    return copy


def assert_r4(ack: dict[str, Any]) -> None:
    try:
        R4BBundle.model_validate(ack)
    except ValidationError as err:
        where = [".".join(str(p) for p in e["loc"]) for e in err.errors(include_input=False)]
        pytest.fail(f"the acknowledgement is not FHIR R4B: {where}")


OUTCOMES = ["ok", "transient-error", "fatal-error"]


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_the_acknowledgement_has_what_the_profiles_require(outcome: str) -> None:
    received, ack = _received(outcome)
    assert ack.outcome == outcome
    bundle = acknowledgement_bundle(ack, received, RECEIVED_AT)
    received_header = resource(received, "MessageHeader")

    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "message"
    assert bundle["meta"]["profile"] == [PROFILES["Bundle"]]
    assert bundle["timestamp"] == "2026-03-02T10:15:30.250Z"
    assert bundle["entry"][0]["resource"]["resourceType"] == "MessageHeader"
    for entry in bundle["entry"]:
        res = entry["resource"]
        assert entry["fullUrl"] == f"{FULL_URL_BASE}{res['resourceType']}/{res['id']}"
        assert res["meta"]["profile"] == [PROFILES[res["resourceType"]]]
        assert res["text"]["status"] == "generated"

    (header,) = _resources(bundle, "MessageHeader")
    assert header["eventCoding"] == {"system": EVENT_SYSTEM, "code": ACKNOWLEDGEMENT_EVENT}
    (destination,) = header["destination"]  # one, primary: no carbon copy
    assert destination["extension"] == [
        {
            "url": DESTINATION_USE_URL,
            "valueCoding": {"system": DESTINATION_USE_SYSTEM, "code": "primary"},
        }
    ]
    # Sender and receiver swapped: we answer whoever sent to us.
    their_sor = _org_sor(received, received_header["sender"])
    our_sor = _org_sor(received, received_header["destination"][0]["receiver"])
    assert destination["endpoint"] == received_header["source"]["endpoint"]
    assert destination["endpoint"] == SOR_ENDPOINT + their_sor
    assert header["source"]["endpoint"] == received_header["destination"][0]["endpoint"]
    assert header["source"]["endpoint"] == SOR_ENDPOINT + our_sor
    receiver = _resolve(bundle, destination["receiver"])
    sender = _resolve(bundle, header["sender"])
    for org, sor in ((receiver, their_sor), (sender, our_sor)):
        assert org["resourceType"] == "Organization"
        systems = {i["system"]: i["value"] for i in org["identifier"]}
        assert systems[SOR_SYSTEM] == sor
        assert GLN_SYSTEM in systems, "MedComMessagingOrganization: SOR and EAN identifiers"
        assert org["name"]

    assert header["response"]["identifier"] == received_header["id"] == ack.message_header_id
    assert header["response"]["code"] == outcome

    assert header["definition"] == MESSAGE_DEFINITION

    provenance = _own_provenance(bundle)
    assert _resolve(bundle, provenance["target"][0]) is header
    assert provenance["activity"]["coding"] == [
        {"system": ACTIVITY_SYSTEM, "code": ACKNOWLEDGEMENT_ACTIVITY}
    ]
    assert provenance["occurredDateTime"] == provenance["recorded"] == bundle["timestamp"]
    assert _resolve(bundle, provenance["agent"][0]["who"]) is sender
    assert provenance["entity"] == [
        {"role": "revision", "what": {"reference": f"MessageHeader/{received_header['id']}"}}
    ]
    # Next to it, the received message's own Provenance (target: its MessageHeader).
    copy = _copied_provenance(bundle, received_header["id"])
    original = current_provenance(received)
    assert copy["id"] == original["id"]
    assert copy["meta"]["profile"] == [PROFILES["Provenance"]]
    for element in ("occurredDateTime", "recorded", "activity"):
        assert copy[element] == original[element]
    assert _resolve(bundle, copy["agent"][0]["who"]) is receiver, "its agent: who sent it"

    outcomes = _resources(bundle, "OperationOutcome")
    if outcome == "ok":
        assert outcomes == []
        assert "details" not in header["response"]
        assert len(bundle["entry"]) == 5
    else:
        (operation_outcome,) = outcomes
        assert _resolve(bundle, header["response"]["details"]) is operation_outcome
        assert len(operation_outcome["issue"]) == len(ack.reasons) >= 1
        for issue, reason in zip(operation_outcome["issue"], ack.reasons, strict=True):
            assert issue["severity"] == "error"
            assert issue["code"] == ("structure" if outcome == "fatal-error" else "transient")
            assert issue["details"]["text"] == reason
    if outcome == "transient-error":
        (issue,) = outcomes[0]["issue"]
        assert issue["details"]["coding"] == [
            {"system": ISSUE_DETAILS_SYSTEM, "code": "MSG_Mailbox_Out_Of_Operation"}
        ]
    if outcome == "fatal-error":
        first = outcomes[0]["issue"][0]
        assert first["expression"] == ["Bundle.entry.resource.ofType(Encounter).period.start"]
        assert first["details"]["text"].startswith("Bundle.entry[Encounter].period.start: ")
        assert "coding" not in first["details"], "no MedCom code fits a missing start"


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("prefix", [ADMISSION, DISCHARGE])
def test_every_reference_inside_resolves_and_only_the_acknowledged_messages_are_outside(
    outcome: str, prefix: str
) -> None:
    received, ack = _received(outcome, prefix)
    bundle = acknowledgement_bundle(ack, received, RECEIVED_AT)
    outside = []
    for path, ref in _references(bundle):
        inner = path in (".entry.resource.entity.what", ".entry.resource.target")
        if inner and _resolve_or_none(bundle, ref) is None:
            outside.append(ref["reference"])
            continue
        _resolve(bundle, ref)
    earlier = [
        e["what"]["reference"]
        for e in current_provenance(received).get("entity", [])
        if "reference" in e["what"]
    ]
    # The received message (ours and the copy point to it) and what it revises, nothing else.
    assert sorted(outside) == sorted([f"MessageHeader/{header_id(received)}"] * 2 + earlier)
    assert (prefix == DISCHARGE) == bool(earlier)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_a_repeat_gets_the_same_acknowledgement(outcome: str) -> None:
    received, ack = _received(outcome)
    first = acknowledgement_bundle(ack, received, RECEIVED_AT)
    again_received, again_ack = _received(outcome)
    again = acknowledgement_bundle(again_ack, json.dumps(again_received), RECEIVED_AT)
    assert json.dumps(first, sort_keys=True) == json.dumps(again, sort_keys=True)
    other = acknowledgement_bundle(ack, received, datetime(2026, 3, 3, tzinfo=UTC))
    assert other["id"] == first["id"], "a later receive changes the times, not the ids"
    ids = {e["resource"]["id"] for e in first["entry"]} | {first["id"]}
    assert len(ids) == len(first["entry"]) + 1


def test_each_outcome_is_its_own_message() -> None:
    ids = {
        acknowledgement_bundle(_received(o)[1], _received(o)[0], RECEIVED_AT)["id"]
        for o in OUTCOMES
    }
    assert len(ids) == 3


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_fhir_resources_reads_it(outcome: str) -> None:
    received, ack = _received(outcome)
    assert_r4(acknowledgement_bundle(ack, received, RECEIVED_AT))


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_no_personal_data_of_the_received_message(outcome: str) -> None:
    received, ack = _received(outcome)
    text = json.dumps(acknowledgement_bundle(ack, received, RECEIVED_AT))
    patient = resource(received, "Patient")
    assert cpr_of(received) not in text
    names = [
        part
        for name in patient.get("name", [])
        for part in [name.get("family"), *name.get("given", [])]
        if part
    ]
    assert names, "the example names its patient"
    for part in names:
        assert part not in text
    assert "Patient" not in text and "Encounter/" not in text


@pytest.mark.parametrize(
    "raw",
    [
        b"<xml/>",
        {"resourceType": "Bundle", "type": "message", "id": "b-1", "entry": []},
        "not even json",
        None,
    ],
    ids=["xml", "no-header", "text", "nothing"],
)
def test_a_message_too_broken_to_know_its_sender_still_gets_fhir(raw: object) -> None:
    ack = fatal_error(MedcomError("Bundle", "not a JSON document"), raw)
    bundle = acknowledgement_bundle(ack, raw, RECEIVED_AT, our_sor="953741000016009")
    assert_r4(bundle)
    (header,) = _resources(bundle, "MessageHeader")
    assert header["response"]["code"] == "fatal-error"
    assert "destination" not in header, "nobody known to address"
    assert header["source"]["endpoint"] == SOR_ENDPOINT + "953741000016009"
    expected = "b-1" if isinstance(raw, dict) else "unknown"
    assert header["response"]["identifier"] == expected
    for _, ref in _references(bundle):
        _resolve(bundle, ref)
    assert acknowledgement_bundle(ack, raw, RECEIVED_AT, our_sor="953741000016009") == bundle


def test_a_message_without_its_sender_organisation_is_answered_at_its_source() -> None:
    received = example(ADMISSION)
    sender_ref = resource(received, "MessageHeader")["sender"]["reference"]
    received["entry"] = [
        e
        for e in received["entry"]
        if f"{e['resource']['resourceType']}/{e['resource'].get('id')}" != sender_ref
    ]
    drop(received, "Patient")
    ack = fatal_error(MedcomError("Bundle.entry[Patient]", "no Patient in the bundle"), received)
    bundle = acknowledgement_bundle(ack, received, RECEIVED_AT)
    assert_r4(bundle)
    (header,) = _resources(bundle, "MessageHeader")
    (destination,) = header["destination"]
    assert destination["endpoint"] == resource(received, "MessageHeader")["source"]["endpoint"]
    assert "receiver" not in destination
    assert header["response"]["identifier"] == header_id(received)


def _care_communications() -> dict[str, dict[str, Any]]:
    """A received CareCommunication: MedCom's reply example and one as we build them."""
    reply = json.loads(
        (CARE_DIR / "Bundle-b56549f7-ed10-422d-8088-f7222b686e46.json").read_text("utf-8")
    )
    ours = build_care_communication(
        CareCommunicationContent(
            message_id="ep-6a1b2c3d4e5f-cc1",
            sender=Party(sor="265161000016000", ean="5790000209354", name="Psykiatrisk afsnit"),
            receiver=Party(sor="953741000016009", ean="5790001348120", name="Herlev Kommune"),
            citizen=Citizen(cpr="0102851234", family="Hansen", given=("Anne",)),
            category="discharge",
            topic="Udskrivelse",
            text="Anne er udskrevet.",
            written_at=datetime(2026, 12, 3, 14, 30, 5, tzinfo=UTC),
            author_role="Koordinator",
        )
    ).body
    return {"medcom-reply": reply, "ours-new": ours}


@pytest.mark.parametrize("name", ["medcom-reply", "ours-new"])
def test_a_care_communication_is_acknowledged_the_same_way(name: str) -> None:
    received = _care_communications()[name]
    received_header = resource(received, "MessageHeader")
    ack = MedcomAcknowledgement(
        outcome="ok", bundle_id=received["id"], message_header_id=received_header["id"]
    )
    bundle = acknowledgement_bundle(ack, received, RECEIVED_AT)
    assert_r4(bundle)
    (header,) = _resources(bundle, "MessageHeader")
    assert header["response"] == {"identifier": received_header["id"], "code": "ok"}
    assert header["destination"][0]["endpoint"] == received_header["source"]["endpoint"]
    assert header["source"]["endpoint"] == received_header["destination"][0]["endpoint"]
    # The copy carries the received current Provenance's entities: the segments it added and,
    # for a reply, the message it answers.
    copy = _copied_provenance(bundle, received_header["id"])
    original = current_provenance(received)
    assert copy["entity"] == original["entity"]
    assert copy["activity"] == original["activity"]
    receiver = _resolve(bundle, header["destination"][0]["receiver"])
    assert _resolve(bundle, copy["agent"][0]["who"]) is receiver
    for entry in bundle["entry"]:
        assert entry["fullUrl"].startswith(FULL_URL_BASE)
        assert "medcomfhir.dk/ig/" not in entry["fullUrl"]
    text = json.dumps(bundle)
    assert cpr_of(received) not in text
    patient = resource(received, "Patient")
    for part in [patient["name"][0]["family"], *patient["name"][0].get("given", [])]:
        assert part not in text
    texts = [
        p["contentString"]
        for p in resource(received, "Communication")["payload"]
        if "contentString" in p
    ]
    assert texts and all(t[:20] not in text for t in texts)
    assert not is_acknowledgement(received)
    assert is_acknowledgement(bundle), "an Acknowledgement is told, so it is never answered"


def test_what_is_copied_of_the_received_provenance_is_ids_and_codes_only() -> None:
    received = example(DISCHARGE)
    cpr = cpr_of(received)
    original = current_provenance(received)
    original["agent"][0]["who"]["display"] = "Overlæge Jensen"
    original["reason"] = [{"text": "Hansen blev udskrevet"}]
    original["entity"].append({"role": "source", "what": {"identifier": {"value": cpr}}})
    original["entity"].append({"role": "derivation", "what": {"reference": "Patient/x"}})
    ack = acknowledgement(parse_hospital_notification(received), received)
    bundle = acknowledgement_bundle(ack, received, RECEIVED_AT)
    assert_r4(bundle)
    copy = _copied_provenance(bundle, header_id(received))
    assert copy["entity"] == original["entity"][:1], "only the revision of the admission"
    assert "reason" not in copy
    text = json.dumps(bundle)
    for secret in (cpr, "Jensen", "Hansen"):
        assert secret not in text


def test_without_a_readable_current_provenance_there_is_no_copy() -> None:
    received = example(ADMISSION)
    current_provenance(received)["recorded"] = "yesterday"
    ack = transient_error("storage unavailable", received)
    bundle = acknowledgement_bundle(ack, received, RECEIVED_AT)
    assert_r4(bundle)
    assert _targeting(bundle, header_id(received)) == []
    assert len(_resources(bundle, "Provenance")) == 1


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (
            "Bundle.entry[MessageHeader].eventCoding: must be "
            "medcom-messaging-eventCodes#care-communication-message",
            "MSG_RECEIVER_UNABLE_TO_RECEIVE_MSG_TYPE",
        ),
        (
            "Bundle.entry[MessageHeader].destination[0].receiver: "
            "the reply is addressed to another receiver",
            "MSG_Receiver_Identifier_UNKNOWN",
        ),
        (
            "Bundle.entry[Communication].payload: longer than 20000 characters",
            "MSG_Element_To_Long",
        ),
        (
            "Bundle.entry[Communication].category: "
            "needs a code from medcom-careCommunication-categoryCodes",
            "MSG_CodeSystem_VALUE_UNKNOWN",
        ),
        ("Bundle: not a JSON document", None),
    ],
)
def test_issue_details_carry_a_medcom_code_where_one_fits(reason: str, code: str | None) -> None:
    field, why = reason.split(": ", 1)
    received = example(ADMISSION)
    ack = fatal_error(MedcomError(field, why), received)
    (outcome,) = _resources(acknowledgement_bundle(ack, received, RECEIVED_AT), "OperationOutcome")
    (issue,) = outcome["issue"]
    assert issue["details"]["text"] == reason
    if code is None:
        assert "coding" not in issue["details"]
    else:
        assert issue["details"]["coding"] == [{"system": ISSUE_DETAILS_SYSTEM, "code": code}]


def test_accept_header() -> None:
    assert wants_fhir("application/fhir+json")
    assert wants_fhir("application/json, application/fhir+json; fhirVersion=4.0")
    assert not wants_fhir("application/json")
    assert not wants_fhir(None)


async def test_the_route_answers_with_the_acknowledgement_bundle_when_asked_for_fhir(
    as_token: TokenCaller,  # noqa: F811
    db_pool: DatabasePool,
) -> None:
    roster = await make_roster(db_pool, peers=0)
    gateway = await as_token("medcom_gateway", sor_codes=[roster.ward_sor])
    cpr = fresh_cpr()
    sent = from_sender(with_cpr(as_new_message(example(ADMISSION)), cpr), roster.ward_sor)
    fhir = {"Accept": MEDIA_TYPE}

    response = await gateway.post(URL, json=sent, headers=fhir)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    bundle = response.json()
    assert_r4(bundle)
    (header,) = _resources(bundle, "MessageHeader")
    assert header["response"] == {"identifier": header_id(sent), "code": "ok"}
    assert header["destination"][0]["endpoint"] == SOR_ENDPOINT + roster.ward_sor
    assert cpr not in response.text

    again = await gateway.post(URL, json=sent, headers=fhir)
    assert again.status_code == 200
    assert again.json()["id"] == bundle["id"], "a repeat gets the same acknowledgement"

    plain = await gateway.post(URL, json=sent)
    assert plain.headers["content-type"].startswith("application/json")
    assert plain.json()["outcome"] == "ok", "without Accept FHIR, today's JSON"
    assert plain.json()["message_header_id"] == header_id(sent)

    broken = await gateway.post(
        URL, content=b"<xml/>", headers={**fhir, "content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.headers["content-type"].startswith(MEDIA_TYPE)
    (broken_header,) = _resources(broken.json(), "MessageHeader")
    assert broken_header["response"]["code"] == "fatal-error"
    (outcome,) = _resources(broken.json(), "OperationOutcome")
    assert outcome["issue"][0]["expression"] == ["Bundle"]
