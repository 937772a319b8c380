"""A coordinator's manual match may assign only a peer of the episode's partnership: naming a
peer of another partnership is refused and holds nothing; a partner organisation's peer is
fine."""

from __future__ import annotations

import uuid

from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from db.synthetic import PeerRow, StaffRow, add_partner_organisation, add_peers, add_staff
from tests.api.bodies import referral_body
from tests.api.conftest import Caller
from tests.api.test_events_api import wait_for_task


async def partner_peer(pool: DatabasePool, roster: Roster) -> str:
    """A trained peer of a second organisation in the roster's partnership."""
    key = uuid.uuid4().hex[:8]
    org, peer = f"org-partner-{key}", f"peer-partner-{key}"
    async with pool.acquire() as conn, conn.transaction():
        await add_partner_organisation(
            conn, org, kind="association", partner_of=roster.organisation_id
        )
        await add_staff(conn, org, [StaffRow(user_id=peer, role="peer", display_name="Partner")])
        await add_peers(
            conn,
            org,
            [
                PeerRow(
                    peer_id=peer,
                    languages=["da"],
                    programmes=["peer-guide-sind"],
                    municipalities=[roster.municipality_code],
                    capacity=2,
                )
            ],
        )
    return peer


async def held_by(pool: DatabasePool, peer_id: str) -> tuple[int, int]:
    """(active load, reservations held) of a peer."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT p.active_load, (SELECT count(*) FROM peer_reservations r"
            " WHERE r.peer_id = p.peer_id AND r.status = 'held') AS held"
            " FROM peers p WHERE p.peer_id = $1",
            peer_id,
        )
    assert row is not None
    return (row["active_load"], row["held"])


async def test_a_manual_match_to_another_partnerships_peer_is_refused(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    home = await make_roster(db_pool, peers=1, capacity=0)
    foreign = await make_roster(db_pool, peers=1)
    ward = await as_user(home.ward_nurse)
    coordinator = await as_user(home.coordinator)
    referred = await ward.post("/api/events", json=referral_body(home))
    episode_id = referred.json()["episode_id"]
    task = await wait_for_task(coordinator, "manual_match")
    partner = await partner_peer(db_pool, home)  # after matching gave up, so not offered

    stranger = foreign.peers[0]
    answer = await coordinator.post(
        f"/api/tasks/{task['task_id']}/complete",
        json={"result": {"kind": "manual_match", "peer_id": stranger}},
    )
    assert answer.status_code == 422, answer.text
    assert "result.peer_id" in answer.json()["detail"]
    assert "partnership" in answer.json()["detail"]
    assert await held_by(db_pool, stranger) == (0, 0), "no slot taken, nothing held"
    episode = (await coordinator.get(f"/api/episodes/{episode_id}")).json()
    assert episode["peer_id"] is None
    assert episode["phase"] == "unmatched"

    # The task is still open, and a peer of a partner organisation may take it.
    answer = await coordinator.post(
        f"/api/tasks/{task['task_id']}/complete",
        json={"result": {"kind": "manual_match", "peer_id": partner}},
    )
    assert answer.status_code == 200, answer.text
    assert await held_by(db_pool, partner) == (1, 1)
    assert await held_by(db_pool, stranger) == (0, 0)
