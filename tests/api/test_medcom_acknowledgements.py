"""Acknowledgements for the CareCommunications we sent: recorded on our message when they come
from the municipality we sent it to, refused (naming the element, never 500) otherwise."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from db import medcom_outbox
from db.pool import DatabasePool
from schemas.medcom import EVENT_SYSTEM, SOR_SYSTEM
from tests.api.conftest import TokenCaller

URL = "/api/medcom/acknowledgements"
ACK_PROFILE = "http://medcomfhir.dk/ig/acknowledgement/StructureDefinition/"


@dataclass(frozen=True)
class Municipality:
    organisation_id: str
    sor: str


@dataclass(frozen=True)
class Sent:
    message_id: str
    header_id: str
    receiver: Municipality


def _sor() -> str:
    return str(10**14 + secrets.randbelow(9 * 10**14))


async def _municipality(pool: DatabasePool) -> Municipality:
    key = uuid.uuid4().hex[:12]
    found = Municipality(f"mun-{key}", _sor())
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO organisations (organisation_id, name, kind)"
            " VALUES ($1, $2, 'municipality')",
            found.organisation_id,
            f"Test municipality {key}",
        )
        await conn.execute(
            "INSERT INTO municipalities (municipality_code, name, organisation_id, sor_code)"
            " VALUES ($1, $2, $3, $4)",
            f"t{key}",
            f"Test {key}",
            found.organisation_id,
            found.sor,
        )
    return found


async def _sent_to(pool: DatabasePool, receiver: Municipality) -> Sent:
    key = uuid.uuid4().hex[:12]
    async with pool.acquire() as conn:
        row = await medcom_outbox.prepare(
            conn,
            message_id=f"episode-{key}-cc1",
            episode_id=f"episode-{key}",
            kind="discharge",
            bundle_id=str(uuid.uuid4()),
            message_header_id=str(uuid.uuid4()),
            receiver_sor=receiver.sor,
        )
        await medcom_outbox.mark_sent(conn, row.message_id, 1)
    return Sent(row.message_id, row.message_header_id, receiver)


def acknowledgement(
    answered: str, code: str, sender_sor: str, *, issue_code: str | None = None
) -> dict[str, Any]:
    """A MedCom Acknowledgement Bundle as a municipality's system sends one."""
    header_id, sender_id, provenance_id = (str(uuid.uuid4()) for _ in range(3))
    base = "https://municipality.example/fhir"
    header: dict[str, Any] = {
        "resourceType": "MessageHeader",
        "id": header_id,
        "meta": {"profile": [ACK_PROFILE + "medcom-messaging-acknowledgementHeader"]},
        "eventCoding": {"system": EVENT_SYSTEM, "code": "acknowledgement-message"},
        "destination": [{"endpoint": "https://sor2.sum.dsdn.dk/#id=123456789012345"}],
        "sender": {"reference": f"Organization/{sender_id}"},
        "source": {"endpoint": f"https://sor2.sum.dsdn.dk/#id={sender_sor}"},
        "response": {"identifier": answered, "code": code},
    }
    entries: list[dict[str, Any]] = [
        {"fullUrl": f"{base}/MessageHeader/{header_id}", "resource": header},
        {
            "fullUrl": f"{base}/Organization/{sender_id}",
            "resource": {
                "resourceType": "Organization",
                "id": sender_id,
                "identifier": [{"system": SOR_SYSTEM, "value": sender_sor}],
                "name": "Test municipality",
            },
        },
        {
            "fullUrl": f"{base}/Provenance/{provenance_id}",
            "resource": {
                "resourceType": "Provenance",
                "id": provenance_id,
                "target": [{"reference": f"MessageHeader/{header_id}"}],
                "recorded": "2026-12-03T10:00:00+01:00",
                "agent": [{"who": {"reference": f"Organization/{sender_id}"}}],
            },
        },
    ]
    if issue_code is not None:
        outcome_id = str(uuid.uuid4())
        header["response"]["details"] = {"reference": f"OperationOutcome/{outcome_id}"}
        entries.append(
            {
                "fullUrl": f"{base}/OperationOutcome/{outcome_id}",
                "resource": {
                    "resourceType": "OperationOutcome",
                    "id": outcome_id,
                    "issue": [
                        {
                            "severity": "error",
                            "code": "structure",
                            "details": {"coding": [{"code": issue_code}], "text": "Jens 0101"},
                        }
                    ],
                },
            }
        )
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "message",
        "timestamp": "2026-12-03T10:00:00+01:00",
        "entry": entries,
    }


