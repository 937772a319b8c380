"""Bad input at the HTTP boundary, case by case: each gets a clear answer naming what is wrong,
never a server error, and nothing of it is recorded. (Field-level faults of every event type
are the properties in test_event_properties.py.)"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.input_checks import MAX_JSON_DEPTH
from api.security import MAX_BODY_BYTES
from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller
from tests.api.test_medcom_api import URL as MEDCOM
from tests.api.test_medcom_api import as_new_message, fresh_cpr, with_cpr
from tests.medcom.bundles import drop, example, resource
from tests.medcom.received import events_under_header


async def recorded(pool: DatabasePool, event_id: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events_received WHERE event_id = $1", event_id
        )
    return count


def refusal(answer: httpx.Response, status: int, field: str, reason: str) -> None:
    """The answer has this status and names `field`, with a reason containing `reason`."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert any(e["field"] == field and reason in e["reason"] for e in body["errors"]), body
    assert field in body["detail"], body


async def citizens_with(pool: DatabasePool, cpr: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM citizens WHERE cpr = $1", cpr)
    return count


@pytest.fixture
async def roster(db_pool: DatabasePool) -> Roster:
    return await make_roster(db_pool, peers=0)


@pytest.fixture
async def ward(as_user: Caller, roster: Roster) -> httpx.AsyncClient:
    return await as_user(roster.ward_nurse)


@pytest.fixture
async def integration(as_token: Caller) -> httpx.AsyncClient:
    """A system with a token: no session cookie, so no CSRF question (test_boundary_attacks
    has the session's side)."""
    return await as_token("integration")


# --- bodies too large, not JSON, or JSON that cannot be stored --------------------------------


async def test_a_streamed_body_over_the_cap_is_refused_with_413_before_it_is_read_whole(
    ward: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    """No Content-Length to trust: the cap holds for chunked bodies too."""
    body = event_body("episode-0000000000", "risk_changed", {"elevated": True})
    padding = json.dumps({**body, "payload": {"elevated": True, "pad": "x" * MAX_BODY_BYTES}})
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        data = padding.encode()
        for start in range(0, len(data), 64_000):
            sent += 1
            yield data[start : start + 64_000]

    answer = await ward.post(
        "/api/events", content=chunks(), headers={"Content-Type": "application/json"}
    )
    refusal(answer, 413, "body", f"larger than {MAX_BODY_BYTES} bytes")
    assert await recorded(db_pool, body["event_id"]) == 0


async def test_a_medcom_message_over_the_cap_is_refused_with_413(as_token: Caller) -> None:
    gateway = await as_token("medcom_gateway")
    answer = await gateway.post(
        MEDCOM,
        content=b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}",
        headers={"Content-Type": "application/fhir+json"},
    )
    refusal(answer, 413, "body", "larger than")


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/jsonp",
    ],
)
async def test_a_body_that_does_not_say_it_is_json_is_refused_with_415(
    content_type: str | None, integration: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    """(With a session cookie instead of a token the same bodies get 403 before this: see
    tests/web/test_boundary_attacks.py.)"""
    body = event_body("episode-0000000000", "risk_changed", {"elevated": True})
    headers = {"Content-Type": content_type} if content_type else {}
    answer = await integration.post("/api/events", content=json.dumps(body), headers=headers)
    refusal(answer, 415, "Content-Type", "must be application/json")
    assert await recorded(db_pool, body["event_id"]) == 0


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/fhir+json"]
)
async def test_json_media_types_with_parameters_or_suffixes_are_taken(
    content_type: str, ward: httpx.AsyncClient
) -> None:
    body = event_body("episode-0000000000", "risk_changed", {"elevated": True})
    answer = await ward.post(
        "/api/events", content=json.dumps(body), headers={"Content-Type": content_type}
    )
    assert answer.status_code == 404, "past the media type check: the episode is unknown"


