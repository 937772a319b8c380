"""A volunteer's home coordinator sees and supervises the partners' episodes their volunteer is
assigned to, where the partnership's sharing rules let their organisation's kind do so; the
owner leads the episode (the peer's tasks, the hand-over), and nobody else across the
partnership sees it (issue 17)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import httpx

from command.synthetic.roster import Roster, make_roster
from db.partnerships import partnerships_of, supervised_episodes
from db.pool import DatabasePool
from db.synthetic import PeerRow, StaffRow, add_partner_organisation, add_peers, add_staff
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller
from tests.api.test_events_api import wait_for_task
from tests.conftest import eventually


@dataclass
class Partners:
    """A municipality that owns the episodes and an NGO partner whose volunteer serves them."""

    municipality: Roster
    partnership_id: str
    ngo: str
    ngo_coordinator: str
    volunteer: str
    # An NGO volunteer serving another municipality: never offered these episodes.
    idle_volunteer: str


async def ngo_partner(
    pool: DatabasePool, municipality: Roster, partnership_id: str | None = None
) -> Partners:
    """A new NGO with a coordinator and two volunteers: one serving the municipality, one not.
    A member of the given partnership, or of every partnership the municipality is in."""
    key = uuid.uuid4().hex[:8]
    ngo = f"ngo-{key}"
    coordinator, volunteer, idle = f"coord-{key}", f"vol-{key}", f"idle-{key}"
    async with pool.acquire() as conn:
        if partnership_id is None:
            await add_partner_organisation(
                conn, ngo, kind="ngo", partner_of=municipality.organisation_id
            )
            partnership_id = await conn.fetchval(
                "SELECT partnership_id FROM partnership_members WHERE organisation_id = $1",
                municipality.organisation_id,
            )
        else:
            await conn.execute(
                "INSERT INTO organisations (organisation_id, name, kind)"
                " VALUES ($1, $2, 'ngo') ON CONFLICT DO NOTHING",
                ngo,
                f"NGO {key}",
            )
            await conn.execute(
                "INSERT INTO partnership_members (partnership_id, organisation_id) VALUES ($1, $2)",
                partnership_id,
                ngo,
            )
        await add_staff(
            conn,
            ngo,
            [
                StaffRow(user_id=coordinator, role="coordinator", display_name="NGO coordinator"),
                StaffRow(user_id=volunteer, role="peer", display_name="NGO volunteer"),
                StaffRow(user_id=idle, role="peer", display_name="Idle volunteer"),
            ],
        )
        await add_peers(
            conn,
            ngo,
            [
                PeerRow(
                    peer_id=volunteer,
                    languages=["da"],
                    programmes=["peer-guide-sind"],
                    municipalities=[municipality.municipality_code],
                    capacity=3,
                ),
                PeerRow(
                    peer_id=idle,
                    languages=["da"],
                    programmes=["peer-guide-sind"],
                    municipalities=["0000"],
                    capacity=3,
                ),
            ],
        )
    assert partnership_id is not None
    return Partners(municipality, partnership_id, ngo, coordinator, volunteer, idle)


async def a_municipality(pool: DatabasePool) -> Roster:
    """A municipality's roster without peers of its own (its episodes go to partners' peers)."""
    roster = await make_roster(pool, peers=0)
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE organisations SET kind = 'municipality', name = $2 WHERE organisation_id = $1",
            roster.organisation_id,
            f"Kommune {roster.municipality_code}",
        )
    return roster


async def set_sharing(pool: DatabasePool, partnership_id: str, **rules: object) -> None:
    sharing = {"match_across": True, "home_sees_assigned": ["ngo", "association"], **rules}
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE partnerships SET sharing = $2::jsonb WHERE partnership_id = $1",
            partnership_id,
            json.dumps(sharing),
        )


async def assigned_episode(
    pool: DatabasePool, as_user: Caller, municipality: Roster, volunteer: str
) -> str:
    """Referred on the municipality's ward, offered to and accepted by the volunteer; returns
    the episode id once the read model shows the volunteer assigned."""
    ward = await as_user(municipality.ward_nurse)
    answer = await ward.post("/api/events", json=referral_body(municipality))
    assert answer.status_code == 202, answer.text
    episode_id: str = answer.json()["episode_id"]
    peer = await as_user(volunteer)
    offers = [t for t in (await peer.get("/api/tasks")).json() if t["episode_id"] == episode_id]
    offer = offers[0] if offers else await wait_for_task(peer, "peer_offer")
    accepted = await peer.post(f"/api/tasks/{offer['task_id']}/accept", json={})
    assert accepted.status_code == 200, accepted.text

    async def assigned() -> bool:
        async with pool.acquire() as conn:
            found = await conn.fetchval(
                "SELECT peer_id FROM episodes WHERE episode_id = $1", episode_id
            )
        return bool(found == volunteer)

    await eventually(assigned)
    return episode_id


async def open_task(pool: DatabasePool, episode_id: str, kind: str) -> str | None:
    async with pool.acquire() as conn:
        found: str | None = await conn.fetchval(
            "SELECT task_id FROM tasks WHERE episode_id = $1 AND kind = $2 AND status = 'open'",
            episode_id,
            kind,
        )
    return found


async def test_the_volunteers_home_coordinator_sees_and_supervises_the_municipalitys_episode(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    partners = await ngo_partner(db_pool, await a_municipality(db_pool))
    episode_id = await assigned_episode(db_pool, as_user, partners.municipality, partners.volunteer)
    home = await as_user(partners.ngo_coordinator)

    read = await home.get(f"/api/episodes/{episode_id}")
    assert read.status_code == 200, read.text
    assert read.json()["citizen"] is not None
    assert read.json()["notes"] is not None
    assert (await home.get(f"/episodes/{episode_id}")).status_code == 200
    page = await home.get("/coordinator?lang=en")
    assert page.status_code == 200
    assert f'id="episode-{episode_id}"' in page.text
    owner = f"Kommune {partners.municipality.municipality_code}"
    assert f"Your peer&#39;s, owned by {owner}" in page.text

    # The volunteer raises a concern: the owner's coordinator task, which the home
    # coordinator, who supervises the volunteer, may take.
    peer = await as_user(partners.volunteer)
    concern = event_body(episode_id, "concern_flagged", {"note": "Worried after the visit"})
    assert (await peer.post("/api/events", json=concern)).status_code == 202
    await eventually(lambda: open_task(db_pool, episode_id, "concern"))
    concern_task = await open_task(db_pool, episode_id, "concern")
    done = await home.post(
        f"/api/tasks/{concern_task}/complete", json={"note": "Talked it through with the peer"}
    )
    assert done.status_code == 200, done.text

    # The owner leads the episode: the peer's own tasks and the hand-over stay theirs.
    meeting = await open_task(db_pool, episode_id, "first_meeting")
    assert meeting is not None
    refused = await home.post(f"/api/tasks/{meeting}/complete", json={})
    assert refused.status_code == 404
    hand_over = {"peer_id": partners.idle_volunteer, "reason": "The peer is ill"}
    moved = await home.post(f"/api/episodes/{episode_id}/hand-over", json=hand_over)
    assert moved.status_code == 404


async def test_a_sharing_rule_without_the_ngo_kind_keeps_the_episode_from_its_home_coordinator(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    partners = await ngo_partner(db_pool, await a_municipality(db_pool))
    await set_sharing(db_pool, partners.partnership_id, home_sees_assigned=["association"])
    episode_id = await assigned_episode(db_pool, as_user, partners.municipality, partners.volunteer)
    home = await as_user(partners.ngo_coordinator)

    assert (await home.get(f"/api/episodes/{episode_id}")).status_code == 404
    page = await home.get("/coordinator")
    assert episode_id not in page.text

    # The rule changed back: the next request sees it (rules are data, read per request).
    await set_sharing(db_pool, partners.partnership_id, home_sees_assigned=["ngo"])
    assert (await home.get(f"/api/episodes/{episode_id}")).status_code == 200


async def test_a_coordinator_in_two_partnerships_sees_across_both_only_as_each_allows(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    """One NGO in two partnerships: the first lets NGOs see their volunteers' episodes, the
    second does not. Its coordinator sees the first municipality's episode only."""
    first = await ngo_partner(db_pool, await a_municipality(db_pool))
    second_municipality = await a_municipality(db_pool)
    async with db_pool.acquire() as conn:
        second_partnership: str = await conn.fetchval(
            "SELECT partnership_id FROM partnership_members WHERE organisation_id = $1",
            second_municipality.organisation_id,
        )
        await conn.execute(
            "INSERT INTO partnership_members (partnership_id, organisation_id) VALUES ($1, $2)",
            second_partnership,
            first.ngo,
        )
        await conn.execute(
            "UPDATE peers SET municipalities = municipalities || $2::text WHERE peer_id = $1",
            first.volunteer,
            second_municipality.municipality_code,
        )
    await set_sharing(db_pool, second_partnership, home_sees_assigned=["region"])
    seen = await assigned_episode(db_pool, as_user, first.municipality, first.volunteer)
    hidden = await assigned_episode(db_pool, as_user, second_municipality, first.volunteer)
    home = await as_user(first.ngo_coordinator)

    assert (await home.get(f"/api/episodes/{seen}")).status_code == 200
    assert (await home.get(f"/api/episodes/{hidden}")).status_code == 404
    page = (await home.get("/coordinator")).text
    assert seen in page
    assert hidden not in page
    async with db_pool.acquire() as conn:
        assert await supervised_episodes(conn, first.ngo) == frozenset({seen})
        listed = await partnerships_of(conn, first.ngo)
    assert {p.partnership_id for p in listed} == {first.partnership_id, second_partnership}
    rules = {p.partnership_id: p.sharing.home_sees_assigned for p in listed}
    assert rules[second_partnership] == ("region",)