async def _row(pool: DatabasePool, header_id: str) -> medcom_outbox.OutboxMessage:
    async with pool.acquire() as conn:
        row = await medcom_outbox.by_header(conn, header_id)
    assert row is not None
    return row


async def test_a_positive_acknowledgement_marks_our_message_acknowledged(
    db_pool: DatabasePool, as_token: TokenCaller
) -> None:
    sent = await _sent_to(db_pool, await _municipality(db_pool))
    gateway = await as_token("medcom_gateway", organisations=[sent.receiver.organisation_id])

    answer = await gateway.post(URL, json=acknowledgement(sent.header_id, "ok", sent.receiver.sor))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "outcome": "recorded",
        "acknowledged_message_header_id": sent.header_id,
        "code": "ok",
        "message_status": "acknowledged",
    }
    row = await _row(db_pool, sent.header_id)
    assert (row.status, row.ack_code, row.acknowledged_at is not None) == (
        "acknowledged",
        "ok",
        True,
    )
    # A repeat changes nothing.
    again = await gateway.post(URL, json=acknowledgement(sent.header_id, "ok", sent.receiver.sor))
    assert again.status_code == 200
    assert (await _row(db_pool, sent.header_id)).status == "acknowledged"


async def test_a_fatal_error_rejects_the_message_keeping_only_the_issue_code(
    db_pool: DatabasePool, as_token: TokenCaller
) -> None:
    sent = await _sent_to(db_pool, await _municipality(db_pool))
    gateway = await as_token("medcom_gateway", organisations=[sent.receiver.organisation_id])
    bundle = acknowledgement(
        sent.header_id, "fatal-error", sent.receiver.sor, issue_code="patient-unknown"
    )

    answer = await gateway.post(URL, json=bundle)

    assert answer.status_code == 200, answer.text
    assert answer.json()["message_status"] == "rejected"
    row = await _row(db_pool, sent.header_id)
    assert (row.ack_code, row.ack_reason) == ("fatal-error", "patient-unknown")
    assert "Jens" not in row.model_dump_json()


async def test_a_transient_error_leaves_the_message_open_for_the_next_attempt(
    db_pool: DatabasePool, as_token: TokenCaller
) -> None:
    sent = await _sent_to(db_pool, await _municipality(db_pool))
    gateway = await as_token("medcom_gateway", organisations=[sent.receiver.organisation_id])

    answer = await gateway.post(
        URL, json=acknowledgement(sent.header_id, "transient-error", sent.receiver.sor)
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["message_status"] == "sent"
    assert (await _row(db_pool, sent.header_id)).ack_code == "transient-error"


async def test_an_acknowledgement_from_another_municipality_is_refused_and_audited(
    db_pool: DatabasePool, as_token: TokenCaller
) -> None:
    sent = await _sent_to(db_pool, await _municipality(db_pool))
    other = await _municipality(db_pool)
    gateway = await as_token("medcom_gateway", organisations=[other.organisation_id])

    answer = await gateway.post(URL, json=acknowledgement(sent.header_id, "ok", other.sor))

    assert answer.status_code == 403
    assert answer.json()["errors"] == [
        {
            "field": "Bundle.entry[MessageHeader].sender",
            "reason": "is not the organisation the message was sent to",
        }
    ]
    assert (await _row(db_pool, sent.header_id)).status == "sent"
    async with db_pool.acquire() as conn:
        audited = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'medcom_refused' AND episode_id = $1",
            sent.message_id.removesuffix("-cc1"),
        )
    assert audited == 1


