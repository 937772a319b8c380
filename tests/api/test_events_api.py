"""POST /api/events and the task endpoints, as ward staff, peers and caseworkers use them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from tests.api.bodies import TEST_CPR, event_body, referral_body
from tests.api.conftest import Caller


async def wait_for_task(client, kind: str, timeout: float = 10) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get("/api/tasks")
        assert response.status_code == 200, response.text
        found = [t for t in response.json() if t["kind"] == kind]
        if found:
            return found[0]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no {kind} task; inbox: {response.json()}")
        await asyncio.sleep(0.05)


async def until_applied(client: httpx.AsyncClient, event_id: str, timeout: float = 10) -> dict:
    """Poll GET /api/events/{id} until the event's effects are in the read model."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get(f"/api/events/{event_id}")
        assert response.status_code == 200, response.text
        if response.json()["status"] == "applied":
            return response.json()
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"event not applied: {response.json()}")
        await asyncio.sleep(0.05)


async def test_an_episode_driven_only_through_http(as_user: Caller, db_pool: DatabasePool) -> None:
    roster = await make_roster(db_pool, peers=1)
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    caseworker = await as_user(roster.caseworkers["social_services"])

    referral = referral_body(roster)
    response = await ward.post("/api/events", json=referral)
    assert response.status_code == 202, response.text
    episode_id = response.json()["episode_id"]
    assert response.json()["outcome"] == "accepted"
    assert referral["payload"]["citizen"]["cpr"] not in episode_id

    again = await ward.post("/api/events", json=referral)
    assert again.status_code == 202
    assert again.json() == {**response.json(), "outcome": "duplicate"}

    offer = await wait_for_task(peer, "peer_offer")
    told = (await peer.get("/api/inbox")).json()
    assert [n["template"] for n in told if n["task_id"] == offer["task_id"]] == ["offer"]
    read = await peer.post(f"/api/inbox/{told[0]['notification_id']}/read", json={})
    assert read.status_code == 204
    accepted = await peer.post(f"/api/tasks/{offer['task_id']}/accept", json={})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"

    seen = await peer.get(f"/api/episodes/{episode_id}")
    assert seen.status_code == 200, "the peer sees the episode as soon as they accept"
    assert seen.json()["citizen"]["name"] == "Testa Borger"
    assert seen.json()["goals"] == [{"area": "network", "text": "Spille fodbold igen"}]
    assert seen.json()["phase"] == "pre_discharge"

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    for body in (
        event_body(episode_id, "discharge_planned", {"planned_for": tomorrow}),
        event_body(episode_id, "discharged"),
    ):
        response = await ward.post("/api/events", json=body)
        assert response.status_code == 202, response.text

    confirm = await wait_for_task(caseworker, "confirm_service")
    done = await caseworker.post(
        f"/api/tasks/{confirm['task_id']}/complete",
        json={"result": {"kind": "service_confirmed", "service": "housing_support"}},
    )
    assert done.status_code == 200, done.text

    await wait_for_task(peer, "first_contact")
    contact = event_body(episode_id, "contact_logged", {"channel": "phone", "note": "Godt"})
    logged = await peer.post("/api/events", json=contact)
    assert logged.status_code == 202
    assert logged.json()["outcome"] == "accepted"
    await until_applied(peer, contact["event_id"])
    episode = (await ward.get(f"/api/episodes/{episode_id}")).json()
    assert episode["phase"] == "follow_up"
    assert episode["first_contact_at"] is not None
    kinds = [e["kind"] for e in episode["timeline"]]
    assert "referral" in kinds
    assert "contact" in kinds
    async with db_pool.acquire() as conn:
        reads = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE episode_id = $1 AND action = 'read.citizen'",
            episode_id,
        )
    assert reads >= 2, "every read of personal data is audited"


