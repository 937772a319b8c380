"""Who may do what: each role against each endpoint, on their own rows and on foreign ones."""

from __future__ import annotations

import uuid

import httpx

from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller, TokenCaller
from tests.api.test_events_api import wait_for_task


async def add_user(pool: DatabasePool, role: str, roster: Roster) -> str:
    user_id = f"{role}-{uuid.uuid4().hex[:6]}"
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO users (user_id, role, display_name, organisation_id, municipality_code,"
            " service) VALUES ($1, $2, 'Test', $3, $4, $5)",
            user_id,
            role,
            roster.organisation_id,
            roster.municipality_code if role == "caseworker" else None,
            "jobcenter" if role == "caseworker" else None,
        )
    return user_id


async def test_authorisation_matrix(
    as_user: Caller, as_token: TokenCaller, anonymous: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    home = await make_roster(db_pool, peers=1)
    away = await make_roster(db_pool, peers=1)
    ward = await as_user(home.ward_nurse)
    peer = await as_user(home.peers[0])
    episode_id = (await ward.post("/api/events", json=referral_body(home))).json()["episode_id"]
    offer = await wait_for_task(peer, "peer_offer")
    assert (await peer.post(f"/api/tasks/{offer['task_id']}/accept", json={})).status_code == 200

    callers: dict[str, httpx.AsyncClient] = {
        "ward": ward,
        "peer": peer,
        "coordinator": await as_user(home.coordinator),
        "caseworker with consent": await as_user(home.caseworkers["social_services"]),
        "caseworker without consent": await as_user(await add_user(db_pool, "caseworker", home)),
        "operator": await as_user(await add_user(db_pool, "operator", home)),
        "foreign ward": await as_user(away.ward_nurse),
        "foreign peer": await as_user(away.peers[0]),
        "foreign coordinator": await as_user(away.coordinator),
        "foreign caseworker": await as_user(away.caseworkers["social_services"]),
        "integration token": await as_token("integration", organisations=[home.organisation_id]),
        "foreign integration token": await as_token(
            "integration", organisations=[away.organisation_id]
        ),
        "unbound integration token": await as_token("integration"),
        "medcom token": await as_token("medcom_gateway"),
        "anonymous": anonymous,
    }
    # caller -> (read the episode, see the citizen, refer a patient to the home ward,
    #            report a discharge, read the MedCom endpoint's door)
    expected = {
        "ward": (200, True, 202, 202, 403),
        "peer": (200, True, 403, 403, 403),
        "coordinator": (200, True, 403, 403, 403),
        "caseworker with consent": (200, True, 403, 403, 403),
        "caseworker without consent": (404, False, 403, 403, 403),
        "operator": (200, False, 403, 403, 403),
        "foreign ward": (404, False, 403, 404, 403),
        "foreign peer": (404, False, 403, 403, 403),
        "foreign coordinator": (404, False, 403, 403, 403),
        "foreign caseworker": (404, False, 403, 403, 403),
        "integration token": (200, False, 202, 202, 422),
        "foreign integration token": (404, False, 403, 404, 422),
        "unbound integration token": (404, False, 403, 404, 422),
        "medcom token": (404, False, 403, 403, 422),
        "anonymous": (401, False, 401, 401, 401),
    }
    for name, client in callers.items():
        read, citizen, refer, report, medcom = expected[name]
        got = await client.get(f"/api/episodes/{episode_id}")
        assert got.status_code == read, (name, "read", got.text)
        if read == 200:
            assert (got.json()["citizen"] is not None) == citizen, (name, "citizen")
        response = await client.post("/api/events", json=referral_body(home))
        assert response.status_code == refer, (name, "refer", response.text)
        response = await client.post("/api/events", json=event_body(episode_id, "leave_started"))
        assert response.status_code == report, (name, "report", response.text)
        response = await client.post("/api/medcom/hospital-notifications", json={})
        assert response.status_code == medcom, (name, "medcom", response.text)
        inbox = await client.get("/api/tasks")
        assert inbox.status_code == (401 if name == "anonymous" else 200), (name, "inbox")


async def test_a_peer_cannot_read_or_change_another_peers_episode_by_guessing_ids(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2, capacity=1)
    ward = await as_user(roster.ward_nurse)
    episode_id = (await ward.post("/api/events", json=referral_body(roster))).json()["episode_id"]
    peers = {p: await as_user(p) for p in roster.peers}
    offer = None
    for peer_id, client in peers.items():
        tasks = (await client.get("/api/tasks")).json()
        if tasks:
            offer, owner = tasks[0], peer_id
    if offer is None:
        offer = await wait_for_task(peers[roster.peers[0]], "peer_offer")
        owner = roster.peers[0]
    intruder = peers[next(p for p in roster.peers if p != owner)]
    assert (await intruder.get(f"/api/episodes/{episode_id}")).status_code == 404
    for action in ("accept", "decline", "complete"):
        response = await intruder.post(f"/api/tasks/{offer['task_id']}/{action}", json={})
        assert response.status_code == 404
    guessed = offer["task_id"].rsplit("-t", 1)[0] + "-t1"
    assert (await intruder.post(f"/api/tasks/{guessed}/accept", json={})).status_code == 404
    contact = event_body(episode_id, "contact_logged", {"note": "x"})
    assert (await intruder.post("/api/events", json=contact)).status_code == 404


async def test_authorisation_matrix_of_the_actions_each_role_does_in_the_browser(
    as_user: Caller, as_token: TokenCaller, anonymous: httpx.AsyncClient, db_pool: DatabasePool
) -> None:
    """Goals, steps, closing requests, ward facts and the hand-over: who may do each, on
    their own episode and on a foreign one (the pages post through the same code)."""
    home = await make_roster(db_pool, peers=2)
    away = await make_roster(db_pool, peers=1)
    ward = await as_user(home.ward_nurse)
    episode_id = (await ward.post("/api/events", json=referral_body(home))).json()["episode_id"]
    offered = None
    for peer_id in home.peers:
        client = await as_user(peer_id)
        if tasks := (await client.get("/api/tasks")).json():
            offered, peer = tasks[0], client
            other_peer = next(p for p in home.peers if p != peer_id)
    if offered is None:
        peer = await as_user(home.peers[0])
        offered = await wait_for_task(peer, "peer_offer")
        other_peer = home.peers[1]
    assert (await peer.post(f"/api/tasks/{offered['task_id']}/accept", json={})).status_code == 200

    callers: dict[str, httpx.AsyncClient] = {
        "ward": ward,
        "peer": peer,
        "other peer": await as_user(other_peer),
        "caseworker with consent": await as_user(home.caseworkers["social_services"]),
        "operator": await as_user(await add_user(db_pool, "operator", home)),
        "foreign ward": await as_user(away.ward_nurse),
        "foreign peer": await as_user(away.peers[0]),
        "foreign coordinator": await as_user(away.coordinator),
        "integration token": await as_token("integration", organisations=[home.organisation_id]),
        "anonymous": anonymous,
        "coordinator": await as_user(home.coordinator),
    }
    actions = {
        "goal_added": {"area": "job", "text": "Work two days a week"},
        "goal_changed": {"goal_id": "g1", "area": "network", "text": "Call a friend weekly"},
        "milestone_reached": {"kind": "job_step", "detail": "interview"},
        "consent_granted": {
            "scope": "share_with_jobcenter",
            "recorded_at": "2026-01-05T10:00:00+00:00",
            "method": "verbal",
        },
        "risk_changed": {"elevated": True},
        "admitted": {"setting": "emergency"},
    }
    # caller -> status per action above, then the hand-over
    expected = {
        "ward": (403, 403, 403, 202, 202, 202, 403),
        "peer": (202, 202, 202, 202, 403, 403, 403),
        "other peer": (404, 404, 404, 404, 403, 403, 403),
        "caseworker with consent": (403, 403, 202, 403, 403, 403, 403),
        "operator": (403, 403, 403, 403, 403, 403, 403),
        "foreign ward": (403, 403, 403, 404, 404, 404, 403),
        "foreign peer": (404, 404, 404, 404, 403, 403, 403),
        "foreign coordinator": (404, 404, 404, 404, 404, 403, 404),
        "integration token": (403, 403, 202, 202, 202, 202, 403),
        "anonymous": (401, 401, 401, 401, 401, 401, 401),
        "coordinator": (202, 202, 202, 202, 202, 403, 200),
    }
    hand_over = {"peer_id": other_peer, "reason": "The peer is ill"}
    for name, client in callers.items():
        *statuses, handed = expected[name]
        for (type_, payload), status in zip(actions.items(), statuses, strict=True):
            response = await client.post("/api/events", json=event_body(episode_id, type_, payload))
            assert response.status_code == status, (name, type_, response.text)
        response = await client.post(f"/api/episodes/{episode_id}/hand-over", json=hand_over)
        assert response.status_code == handed, (name, "hand-over", response.text)