async def test_a_token_may_not_speak_for_a_sor_code_it_is_not_bound_to(
    db_pool: DatabasePool, as_token: TokenCaller
) -> None:
    sent = await _sent_to(db_pool, await _municipality(db_pool))
    other = await _municipality(db_pool)
    gateway = await as_token("medcom_gateway", organisations=[other.organisation_id])

    answer = await gateway.post(URL, json=acknowledgement(sent.header_id, "ok", sent.receiver.sor))

    assert answer.status_code == 403
    assert answer.json()["errors"][0]["reason"] == (
        "this token may not send for this sender's SOR code"
    )
    assert (await _row(db_pool, sent.header_id)).status == "sent"


async def test_an_acknowledgement_of_a_message_we_never_sent_is_refused(
    db_pool: DatabasePool, as_token: TokenCaller
) -> None:
    municipality = await _municipality(db_pool)
    gateway = await as_token("medcom_gateway", organisations=[municipality.organisation_id])

    answer = await gateway.post(
        URL, json=acknowledgement(str(uuid.uuid4()), "ok", municipality.sor)
    )

    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": "Bundle.entry[MessageHeader].response.identifier",
            "reason": "answers no message we sent",
        }
    ]


def _without_response(bundle: dict[str, Any]) -> dict[str, Any]:
    del bundle["entry"][0]["resource"]["response"]
    return bundle


def _with_event(bundle: dict[str, Any], code: str) -> dict[str, Any]:
    bundle["entry"][0]["resource"]["eventCoding"]["code"] = code
    return bundle


def _with_code(bundle: dict[str, Any], code: str) -> dict[str, Any]:
    bundle["entry"][0]["resource"]["response"]["code"] = code
    return bundle


@pytest.mark.parametrize(
    ("spoil", "field"),
    [
        (_without_response, "Bundle.entry[MessageHeader].response"),
        (
            lambda b: _with_event(b, "care-communication-message"),
            "Bundle.entry[MessageHeader].eventCoding",
        ),
        (lambda b: _with_code(b, "maybe"), "Bundle.entry[MessageHeader].response.code"),
        # A NUL is refused by the API's input check, which names the JSON path.
        (lambda b: _with_code(b, "ok\x00"), "entry.0.resource.response.code"),
        (lambda b: {**b, "type": "collection"}, "Bundle.type"),
        (lambda b: [b], "Bundle"),
    ],
)
async def test_a_malformed_acknowledgement_is_refused_naming_the_element(
    db_pool: DatabasePool, as_token: TokenCaller, spoil: Any, field: str
) -> None:
    sent = await _sent_to(db_pool, await _municipality(db_pool))
    gateway = await as_token("medcom_gateway", organisations=[sent.receiver.organisation_id])

    answer = await gateway.post(
        URL, json=spoil(acknowledgement(sent.header_id, "ok", sent.receiver.sor))
    )

    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field
    assert (await _row(db_pool, sent.header_id)).status == "sent"


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"a": "\\ud800"}', b"[" * 100_000 + b"]" * 100_000, b"x" * 2_000_001],
)
async def test_broken_bodies_are_refused_not_500(
    as_token: TokenCaller, db_pool: DatabasePool, body: bytes
) -> None:
    municipality = await _municipality(db_pool)
    gateway = await as_token("medcom_gateway", organisations=[municipality.organisation_id])

    answer = await gateway.post(URL, content=body, headers={"Content-Type": "application/json"})

    # Refused by the API's own input checks (size, depth, characters) or as no JSON.
    assert answer.status_code in {413, 422}, answer.text
    assert answer.json()["errors"][0]["field"] in {"Bundle", "body", "a"}


async def test_a_person_cannot_post_acknowledgements(
    db_pool: DatabasePool, as_token: TokenCaller
) -> None:
    sent = await _sent_to(db_pool, await _municipality(db_pool))
    operator = await as_token("operator")

    answer = await operator.post(
        URL,
        content=json.dumps(acknowledgement(sent.header_id, "ok", sent.receiver.sor)),
        headers={"Content-Type": "application/fhir+json"},
    )

    assert answer.status_code == 403
    assert (await _row(db_pool, sent.header_id)).status == "sent"
