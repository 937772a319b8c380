"""A partnership whose sharing rules say match_across=false: its members' peers are offered
only their own organisation's episodes, automatically and by hand, and the coordinator's
manual-match list does not show them; another partnership that matches across still does."""

from __future__ import annotations

import json

import pytest
from temporalio.exceptions import ApplicationError

from activities.matching import NO_CANDIDATE, PeerMatcher
from db import coordinator_lists
from db.pool import DatabasePool
from tests.activities.builders import Roster
from tests.activities.test_matching import request


@pytest.fixture
def matcher(db_pool: DatabasePool) -> PeerMatcher:
    return PeerMatcher(db_pool)


async def separate_partnership(roster: Roster) -> str:
    """A partnership whose members share rules and supervision but not their peers."""
    partnership_id = await roster.partnership()
    await roster.pool.execute(
        "UPDATE partnerships SET sharing = $2::jsonb WHERE partnership_id = $1",
        partnership_id,
        json.dumps({"match_across": False, "home_sees_assigned": ["ngo"]}),
    )
    return partnership_id


async def test_a_partners_peer_is_not_offered_when_the_partnership_does_not_match_across(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    partnership = await separate_partnership(roster)
    municipality = await roster.organisation(partnership, kind="municipality")
    ngo = await roster.organisation(partnership, kind="ngo")
    await roster.peer(ngo)

    answer = await matcher.reserve_peer(await request(roster, municipality))

    assert answer.peer_id is None
    assert answer.reason == NO_CANDIDATE
    async with db_pool.acquire() as conn:
        assert await coordinator_lists.eligible_peers(conn, municipality) == []


async def test_a_partners_peer_cannot_be_matched_by_hand_when_the_partnership_does_not_match_across(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    partnership = await separate_partnership(roster)
    municipality = await roster.organisation(partnership, kind="municipality")
    ngo = await roster.organisation(partnership, kind="ngo")
    peer = await roster.peer(ngo)
    req = await request(roster, municipality, peer_id=peer, override_capacity=True)

    with pytest.raises(ApplicationError) as failure:
        await matcher.reserve_peer(req)

    assert failure.value.type == "PeerNotEligible"
    assert failure.value.message == (
        "peer_id: the peer's organisation is not in the episode's partnership"
    )
    load = await db_pool.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", peer)
    assert load == 0


async def test_the_same_peer_is_offered_through_another_partnership_that_matches_across(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    """Two partnerships of the same organisations: one matching across is enough."""
    separate = await separate_partnership(roster)
    municipality = await roster.organisation(separate, kind="municipality")
    ngo = await roster.organisation(separate, kind="ngo")
    peer = await roster.peer(ngo)
    shared = await roster.partnership()
    await roster.join(shared, municipality)
    await roster.join(shared, ngo)

    answer = await matcher.reserve_peer(await request(roster, municipality))

    assert answer.peer_id == peer
    async with db_pool.acquire() as conn:
        listed = await coordinator_lists.eligible_peers(conn, municipality)
    assert [p.peer_id for p in listed] == [peer]


async def test_a_peer_is_still_offered_their_own_organisations_episodes(
    matcher: PeerMatcher, roster: Roster
) -> None:
    partnership = await separate_partnership(roster)
    ngo = await roster.organisation(partnership, kind="ngo")
    await roster.organisation(partnership, kind="municipality")
    peer = await roster.peer(ngo)

    answer = await matcher.reserve_peer(await request(roster, ngo))

    assert answer.peer_id == peer