async def test_a_bodyless_decision_with_a_token_needs_no_content_type(
    integration: httpx.AsyncClient,
) -> None:
    answer = await integration.post("/api/tasks/no-such-task/accept")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "task_id: no such task for you"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"event_id": "e-1", "type": ', "not valid JSON at character 28"),
        (b"{'event_id': 'e-1'}", "not valid JSON at character 1"),
        (b'{"event_id": "e-1"} trailing', "not valid JSON"),
        (b'{"event_id": "\xff\xfe"}', "not UTF-8 text"),
        (b"[1, 2]", "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"", "a JSON object is required"),
        (b"[" * 2_000 + b"]" * 2_000, f"nested deeper than {MAX_JSON_DEPTH} levels"),
        (b'{"a":' * 100 + b"1" + b"}" * 100, f"nested deeper than {MAX_JSON_DEPTH} levels"),
    ],
    ids=[
        "truncated",
        "single-quotes",
        "trailing",
        "not-utf8",
        "array",
        "null",
        "empty",
        "deep-array",
        "deep-object",
    ],
)
async def test_a_body_that_is_not_a_json_object_is_refused_saying_why(
    content: bytes, reason: str, ward: httpx.AsyncClient
) -> None:
    answer = await ward.post(
        "/api/events", content=content, headers={"Content-Type": "application/json"}
    )
    refusal(answer, 422, "body", reason)


