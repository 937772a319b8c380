"""Who may be offered an episode (issue 17): a peer without training for the programme, whose
training has lapsed, who is away today, or whose employment form or organisation kind may not
carry the programme is never offered — not by automatic matching, not by a coordinator's manual
match, not in the coordinator's list of peers who could take an episode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from activities.matching import NO_CANDIDATE, PeerMatcher
from db import coordinator_lists
from db.pool import DatabasePool
from tests.activities.builders import PROGRAMME, Roster
from tests.activities.test_matching import load_of, request

TODAY = date.today()


@pytest.fixture
def matcher(db_pool: DatabasePool) -> PeerMatcher:
    return PeerMatcher(db_pool)


async def untrained(roster: Roster, org: str) -> str:
    return await roster.peer(org, trained=False)


async def trained_for_another_programme(roster: Roster, org: str) -> str:
    """Trained as an ARK instructor only; the peer-guide programme needs the peer-guide course."""
    peer = await roster.peer(org, trained=False)
    await record_training(roster, peer, "ark-instructor", TODAY - timedelta(days=10))
    return peer


async def lapsed(roster: Roster, org: str) -> str:
    """Every course completed 25 months ago; the programme's refresher period is 24 months."""
    peer = await roster.peer(org, trained=False)
    await roster.trained_in_every_course(peer, completed_on=months_ago(25))
    return peer


async def away_today(roster: Roster, org: str) -> str:
    peer = await roster.peer(org)
    await absence(roster, peer, TODAY - timedelta(days=3), TODAY + timedelta(days=4))
    return peer


async def away_until_today(roster: Roster, org: str) -> str:
    """The last day of an absence counts as away."""
    peer = await roster.peer(org)
    await absence(roster, peer, TODAY - timedelta(days=7), TODAY)
    return peer


async def employed(roster: Roster, org: str) -> str:
    """The peer-guide model is carried by volunteers anchored in an NGO or association."""
    return await roster.peer(org, employment="employed")


async def volunteer_of_a_municipality(roster: Roster, org: str) -> str:
    """A volunteer, but of a municipality in the partnership: not an NGO or association."""
    partnership = await roster.pool.fetchval(
        "SELECT partnership_id FROM partnership_members WHERE organisation_id = $1", org
    )
    municipality = await roster.organisation(partnership, kind="municipality")
    return await roster.peer(municipality)


Unfit = Callable[[Roster, str], Awaitable[str]]
UNFIT: dict[str, Unfit] = {
    "untrained": untrained,
    "trained for another programme": trained_for_another_programme,
    "lapsed": lapsed,
    "away today": away_today,
    "away until today": away_until_today,
    "employed": employed,
    "volunteer of a municipality": volunteer_of_a_municipality,
}
REFUSAL = {
    "untrained": "the peer's training for the programme is missing or has lapsed",
    "trained for another programme": (
        "the peer's training for the programme is missing or has lapsed"
    ),
    "lapsed": "the peer's training for the programme is missing or has lapsed",
    "away today": "the peer is away or not available",
    "away until today": "the peer is away or not available",
    "employed": "the programme is not carried by the peer's employment form or organisation",
    "volunteer of a municipality": (
        "the programme is not carried by the peer's employment form or organisation"
    ),
}


def months_ago(months: int) -> date:
    year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - months, 12)
    return date(year, month + 1, min(TODAY.day, 28))


async def record_training(roster: Roster, peer: str, course: str, on: date) -> None:
    await roster.pool.execute(
        "INSERT INTO peer_trainings (training_id, peer_id, course, completed_on, trained_by)"
        " VALUES ($1, $2, $3, $4, 'Test trainer')",
        f"{peer}:{course}:{on}",
        peer,
        course,
        on,
    )


async def absence(roster: Roster, peer: str, starts: date, ends: date) -> None:
    await roster.pool.execute(
        "INSERT INTO peer_absences (absence_id, peer_id, starts_on, ends_on, kind)"
        " VALUES ($1, $2, $3, $4, 'holiday')",
        f"{peer}:{starts}",
        peer,
        starts,
        ends,
    )


async def partnership_org(roster: Roster) -> str:
    return await roster.organisation(await roster.partnership())


