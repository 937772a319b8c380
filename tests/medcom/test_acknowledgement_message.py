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
    MEDIA_TYPE,
    PROFILES,
    acknowledgement_bundle,
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
from tests.medcom.bundles import cpr_of, drop, example, header_id, resource

RECEIVED_AT = datetime(2026, 3, 2, 10, 15, 30, 250000, tzinfo=UTC)
ADMISSION = "a5e5"


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


def _received(outcome: str) -> tuple[dict[str, Any], MedcomAcknowledgement]:
    """A received message and what we answer it, for each outcome."""
    bundle = example(ADMISSION)
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

    (provenance,) = _resources(bundle, "Provenance")
    assert _resolve(bundle, provenance["target"][0]) is header
    assert provenance["activity"]["coding"] == [
        {"system": ACTIVITY_SYSTEM, "code": ACKNOWLEDGEMENT_ACTIVITY}
    ]
    assert provenance["occurredDateTime"] == provenance["recorded"] == bundle["timestamp"]
    assert _resolve(bundle, provenance["agent"][0]["who"]) is sender
    assert provenance["entity"] == [
        {"role": "revision", "what": {"reference": f"MessageHeader/{received_header['id']}"}}
    ]

    outcomes = _resources(bundle, "OperationOutcome")
    if outcome == "ok":
        assert outcomes == []
        assert "details" not in header["response"]
        assert len(bundle["entry"]) == 4
    else:
        (operation_outcome,) = outcomes
        assert _resolve(bundle, header["response"]["details"]) is operation_outcome
        assert len(operation_outcome["issue"]) == len(ack.reasons) >= 1
        for issue, reason in zip(operation_outcome["issue"], ack.reasons, strict=True):
            assert issue["severity"] == "error"
            assert issue["code"] == ("structure" if outcome == "fatal-error" else "transient")
            assert issue["diagnostics"] == reason
    if outcome == "fatal-error":
        first = outcomes[0]["issue"][0]
        assert first["expression"] == ["Bundle.entry.resource.ofType(Encounter).period.start"]
        assert first["diagnostics"].startswith("Bundle.entry[Encounter].period.start: ")


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_every_reference_inside_resolves_and_only_the_acknowledged_message_is_outside(
    outcome: str,
) -> None:
    received, ack = _received(outcome)
    bundle = acknowledgement_bundle(ack, received, RECEIVED_AT)
    outside = []
    for path, ref in _references(bundle):
        if path == ".entry.resource.entity.what":
            outside.append(ref["reference"])
            continue
        _resolve(bundle, ref)
    assert outside == [f"MessageHeader/{header_id(received)}"]


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