async def test_bad_events_get_a_clear_error_naming_the_field_and_nothing_is_applied(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    ward = await as_user(roster.ward_nurse)

    cases = [
        (referral_body(roster, programme="no-such-programme"), "payload.programme"),
        (referral_body(roster, consents=[]), "consents"),
        (referral_body(roster, citizen={"cpr": "12", "name": "X"}), "payload.citizen.cpr"),
        ({**referral_body(roster), "occurred_at": "2026-01-01T10:00:00"}, "occurred_at"),
        (
            {
                **referral_body(roster),
                "occurred_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            },
            "occurred_at",
        ),
        ({**event_body("episode-0000000000", "teleported")}, "type"),
        ({**event_body("episode-0000000000", "discharge_planned")}, "payload.planned_for"),
        ({**referral_body(roster), "surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        response = await ward.post("/api/events", json=body)
        assert response.status_code == 422, (field, response.text)
        assert field in response.text, (field, response.text)
        cpr = body.get("payload", {}).get("citizen", {}).get("cpr", "")
        assert len(cpr) != 10 or cpr not in response.text
        async with db_pool.acquire() as conn:
            stored = await conn.fetchval(
                "SELECT count(*) FROM events_received WHERE event_id = $1", body["event_id"]
            )
        assert stored == 0, f"nothing is applied for a refused event ({field})"

    missing_episode = event_body("episode-0000000000", "discharged")
    del missing_episode["episode_id"]
    response = await ward.post("/api/events", json=missing_episode)
    assert response.status_code == 422
    assert "episode_id" in response.json()["detail"]

    unknown = await ward.post("/api/events", json=event_body("episode-00000000ffff", "discharged"))
    assert unknown.status_code == 404

    broken = await ward.post(
        "/api/events", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422


async def test_refused_decisions_answer_with_the_reason(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2)
    ward = await as_user(roster.ward_nurse)
    response = await ward.post("/api/events", json=referral_body(roster))
    assert response.status_code == 202
    peers = {p: await as_user(p) for p in roster.peers}
    offer = None
    for client in peers.values():
        try:
            offer = await wait_for_task(client, "peer_offer", timeout=2)
            offered = client
            break
        except AssertionError:
            continue
    assert offer is not None
    completing = await offered.post(f"/api/tasks/{offer['task_id']}/complete", json={})
    assert completing.status_code == 422
    assert "action" in completing.json()["detail"]
    nonsense = await offered.post(f"/api/tasks/{offer['task_id']}/approve", json={})
    assert nonsense.status_code == 404
    other = next(c for c in peers.values() if c is not offered)
    stolen = await other.post(f"/api/tasks/{offer['task_id']}/accept", json={})
    assert stolen.status_code == 404, "another peer cannot even see the offer"
    assert (await offered.post(f"/api/tasks/{offer['task_id']}/accept", json={})).status_code == 200
    twice = await offered.post(f"/api/tasks/{offer['task_id']}/accept", json={})
    assert twice.status_code in (404, 409)


async def test_healthz_reports_database_and_temporal(anonymous) -> None:
    response = await anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


async def test_without_credentials_the_api_answers_401(anonymous) -> None:
    assert (await anonymous.get("/api/tasks")).status_code == 401
    response = await anonymous.get("/api/tasks", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert "token" in response.json()["detail"]


async def test_responses_carry_security_headers_and_huge_bodies_are_refused(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=0)
    ward = await as_user(roster.ward_nurse)
    response = await ward.get("/api/tasks")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    huge = await ward.post(
        "/api/events", content=b"x" * 2_100_000, headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413


async def test_the_api_counts_events_by_outcome_without_personal_data(
    anonymous: httpx.AsyncClient,
) -> None:
    text = (await anonymous.get("/metrics")).text
    assert 'hverdagsbro_events_total{outcome="accepted"}' in text
    assert 'hverdagsbro_events_total{outcome="rejected"}' in text
    assert TEST_CPR not in text


async def test_an_event_right_after_the_referral_never_races_the_episode_start(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=0)
    ward = await as_user(roster.ward_nurse)
    for _ in range(5):
        response = await ward.post("/api/events", json=referral_body(roster))
        episode_id = response.json()["episode_id"]
        at_once = await ward.post(
            "/api/events", json=event_body(episode_id, "risk_changed", {"elevated": True})
        )
        assert at_once.status_code == 202, at_once.text


async def test_with_the_database_gone_the_api_answers_503_not_a_stack_trace(
    database_url: str, time_skipping_env
) -> None:
    from api.app import create_app
    from db.pool import create_pool
    from hverdagsbro.settings import Settings

    settings = Settings()
    pool = await create_pool(database_url, give_up_after=settings.database_timeout, max_size=1)
    app = create_app(settings, pool=pool, temporal=time_skipping_env.client)
    await pool.close()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as client:
        response = await client.get("/api/tasks", headers={"Authorization": "Bearer x"})
        assert response.status_code == 503
        assert response.json()["detail"] == "the database is unavailable; try again shortly"
        assert response.headers["retry-after"] == "5"
        health = await client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["database"] == "unavailable"