async def listed_for_coordinator(pool: DatabasePool, org: str) -> set[str]:
    async with pool.acquire() as conn:
        return {
            p.peer_id
            for p in await coordinator_lists.eligible_peers(conn, org)
            if PROGRAMME in p.programmes
        }


@pytest.mark.parametrize("kind", list(UNFIT))
async def test_an_unfit_peer_is_never_offered_nor_listed(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool, kind: str
) -> None:
    org = await partnership_org(roster)
    peer = await UNFIT[kind](roster, org)

    answer = await matcher.reserve_peer(await request(roster, org))

    assert answer.peer_id is None
    assert answer.reason == NO_CANDIDATE
    assert await load_of(db_pool, peer) == 0
    assert peer not in await listed_for_coordinator(db_pool, org)


@pytest.mark.parametrize("kind", list(UNFIT))
async def test_a_manual_match_of_an_unfit_peer_is_refused_with_the_rule_it_breaks(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool, kind: str
) -> None:
    org = await partnership_org(roster)
    peer = await UNFIT[kind](roster, org)

    with pytest.raises(ApplicationError) as failure:
        await matcher.reserve_peer(await request(roster, org, peer_id=peer, override_capacity=True))

    assert failure.value.type == "PeerNotEligible"
    assert failure.value.message == f"peer_id: {REFUSAL[kind]}"
    assert peer not in failure.value.message
    assert await load_of(db_pool, peer) == 0


async def test_a_refresher_course_renews_lapsed_training(
    matcher: PeerMatcher, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await partnership_org(roster)
    peer = await lapsed(roster, org)
    await record_training(roster, peer, "peer-refresher", TODAY - timedelta(days=2))

    answer = await matcher.reserve_peer(await request(roster, org))

    assert answer.peer_id == peer
    assert peer in await listed_for_coordinator(db_pool, org)


async def test_training_within_the_refresher_period_counts(
    matcher: PeerMatcher, roster: Roster
) -> None:
    org = await partnership_org(roster)
    peer = await roster.peer(org, trained=False)
    await roster.trained_in_every_course(peer, completed_on=months_ago(23))

    assert (await matcher.reserve_peer(await request(roster, org))).peer_id == peer


async def test_a_programme_with_a_longer_refresher_period_keeps_the_same_training_valid(
    matcher: PeerMatcher, roster: Roster
) -> None:
    """Recovery college refreshes every 36 months: 30-month-old training still counts there,
    not for the peer guide model (24 months)."""
    org = await partnership_org(roster)
    peer = await roster.peer(org, trained=False, programmes=("recovery-college", PROGRAMME))
    await roster.trained_in_every_course(peer, completed_on=months_ago(30))

    recovery = await matcher.reserve_peer(await request(roster, org, programme="recovery-college"))
    guide = await matcher.reserve_peer(await request(roster, org))

    assert recovery.peer_id == peer
    assert guide.peer_id is None


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (TODAY - timedelta(days=9), TODAY - timedelta(days=1)),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=9)),
    ],
    ids=["ended yesterday", "starts tomorrow"],
)
async def test_an_absence_outside_today_does_not_hold_the_peer_back(
    matcher: PeerMatcher, roster: Roster, starts: date, ends: date
) -> None:
    org = await partnership_org(roster)
    peer = await roster.peer(org)
    await absence(roster, peer, starts, ends)

    assert (await matcher.reserve_peer(await request(roster, org))).peer_id == peer


async def test_an_employed_peer_carries_municipal_peer_support_and_a_volunteer_does_not(
    matcher: PeerMatcher, roster: Roster
) -> None:
    org = await partnership_org(roster)
    programmes = ("municipal-peer-support",)
    volunteer = await roster.peer(org, programmes=programmes, capacity=5)
    staff = await roster.peer(org, programmes=programmes, employment="employed", capacity=1)

    first = await matcher.reserve_peer(
        await request(roster, org, programme="municipal-peer-support")
    )
    second = await matcher.reserve_peer(
        await request(roster, org, programme="municipal-peer-support")
    )

    assert first.peer_id == staff
    assert second.peer_id is None, f"the volunteer {volunteer} is never offered"
