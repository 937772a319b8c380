"""Peer matching: who is offered, and that a capacity slot is held exactly once."""

from __future__ import annotations

import asyncio

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.matching import NO_CANDIDATE, NO_CAPACITY, PeerMatcher
from db.pool import DatabasePool
from schemas.matching import Reservation, ReservationRelease, ReservationRequest
from tests.activities.builders import PROGRAMME, Roster, fetch_one, new_episode_id


@pytest.fixture
def matcher(db_pool: DatabasePool) -> PeerMatcher:
    return PeerMatcher(db_pool)


async def request(roster: Roster, organisation_id: str, **changes: object) -> ReservationRequest:
    await roster.municipality_row()
    values: dict[str, object] = {
        "episode_id": new_episode_id(),
        "offer_no": 1,
        "programme": PROGRAMME,
        "municipality_code": roster.municipality,
        "organisation_id": organisation_id,
        "languages": ("da",),
    }
    values.update(changes)
    return ReservationRequest.model_validate(values)


async def load_of(pool: DatabasePool, peer_id: str) -> int:
    load: int = await pool.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", peer_id)
    return load


async def test_two_episodes_cannot_take_the_last_slot_of_one_peer(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, capacity=1)
    requests = [await request(roster, org) for _ in range(20)]

    answers = await asyncio.gather(*(matcher.reserve_peer(r) for r in requests))

    assert [a.peer_id for a in answers].count(peer) == 1
    assert sum(a.peer_id is None for a in answers) == 19
    assert await load_of(db_pool, peer) == 1
    held = await db_pool.fetchval(
        "SELECT count(*) FROM peer_reservations WHERE peer_id = $1 AND status = 'held'", peer
    )
    assert held == 1


