"""Who may do what: each role against each endpoint, on their own rows and on foreign ones,
and across the organisations of partnerships by their sharing rules."""

from __future__ import annotations

import uuid

import httpx

from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller, TokenCaller
from tests.api.test_events_api import wait_for_task
from tests.api.test_partnership_sharing import (
    a_municipality,
    assigned_episode,
    ngo_partner,
    open_task,
    set_sharing,
)
from tests.conftest import eventually


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


async def task_door(client: httpx.AsyncClient, task_id: str) -> str:
    """Where a task's link takes the caller: to act on it, to see its episode, or nowhere."""
    response = await client.get(f"/tasks/{task_id}")
    if response.status_code == 303:
        return "act" if "#task-" in response.headers["location"] else "see"
    assert response.status_code == 404, response.text
    return "no"


async def test_authorisation_matrix_across_partner_organisations(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    """A municipality's episode carried by an NGO's volunteer (partnership 1, whose rules let
    NGO coordinators see their volunteers' episodes) and a second municipality's episode the
    same volunteer carries (partnership 2, which the NGO is also in, whose rules do not):
    who across the partnerships reads them, takes their coordinator and peer tasks, hands
    them over."""
    partners = await ngo_partner(db_pool, await a_municipality(db_pool))
    other = await a_municipality(db_pool)
    async with db_pool.acquire() as conn:
        second: str = await conn.fetchval(
            "SELECT partnership_id FROM partnership_members WHERE organisation_id = $1",
            other.organisation_id,
        )
        await conn.execute(
            "INSERT INTO partnership_members (partnership_id, organisation_id) VALUES ($1, $2)",
            second,
            partners.ngo,
        )
        await conn.execute(
            "UPDATE peers SET municipalities = municipalities || $2::text WHERE peer_id = $1",
            partners.volunteer,
            other.municipality_code,
        )
    await set_sharing(db_pool, second, home_sees_assigned=["association"])
    episode_id = await assigned_episode(db_pool, as_user, partners.municipality, partners.volunteer)
    elsewhere = await assigned_episode(db_pool, as_user, other, partners.volunteer)
    volunteer = await as_user(partners.volunteer)
    concern = event_body(episode_id, "concern_flagged", {"note": "Worried after the visit"})
    assert (await volunteer.post("/api/events", json=concern)).status_code == 202
    await eventually(lambda: open_task(db_pool, episode_id, "concern"))
    concern_task = await open_task(db_pool, episode_id, "concern")
    meeting_task = await open_task(db_pool, episode_id, "first_meeting")
    assert concern_task is not None and meeting_task is not None
    # Another NGO of partnership 1, none of whose peers is assigned; and a partnership apart.
    bystander = await ngo_partner(db_pool, partners.municipality, partners.partnership_id)
    apart = await make_roster(db_pool, peers=1)

    callers: dict[str, httpx.AsyncClient] = {
        "owner coordinator": await as_user(partners.municipality.coordinator),
        "assigned volunteer": volunteer,
        "volunteer's home coordinator": await as_user(partners.ngo_coordinator),
        "partner's peer not assigned": await as_user(partners.idle_volunteer),
        "partner coordinator, no peer assigned": await as_user(bystander.ngo_coordinator),
        "partner's peer, other organisation": await as_user(bystander.volunteer),
        "coordinator of the second partnership": await as_user(other.coordinator),
        "coordinator of a partnership apart": await as_user(apart.coordinator),
        "peer of a partnership apart": await as_user(apart.peers[0]),
    }
    # caller -> (read the episode, see the citizen and the notes, the concern (a coordinator
    #            task), the first meeting (the peer's task), add a goal, hand the episode
    #            over, read the second partnership's episode)
    expected = {
        "owner coordinator": (200, True, "act", "act", 202, 422, 404),
        "assigned volunteer": (200, True, "see", "act", 202, 403, 200),
        "volunteer's home coordinator": (200, True, "act", "see", 202, 404, 404),
        "partner's peer not assigned": (404, False, "no", "no", 404, 403, 404),
        "partner coordinator, no peer assigned": (404, False, "no", "no", 404, 404, 404),
        "partner's peer, other organisation": (404, False, "no", "no", 404, 403, 404),
        "coordinator of the second partnership": (404, False, "no", "no", 404, 404, 200),
        "coordinator of a partnership apart": (404, False, "no", "no", 404, 404, 404),
        "peer of a partnership apart": (404, False, "no", "no", 404, 403, 404),
    }
    # To a peer who does not serve the episode's municipality: refused, nothing moves.
    hand_over = {"peer_id": partners.idle_volunteer, "reason": "The peer is ill"}
    goal = {"area": "network", "text": "Call a friend weekly"}
    for name, client in callers.items():
        read, personal, concern_door, meeting_door, goal_added, handed, second_read = expected[name]
        got = await client.get(f"/api/episodes/{episode_id}")
        assert got.status_code == read, (name, "read", got.text)
        if read == 200:
            assert (got.json()["citizen"] is not None) == personal, (name, "citizen")
            assert (got.json()["notes"] is not None) == personal, (name, "notes")
        assert await task_door(client, concern_task) == concern_door, (name, "concern")
        assert await task_door(client, meeting_task) == meeting_door, (name, "first meeting")
        response = await client.post("/api/events", json=event_body(episode_id, "goal_added", goal))
        assert response.status_code == goal_added, (name, "goal", response.text)
        response = await client.post(f"/api/episodes/{episode_id}/hand-over", json=hand_over)
        assert response.status_code == handed, (name, "hand-over", response.text)
        got = await client.get(f"/api/episodes/{elsewhere}")
        assert got.status_code == second_read, (name, "second partnership", got.text)