async def test_an_episode_that_ended_more_than_ninety_days_ago_is_no_longer_supervised(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    partners = await ngo_partner(db_pool, await a_municipality(db_pool))
    ended = await assigned_episode(db_pool, as_user, partners.municipality, partners.volunteer)
    recent = await assigned_episode(db_pool, as_user, partners.municipality, partners.volunteer)
    async with db_pool.acquire() as conn:
        assert await supervised_episodes(conn, partners.ngo) == frozenset({ended, recent})
        # The read model as the projection leaves an ended episode (closed_at set).
        for episode_id, days in ((ended, 91), (recent, 89)):
            await conn.execute(
                "UPDATE episodes SET closed_at = now() - make_interval(days => $2)"
                " WHERE episode_id = $1",
                episode_id,
                days,
            )
        assert await supervised_episodes(conn, partners.ngo) == frozenset({recent})
    home = await as_user(partners.ngo_coordinator)
    assert (await home.get(f"/api/episodes/{ended}")).status_code == 404
    assert (await home.get(f"/api/episodes/{recent}")).status_code == 200


async def test_only_the_partner_whose_peer_is_assigned_sees_the_episode(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    """Another NGO of the same partnership, whose peers are not assigned, sees nothing; nor
    does the NGO's own peer who is not assigned."""
    partners = await ngo_partner(db_pool, await a_municipality(db_pool))
    episode_id = await assigned_episode(db_pool, as_user, partners.municipality, partners.volunteer)
    bystander = await ngo_partner(db_pool, partners.municipality, partners.partnership_id)

    for user in (bystander.ngo_coordinator, bystander.volunteer, partners.idle_volunteer):
        client: httpx.AsyncClient = await as_user(user)
        assert (await client.get(f"/api/episodes/{episode_id}")).status_code == 404, user
    async with db_pool.acquire() as conn:
        assert await supervised_episodes(conn, bystander.ngo) == frozenset()
