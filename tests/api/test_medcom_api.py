"""MedCom HospitalNotifications over HTTP: every example, in file-name order, with its effect."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from api.dependencies import services_of
from api.errors import ApiError
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from tests.api.bodies import referral_body
from tests.api.conftest import Caller, TokenCaller
from tests.api.test_events_api import wait_for_task
from tests.medcom.bundles import (
    _load,
    example_files,
    header_id,
    resource,
    short_name,
)

URL = "/api/medcom/hospital-notifications"


def with_cpr(bundle: dict[str, Any], cpr: str) -> dict[str, Any]:
    """The example with its (test) CPR replaced, so tests do not share a citizen."""
    for identifier in resource(bundle, "Patient")["identifier"]:
        if identifier["system"] == "urn:oid:1.2.208.176.1.2":
            identifier["value"] = cpr
    return bundle


def as_new_message(bundle: dict[str, Any]) -> dict[str, Any]:
    """The example re-sent as a different message (new Bundle and MessageHeader ids), so
    this test does not meet the messages other tests already sent."""
    header = header_id(bundle)
    text = (
        json.dumps(bundle)
        .replace(header, str(uuid.uuid4()))
        .replace(bundle["id"], str(uuid.uuid4()))
    )
    fresh: dict[str, Any] = json.loads(text)
    return fresh


# Every MedCom example is sent by this SOR code (MessageHeader.sender and source.endpoint).
EXAMPLE_SENDER = "265161000016000"


def from_sender(bundle: dict[str, Any], sor_code: str) -> dict[str, Any]:
    """The example as a ward with this SOR code sends it (sender Organization, source
    endpoint and its local episode-of-care system)."""
    fresh: dict[str, Any] = json.loads(json.dumps(bundle).replace(EXAMPLE_SENDER, sor_code))
    return fresh


def fresh_cpr() -> str:
    return f"{random.randint(1, 28):02d}0{random.randint(100000000, 999999999)}"[:10]


async def phase_of(pool: DatabasePool, episode_id: str) -> str:
    async with pool.acquire() as conn:
        return str(
            await conn.fetchval("SELECT phase FROM episodes WHERE episode_id = $1", episode_id)
        )


async def until_phase(pool: DatabasePool, episode_id: str, phase: str) -> None:
    for _ in range(200):
        if await phase_of(pool, episode_id) == phase:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"episode never reached {phase}: {await phase_of(pool, episode_id)}")


async def test_examples_in_file_name_order_move_the_episode_and_are_acknowledged(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    import copy

    roster = await make_roster(db_pool, peers=1)
    cpr = fresh_cpr()
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    gateway = await as_token("medcom_gateway", sor_codes=[roster.ward_sor])
    body = referral_body(roster, admitted_at=None)
    body["payload"]["citizen"]["cpr"] = cpr
    episode_id = (await ward.post("/api/events", json=body)).json()["episode_id"]
    offer = await wait_for_task(peer, "peer_offer")
    assert (await peer.post(f"/api/tasks/{offer['task_id']}/accept", json={})).status_code == 200

    outcomes: dict[str, str] = {}
    for path in example_files():
        bundle = from_sender(with_cpr(copy.deepcopy(_load(path)), cpr), roster.ward_sor)
        response = await gateway.post(URL, json=bundle)
        ack = response.json()
        outcomes[short_name(path)] = ack["outcome"]
        assert ack["bundle_id"] == bundle["id"]
        assert cpr not in response.text
        if short_name(path).startswith("f4aa"):
            await until_phase(db_pool, episode_id, "discharged")
        if short_name(path).startswith("g099"):
            await until_phase(db_pool, episode_id, "deceased")
    assert set(outcomes.values()) == {"ok"}, outcomes
    assert len(outcomes) == 14

    first = with_cpr(copy.deepcopy(_load(example_files()[0])), cpr)
    again = await gateway.post(URL, json=from_sender(first, roster.ward_sor))
    assert again.json()["outcome"] == "ok", "a repeated transmission is ok and changes nothing"
    async with db_pool.acquire() as conn:
        kinds = [
            r["kind"]
            for r in await conn.fetch(
                "SELECT kind FROM timeline WHERE episode_id = $1 ORDER BY at, entry_id", episode_id
            )
        ]
    assert kinds.count("admitted") == 1
    assert "leave_started" in kinds
    assert "correction" in kinds, "the revision and the cancellation were applied"


async def test_notifications_before_the_referral_are_kept_and_applied_when_it_arrives(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:

    roster = await make_roster(db_pool, peers=1)
    cpr = fresh_cpr()
    gateway = await as_token("medcom_gateway", sor_codes=[roster.ward_sor])
    admission = next(p for p in example_files() if short_name(p).startswith("a5e5"))
    bundle = from_sender(with_cpr(as_new_message(_load(admission)), cpr), roster.ward_sor)
    response = await gateway.post(URL, json=bundle)
    assert response.json()["outcome"] == "ok"
    async with db_pool.acquire() as conn:
        status = await conn.fetchval(
            "SELECT status FROM medcom_messages WHERE bundle_id = $1", response.json()["bundle_id"]
        )
    assert status == "waiting"

    ward = await as_user(roster.ward_nurse)
    body = referral_body(roster, admitted_at=None)
    body["payload"]["citizen"]["cpr"] = cpr
    episode_id = (await ward.post("/api/events", json=body)).json()["episode_id"]
    async with db_pool.acquire() as conn:
        status = await conn.fetchval(
            "SELECT status FROM medcom_messages WHERE bundle_id = $1", response.json()["bundle_id"]
        )
        linked = await conn.fetchval(
            "SELECT episode_id FROM events_received WHERE event_id LIKE 'medcom:%'"
            " AND citizen_id = (SELECT citizen_id FROM citizens WHERE cpr = $1)",
            cpr,
        )
        still_parked = await conn.fetchval(
            "SELECT count(*) FROM events_received WHERE event_id LIKE 'medcom:%'"
            " AND status = 'parked'"
            " AND citizen_id = (SELECT citizen_id FROM citizens WHERE cpr = $1)",
            cpr,
        )
    assert status == "applied"
    assert linked == episode_id
    assert still_parked == 0, "handed to the episode, a second referral would not get them"


async def test_a_message_temporal_could_not_take_is_taken_in_afresh_when_sent_again(
    as_user: Caller,
    as_token: TokenCaller,
    db_pool: DatabasePool,
    api_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The message is kept with its event before the event goes to Temporal; when Temporal
    cannot take it, the sender hears transient-error and the message is forgotten, so the
    next attempt is routed and applied (once), not answered as a repeat."""
    roster = await make_roster(db_pool, peers=1)
    cpr = fresh_cpr()
    ward = await as_user(roster.ward_nurse)
    gateway = await as_token("medcom_gateway", sor_codes=[roster.ward_sor])
    body = referral_body(roster, admitted_at=None)
    body["payload"]["citizen"]["cpr"] = cpr
    episode_id = (await ward.post("/api/events", json=body)).json()["episode_id"]
    admission = next(p for p in example_files() if short_name(p).startswith("a5e5"))
    bundle = from_sender(with_cpr(as_new_message(_load(admission)), cpr), roster.ward_sor)

    intake = services_of(api_app).medcom.intake

    async def temporal_away(*_: object, **__: object) -> None:
        raise ApiError(503, "the episode service is unavailable; try again")

    with monkeypatch.context() as patched:
        patched.setattr(intake, "hand_over", temporal_away)
        first = await gateway.post(URL, json=bundle)
    assert (first.status_code, first.json()["outcome"]) == (503, "transient-error")
    async with db_pool.acquire() as conn:
        kept = await conn.fetchval(
            "SELECT count(*) FROM medcom_messages WHERE bundle_id = $1", bundle["id"]
        )
        recorded = await conn.fetch(
            "SELECT status FROM events_received WHERE episode_id = $1 AND source = 'medcom'",
            episode_id,
        )
    assert kept == 0, "forgotten, so the next attempt is not taken for a repeat"
    assert [r["status"] for r in recorded] == ["received"], "recorded for the next attempt"

    again = await gateway.post(URL, json=bundle)
    assert (again.status_code, again.json()["outcome"]) == (200, "ok")
    for _ in range(200):
        async with db_pool.acquire() as conn:
            applied = await conn.fetch(
                "SELECT status FROM events_received WHERE episode_id = $1 AND source = 'medcom'",
                episode_id,
            )
            admitted = await conn.fetchval(
                "SELECT count(*) FROM timeline WHERE episode_id = $1 AND kind = 'admitted'",
                episode_id,
            )
            status = await conn.fetchval(
                "SELECT status FROM medcom_messages WHERE bundle_id = $1", bundle["id"]
            )
        if [r["status"] for r in applied] == ["applied"]:
            break
        await asyncio.sleep(0.05)
    assert [r["status"] for r in applied] == ["applied"]
    assert (status, admitted) == ("applied", 1)


async def test_broken_messages_get_a_fatal_error_naming_the_fhir_path(
    as_token: TokenCaller, as_user: Caller, db_pool: DatabasePool
) -> None:
    gateway = await as_token("medcom_gateway")
    not_json = await gateway.post(
        URL, content=b"<xml/>", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.json()["outcome"] == "fatal-error"
    no_patient = {"resourceType": "Bundle", "type": "message", "id": "b-1", "entry": []}
    response = await gateway.post(URL, json=no_patient)
    assert response.status_code == 422
    assert response.json()["outcome"] == "fatal-error"
    assert any("Bundle" in r for r in response.json()["reasons"])

    roster = await make_roster(db_pool, peers=0)
    ward = await as_user(roster.ward_nurse)
    assert (await ward.post(URL, json=no_patient)).status_code == 403, "people use the pages"