async def test_deeply_nested_medcom_json_is_a_fatal_error_not_a_crash(as_token: Caller) -> None:
    gateway = await as_token("medcom_gateway")
    for content in (b"[" * 5_000 + b"]" * 5_000, b'{"a":' * 100 + b"1" + b"}" * 100):
        answer = await gateway.post(
            MEDCOM, content=content, headers={"Content-Type": "application/fhir+json"}
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["outcome"] == "fatal-error"
        assert answer.json()["reasons"] == [f"Bundle: nested deeper than {MAX_JSON_DEPTH} levels"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("Godt\u0000møde", "NUL character"), ("Godt\ud800møde", "unpaired surrogate")],
    ids=["nul", "surrogate"],
)
async def test_text_postgresql_cannot_hold_is_refused_naming_the_field(
    text: str, reason: str, roster: Roster, ward: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    """Before, both reached PostgreSQL (a NUL in a name, an unpaired surrogate the driver
    cannot encode) and came back as a 500."""
    referral = referral_body(roster)
    referral["payload"]["citizen"]["name"] = text
    answer = await ward.post(
        "/api/events",
        content=json.dumps(referral).encode(),
        headers={"Content-Type": "application/json"},
    )
    refusal(answer, 422, "payload.citizen.name", reason)
    assert await recorded(db_pool, referral["event_id"]) == 0
    decision = await ward.post(
        "/api/tasks/no-such-task/complete",
        content=json.dumps({"note": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    refusal(decision, 422, "note", reason)


async def test_a_nul_in_an_id_in_the_path_is_not_found_not_a_crash(
    ward: httpx.AsyncClient,
) -> None:
    for path in ("/api/episodes/%00", "/api/events/e%00", "/api/tasks/t%00/accept"):
        answer = await (ward.get(path) if "tasks" not in path else ward.post(path))
        refusal(answer, 404, "path", "no such resource")


# --- events for episodes that are not there, or not yours -----------------------------------


async def test_an_unknown_and_a_foreign_episode_get_the_same_404_and_record_nothing(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    mine, theirs = await make_roster(db_pool, peers=0), await make_roster(db_pool, peers=0)
    ward = await as_user(mine.ward_nurse)
    other_ward = await as_user(theirs.ward_nurse)
    foreign = (await other_ward.post("/api/events", json=referral_body(theirs))).json()
    answers = []
    for episode_id in (foreign["episode_id"], f"episode-{uuid.uuid4().hex}"):
        body = event_body(episode_id, "risk_changed", {"elevated": True})
        answer = await ward.post("/api/events", json=body)
        answers.append((answer.status_code, answer.json()))
        assert await recorded(db_pool, body["event_id"]) == 0
    assert (
        answers[0] == answers[1] == (404, {"detail": "episode_id: no such episode", "errors": []})
    )


# --- times in the future, before 1900, or without a time zone -------------------------------


async def test_times_that_cannot_be_facts_are_refused_naming_the_field(
    ward: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    episode_id = f"episode-{uuid.uuid4().hex}"
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({**event_body(episode_id, "discharged"), "occurred_at": future}, "occurred_at", "future"),
        (
            {**event_body(episode_id, "discharged"), "occurred_at": "2026-11-01T10:00:00"},
            "occurred_at",
            "timezone",
        ),
        (
            # In UTC before year 1: this used to reach PostgreSQL, which cannot store it.
            {**event_body(episode_id, "discharged"), "occurred_at": "0001-01-01T00:30:00+01:00"},
            "occurred_at",
            "before 1900",
        ),
        (
            event_body(
                episode_id,
                "hospital_event_revised",
                {"target_event_id": "medcom:abc", "occurred_at": future},
            ),
            "payload.occurred_at",
            "future",
        ),
        (
            event_body(episode_id, "discharge_planned", {"planned_for": "9999-12-31"}),
            "payload.planned_for",
            "between 1900 and 2100",
        ),
    ]
    for body, field, reason in cases:
        answer = await ward.post("/api/events", json=body)
        refusal(answer, 422, field, reason)
        assert await recorded(db_pool, body["event_id"]) == 0


async def test_a_referral_with_a_future_consent_stores_neither_event_nor_citizen(
    roster: Roster, ward: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    cpr = fresh_cpr()
    body = referral_body(roster)
    body["payload"]["citizen"]["cpr"] = cpr
    body["payload"]["consents"][0]["recorded_at"] = (
        datetime.now(UTC) + timedelta(days=1)
    ).isoformat()
    answer = await ward.post("/api/events", json=body)
    refusal(answer, 422, "payload.consents.0.recorded_at", "lies in the future")
    assert cpr not in answer.text
    assert await recorded(db_pool, body["event_id"]) == 0
    assert await citizens_with(db_pool, cpr) == 0


async def test_a_referral_to_an_unknown_programme_stores_no_citizen(
    roster: Roster, ward: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    cpr = fresh_cpr()
    body = referral_body(roster, programme="no-such-programme")
    body["payload"]["citizen"]["cpr"] = cpr
    answer = await ward.post("/api/events", json=body)
    refusal(answer, 422, "payload.programme", "no active programme")
    assert await citizens_with(db_pool, cpr) == 0


# --- MedCom bundles without their patient or encounter ---------------------------------------


@pytest.mark.parametrize(
    ("resource_type", "field"),
    [("Patient", "Bundle.entry[Patient]"), ("Encounter", "Bundle.entry[Encounter]")],
)
async def test_a_medcom_bundle_without_patient_or_encounter_is_a_fatal_error_changing_nothing(
    resource_type: str, field: str, as_token: Caller, db_pool: DatabasePool
) -> None:
    gateway = await as_token("medcom_gateway")
    cpr = fresh_cpr()
    bundle = with_cpr(as_new_message(example("a5e5b880")), cpr)
    header = resource(bundle, "MessageHeader")["id"]
    drop(bundle, resource_type)
    answer = await gateway.post(MEDCOM, json=bundle)
    assert answer.status_code == 422, answer.text
    ack = answer.json()
    assert ack["outcome"] == "fatal-error"
    assert ack["bundle_id"] == bundle["id"]
    assert any(r.startswith(f"{field}: no {resource_type}") for r in ack["reasons"]), ack
    assert cpr not in answer.text
    async with db_pool.acquire() as conn:
        kept = await conn.fetchval(
            "SELECT count(*) FROM medcom_messages WHERE bundle_id = $1", bundle["id"]
        )
    assert kept == 0
    assert await events_under_header(db_pool, header) == []
    assert await citizens_with(db_pool, cpr) == 0


@pytest.mark.parametrize(
    ("where", "value", "reason"),
    [
        ("timestamp", "0001-01-01T00:00:00+01:00", "outside the years 1 to 9999"),
        ("period.start", "9999-12-31T23:00:00-02:00", "outside the years 1 to 9999"),
        ("period.start", "2999-01-01T10:00:00+01:00", "lies in the future"),
        ("period.start", "1850-01-01T10:00:00+01:00", "lies before 1900"),
    ],
)
async def test_a_medcom_time_out_of_range_is_a_fatal_error_not_a_crash(
    where: str, value: str, reason: str, as_token: Caller, db_pool: DatabasePool
) -> None:
    """Before, an offset that carried a time past year 1 or 9999 in UTC raised an
    OverflowError out of the parser: a 500, and the gateway sent the message again."""
    gateway = await as_token("medcom_gateway")
    bundle = with_cpr(as_new_message(example("a5e5b880")), fresh_cpr())
    if where == "timestamp":
        bundle["timestamp"] = value
    else:
        resource(bundle, "Encounter")["period"]["start"] = value
    answer = await gateway.post(MEDCOM, json=bundle)
    assert answer.status_code == 422, answer.text
    assert answer.json()["outcome"] == "fatal-error"
    assert any(reason in r for r in answer.json()["reasons"]), answer.json()
    assert await events_under_header(db_pool, resource(bundle, "MessageHeader")["id"]) == []