async def test_last_slots_of_several_peers_go_to_different_episodes(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peers = [await roster.peer(org, capacity=1) for _ in range(3)]
    requests = [await request(roster, org) for _ in range(10)]

    answers = await asyncio.gather(*(matcher.reserve_peer(r) for r in requests))

    assert sorted(a.peer_id for a in answers if a.peer_id) == sorted(peers)
    assert [await load_of(db_pool, p) for p in peers] == [1, 1, 1]


async def test_peer_who_speaks_the_citizens_languages_is_offered_first(
    matcher: PeerMatcher, roster: Roster
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    await roster.peer(org, capacity=4, load=0, languages=("da",))
    speaks_both = await roster.peer(org, capacity=4, load=3, languages=("da", "ar"))
    await roster.peer(org, capacity=4, load=0, languages=("ar",))

    answer = await matcher.reserve_peer(await request(roster, org, languages=("da", "ar")))

    assert answer.peer_id == speaks_both


async def test_least_loaded_peer_is_offered_when_languages_tie(
    matcher: PeerMatcher, roster: Roster
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    await roster.peer(org, capacity=2, load=1)
    least_loaded = await roster.peer(org, capacity=4, load=1)

    answer = await matcher.reserve_peer(await request(roster, org))

    assert answer.peer_id == least_loaded


async def test_equal_peers_are_offered_in_a_stable_order(
    matcher: PeerMatcher, roster: Roster
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peers = [await roster.peer(org, capacity=3) for _ in range(3)]

    answer = await matcher.reserve_peer(await request(roster, org))

    assert answer.peer_id == min(peers)


async def test_peer_from_a_partner_organisation_can_be_offered(
    matcher: PeerMatcher, roster: Roster
) -> None:
    partnership = await roster.partnership()
    hospital = await roster.organisation(partnership)
    association = await roster.organisation(partnership)
    await roster.municipality_row()
    peer = await roster.peer(association)

    answer = await matcher.reserve_peer(await request(roster, hospital))

    assert answer.peer_id == peer


async def test_organisation_outside_any_partnership_only_gets_its_own_peers(
    matcher: PeerMatcher, roster: Roster
) -> None:
    lonely = await roster.organisation()
    partnership = await roster.partnership()
    other = await roster.organisation(partnership)
    await roster.municipality_row()
    await roster.peer(other)

    answer = await matcher.reserve_peer(await request(roster, lonely))

    assert answer == Reservation(
        episode_id=answer.episode_id, offer_no=1, peer_id=None, reason=NO_CANDIDATE
    )


async def test_unfit_or_already_offered_peers_are_never_offered(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    stranger = await roster.organisation(await roster.partnership())
    await roster.municipality_row()
    await roster.municipality_row(f"x{roster.key}")
    already_offered = await roster.peer(org)
    unfit = [
        await roster.peer(org, trained=False),
        await roster.peer(org, available=False),
        await roster.peer(org, active=False),
        await roster.peer(org, programmes=("ark-course",)),
        await roster.peer(org, municipalities=(f"x{roster.key}",)),
        await roster.peer(org, capacity=1, load=1),
        await roster.peer(org, capacity=0),
        await roster.peer(stranger),
    ]

    answer = await matcher.reserve_peer(
        await request(roster, org, exclude_peer_ids=(already_offered,))
    )

    assert answer.peer_id is None
    assert answer.reason == NO_CANDIDATE
    loads = [await load_of(db_pool, p) for p in [already_offered, *unfit]]
    assert loads == [0, 0, 0, 0, 0, 0, 1, 0, 0]


async def test_retried_reservation_returns_the_same_peer_and_holds_one_slot(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, capacity=3)
    req = await request(roster, org)

    first = await matcher.reserve_peer(req)
    again = await asyncio.gather(*(matcher.reserve_peer(req) for _ in range(5)))

    assert first.peer_id == peer
    assert all(a == first for a in again)
    assert await load_of(db_pool, peer) == 1


async def test_reservation_runs_as_a_temporal_activity(
    matcher: PeerMatcher, roster: Roster
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org)

    answer = await ActivityEnvironment().run(matcher.reserve_peer, await request(roster, org))

    assert answer.peer_id == peer


async def test_releasing_twice_gives_the_slot_back_once(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, capacity=3, load=1)
    req = await request(roster, org)
    await matcher.reserve_peer(req)
    release = ReservationRelease(episode_id=req.episode_id, offer_no=req.offer_no)

    await matcher.release_peer(release)
    await matcher.release_peer(release)

    assert await load_of(db_pool, peer) == 1
    row = await fetch_one(
        db_pool,
        "SELECT status, released_at FROM peer_reservations WHERE episode_id = $1",
        req.episode_id,
    )
    assert row["status"] == "released"
    assert row["released_at"] is not None


async def test_releasing_a_reservation_never_made_changes_nothing(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, capacity=3, load=2)

    await matcher.release_peer(ReservationRelease(episode_id=new_episode_id(), offer_no=1))

    assert await load_of(db_pool, peer) == 2


async def test_slot_given_back_can_be_offered_to_the_next_episode(
    matcher: PeerMatcher, roster: Roster
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, capacity=1)
    first = await request(roster, org)
    assert (await matcher.reserve_peer(first)).peer_id == peer
    assert (await matcher.reserve_peer(await request(roster, org))).peer_id is None

    await matcher.release_peer(ReservationRelease(episode_id=first.episode_id, offer_no=1))

    assert (await matcher.reserve_peer(await request(roster, org))).peer_id == peer


async def test_coordinator_can_match_a_full_peer_by_overriding_capacity(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, capacity=1, load=1, programmes=("ark-course",))
    req = await request(roster, org, peer_id=peer, override_capacity=True, offer_no=4)

    answer = await matcher.reserve_peer(req)
    retried = await matcher.reserve_peer(req)

    assert answer.peer_id == peer
    assert retried == answer
    assert await load_of(db_pool, peer) == 2
    overridden = await db_pool.fetchval(
        "SELECT overridden FROM peer_reservations WHERE episode_id = $1 AND offer_no = 4",
        req.episode_id,
    )
    assert overridden is True


async def test_manual_match_within_capacity_is_not_marked_as_override(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, capacity=2)
    req = await request(roster, org, peer_id=peer, override_capacity=True)

    assert (await matcher.reserve_peer(req)).peer_id == peer
    overridden = await db_pool.fetchval(
        "SELECT overridden FROM peer_reservations WHERE episode_id = $1", req.episode_id
    )
    assert overridden is False


async def test_manual_match_of_a_full_peer_without_override_is_refused(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, capacity=1, load=1)

    answer = await matcher.reserve_peer(await request(roster, org, peer_id=peer))

    assert answer.peer_id is None
    assert answer.reason == NO_CAPACITY
    assert await load_of(db_pool, peer) == 1


@pytest.mark.parametrize("kind", ["untrained", "unknown"])
async def test_manual_match_of_an_ineligible_peer_names_the_field(
    matcher: PeerMatcher, roster: Roster, kind: str
) -> None:
    org = await roster.organisation()
    await roster.municipality_row()
    peer = await roster.peer(org, trained=False) if kind == "untrained" else f"nobody-{roster.key}"

    with pytest.raises(ApplicationError) as failure:
        await matcher.reserve_peer(await request(roster, org, peer_id=peer, override_capacity=True))

    assert failure.value.type == "PeerNotEligible"
    assert failure.value.non_retryable
    assert failure.value.message.startswith("peer_id:")
    assert peer not in str(failure.value)
