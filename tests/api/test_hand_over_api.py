"""POST /api/episodes/{id}/hand-over: a coordinator of the episode's organisation hands it to
another peer of the partnership; the capacity moves with it, the reason is audited, and
nobody else may do it (issue 15)."""

from __future__ import annotations

import asyncio

import httpx

from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller
from tests.api.steps import matched
from tests.api.test_events_api import until_applied, wait_for_task
from tests.api.test_partnership_escalation import coordinator_of_a_new_organisation
from tests.conftest import eventually

REASON = "Peer-medarbejderen er sygemeldt"


async def matched_episode(as_user: Caller, roster: Roster) -> str:
    """A referral the roster's first peer accepted (the others have their capacity free)."""
    ward = await as_user(roster.ward_nurse)
    peer = await as_user(roster.peers[0])
    episode_id = await matched(ward, peer, referral_body(roster))
    return episode_id


async def loads(pool: DatabasePool, roster: Roster) -> list[int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT peer_id, active_load FROM peers WHERE peer_id = ANY ($1::text[])",
            roster.peers,
        )
    found = {r["peer_id"]: r["active_load"] for r in rows}
    return [found[p] for p in roster.peers]


async def episode_peer(pool: DatabasePool, episode_id: str) -> str | None:
    async with pool.acquire() as conn:
        peer: str | None = await conn.fetchval(
            "SELECT peer_id FROM episodes WHERE episode_id = $1", episode_id
        )
    return peer


async def hand(client: httpx.AsyncClient, episode_id: str, peer_id: str) -> httpx.Response:
    return await client.post(
        f"/api/episodes/{episode_id}/hand-over", json={"peer_id": peer_id, "reason": REASON}
    )


async def test_the_coordinator_hands_an_episode_over_with_the_capacity_and_the_tasks(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2, capacity=2)
    episode_id = await matched_episode(as_user, roster)
    old, new = await as_user(roster.peers[0]), await as_user(roster.peers[1])
    await wait_for_task(old, "first_meeting")
    assert await loads(db_pool, roster) == [1, 0]

    coordinator = await as_user(roster.coordinator)
    answer = await hand(coordinator, episode_id, roster.peers[1])
    assert answer.status_code == 200, answer.text
    assert answer.json()["peer_id"] == roster.peers[1]
    assert answer.json()["tasks_moved"] >= 1

    assert await loads(db_pool, roster) == [0, 1], "the capacity moves in one go"

    async def moved() -> bool:
        return await episode_peer(db_pool, episode_id) == roster.peers[1]

    await eventually(moved)
    assert (await new.get(f"/api/episodes/{episode_id}")).status_code == 200
    assert (await old.get(f"/api/episodes/{episode_id}")).status_code == 404
    assert "first_meeting" in {t["kind"] for t in (await new.get("/api/tasks")).json()}
    assert not [t for t in (await old.get("/api/tasks")).json() if t["episode_id"] == episode_id]

    async with db_pool.acquire() as conn:
        audit = await conn.fetchrow(
            "SELECT actor_role, actor_id, reason, detail FROM audit_log"
            " WHERE episode_id = $1 AND action = 'episode.handed_over'",
            episode_id,
        )
    assert audit is not None
    assert (audit["actor_role"], audit["actor_id"]) == ("coordinator", roster.coordinator)
    assert audit["reason"] == REASON
    assert roster.peers[1] in audit["detail"] and roster.peers[0] in audit["detail"]


async def test_only_the_coordinator_of_the_episodes_organisation_may_hand_it_over(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2, capacity=2)
    episode_id = await matched_episode(as_user, roster)
    for user in (roster.peers[0], roster.ward_nurse, roster.caseworkers["social_services"]):
        answer = await hand(await as_user(user), episode_id, roster.peers[1])
        assert answer.status_code == 403, (user, answer.text)
    stranger = await coordinator_of_a_new_organisation(db_pool, partner_of=None)
    partner = await coordinator_of_a_new_organisation(db_pool, partner_of=roster)
    for user in (stranger, partner):
        answer = await hand(await as_user(user), episode_id, roster.peers[1])
        assert answer.status_code == 404, (user, answer.text)
    coordinator = await as_user(roster.coordinator)
    assert (await hand(coordinator, "ep-no-such-episode", roster.peers[1])).status_code == 404
    assert await loads(db_pool, roster) == [1, 0]
    assert await episode_peer(db_pool, episode_id) == roster.peers[0]


async def test_a_hand_over_the_peer_cannot_take_is_refused_naming_peer_id(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=3, capacity=1)
    stranger = (await make_roster(db_pool, peers=1)).peers[0]
    episode_id = await matched_episode(as_user, roster)
    coordinator = await as_user(roster.coordinator)

    foreign = await hand(coordinator, episode_id, stranger)
    assert foreign.status_code == 422, foreign.text
    assert foreign.json()["detail"].startswith("peer_id:")
    assert "partnership" in foreign.json()["detail"]

    async with db_pool.acquire() as conn:  # the third peer's only slot is taken
        await conn.execute("UPDATE peers SET active_load = 1 WHERE peer_id = $1", roster.peers[2])
    full = await hand(coordinator, episode_id, roster.peers[2])
    assert full.status_code == 422, full.text
    assert full.json()["detail"] == "peer_id: peer has no free capacity"

    async with db_pool.acquire() as conn:  # the second peer is away, then serves elsewhere
        await conn.execute("UPDATE peers SET available = false WHERE peer_id = $1", roster.peers[1])
    away = await hand(coordinator, episode_id, roster.peers[1])
    assert away.status_code == 422, away.text
    assert away.json()["detail"] == (
        "peer_id: the peer is not available for this programme and municipality"
    )
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE peers SET available = true, municipalities = '{}' WHERE peer_id = $1",
            roster.peers[1],
        )
    elsewhere = await hand(coordinator, episode_id, roster.peers[1])
    assert elsewhere.status_code == 422, elsewhere.text
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE peers SET municipalities = ARRAY[$2] WHERE peer_id = $1",
            roster.peers[1],
            roster.municipality_code,
        )

    no_reason = await coordinator.post(
        f"/api/episodes/{episode_id}/hand-over", json={"peer_id": roster.peers[1], "reason": " "}
    )
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]

    assert await loads(db_pool, roster) == [1, 0, 1], "nothing moved"
    async with db_pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", stranger) == 0
        )
        held = await conn.fetchval(
            "SELECT count(*) FROM peer_reservations WHERE episode_id = $1 AND status = 'held'",
            episode_id,
        )
    assert held == 1


async def test_handing_an_episode_to_its_own_peer_is_refused_naming_the_peer(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2, capacity=2)
    episode_id = await matched_episode(as_user, roster)
    coordinator = await as_user(roster.coordinator)
    same = await hand(coordinator, episode_id, roster.peers[0])
    assert same.status_code == 422, same.text
    assert same.json()["detail"] == "peer_id: this peer already has the episode"
    assert await loads(db_pool, roster) == [1, 0]


async def test_an_ended_episode_cannot_be_handed_over(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2, capacity=2)
    episode_id = await matched_episode(as_user, roster)
    ward = await as_user(roster.ward_nurse)
    withdrawn = event_body(episode_id, "consent_withdrawn", {"scope": "peer_support"})
    assert (await ward.post("/api/events", json=withdrawn)).status_code == 202
    await until_applied(ward, withdrawn["event_id"])
    # The ended episode gives its peer's place back in a commit of its own, after the
    # withdrawal's: wait for it, so the refused hand-over is compared with the settled loads.
    for _ in range(100):
        if await loads(db_pool, roster) == [0, 0]:
            break
        await asyncio.sleep(0.1)
    before = await loads(db_pool, roster)
    assert before == [0, 0]

    answer = await hand(await as_user(roster.coordinator), episode_id, roster.peers[1])
    assert answer.status_code == 409, answer.text
    assert answer.json()["detail"].startswith("episode_id:")
    assert await loads(db_pool, roster) == before
    assert before[1] == 0


# Core bug, reported to the lead: two hand-over updates run at once in the workflow both read
# the same assigned offer before either's activity returns; the first releases it, the second
# finds it released already, and the first new peer's reservation stays held (their load +1,
# no episode). Whether the two interleave depends on timing, so not strict.
async def test_two_hand_overs_at_once_leave_one_peer_and_loads_that_add_up(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=3, capacity=2)
    episode_id = await matched_episode(as_user, roster)
    first, second = await as_user(roster.coordinator), await as_user(roster.coordinator)

    answers = await asyncio.gather(
        hand(first, episode_id, roster.peers[1]), hand(second, episode_id, roster.peers[2])
    )
    assert {a.status_code for a in answers} <= {200, 409, 422}, [a.text for a in answers]
    assert any(a.status_code == 200 for a in answers)

    async with db_pool.acquire() as conn:
        held = await conn.fetch(
            "SELECT peer_id FROM peer_reservations WHERE episode_id = $1 AND status = 'held'",
            episode_id,
        )

    async def settled() -> bool:
        return await episode_peer(db_pool, episode_id) in {roster.peers[1], roster.peers[2]}

    await eventually(settled)
    holder = await episode_peer(db_pool, episode_id)
    now = await loads(db_pool, roster)
    kept = [r["peer_id"] for r in held]
    assert kept == [holder], f"one slot held, by the episode's peer; held {kept}, loads {now}"
    assert now == [1 if p == holder else 0 for p in roster.peers], "no capacity leaks"
