"""The role pages' long lists a page at a time (issue 20): a ward's, a caseworker's, a
coordinator's and a peer guide's episodes over a made-up population of three pages and a bit,
PAGE_SIZE rows a page, newest referral first; "Older"/"Newer" links go to the pages beside it
keeping the page's language, the total is shown, only the names shown are audited; a position
in the query string that is not one is refused with a 400 page naming the parameter; the
coordinator's rows link to each episode's own hand-over page instead of a choice of peer per
row; the peer's contact and concern cards are there for every open episode, on whichever page
its row is."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from command.synthetic.population import Population, PopulationPlan, make_population
from db.keyset import PAGE_SIZE
from db.pool import DatabasePool
from schemas.consent import SERVICE_SCOPE
from tests.api.test_partnership_escalation import coordinator_of_a_new_organisation
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, with_passwords

pytestmark = pytest.mark.browser

EPISODES = 3 * PAGE_SIZE + 30


@pytest.fixture
async def population(db_pool: DatabasePool) -> Population:
    """One ward, one municipality, five peers; its staff log in with the test password."""
    plan = PopulationPlan(
        episodes=EPISODES, open=80, wards=1, municipalities=1, peers=5, days=120, seed=7
    )
    made = await make_population(db_pool, plan)
    await with_passwords(db_pool, made.roster)
    return made


async def newest_first(pool: DatabasePool, where: str, value: str) -> list[str]:
    """The list's episode ids as the page must order them."""
    queries = {
        "ward": "SELECT episode_id FROM episodes WHERE ward_id = $1",
        "organisation": "SELECT episode_id FROM episodes WHERE organisation_id = $1",
        "peer": "SELECT episode_id FROM episodes WHERE peer_id = $1",
        "shared": "SELECT episode_id FROM episodes WHERE municipality_code = $1"
        f" AND '{SERVICE_SCOPE['social_services'].value}' = ANY (consents)",
    }
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            queries[where] + " ORDER BY referred_at DESC, episode_id DESC", value
        )
    return [r["episode_id"] for r in rows]


async def shown(page: Page, section: str) -> list[str]:
    """The episode ids of the rows the list shows, top to bottom."""
    ids = await page.locator(f"section[aria-labelledby={section}] tbody tr").evaluate_all(
        "rows => rows.map(r => r.id)"
    )
    return [i.removeprefix("episode-") for i in ids]


async def follow(page: Page, name: str) -> None:
    async with page.expect_navigation():
        await (
            page.get_by_role("navigation", name="Pages of the list")
            .get_by_role("link", name=name)
            .click()
        )


async def audited(pool: DatabasePool, actor_id: str, place: str) -> int:
    async with pool.acquire() as conn:
        found: int = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'read.citizen'"
            " AND detail->>'place' = $2",
            actor_id,
            place,
        )
    return found


async def test_the_ward_pages_through_its_episodes_older_and_newer(
    open_as: OpenAs, db_pool: DatabasePool, population: Population
) -> None:
    roster = population.roster
    expected = await newest_first(db_pool, "ward", roster.ward_id)
    assert len(expected) == EPISODES
    ward = await open_as(roster.ward_nurse)  # on the ward's page once already
    before = await audited(db_pool, roster.ward_nurse, "ward_list")
    await ward.goto("/ward?lang=en")
    assert await shown(ward, "episodes-title") == expected[:PAGE_SIZE]
    count = await ward.locator(".list-count").inner_text()
    assert f"Showing {PAGE_SIZE} of {EPISODES} episodes" in count
    assert await audited(db_pool, roster.ward_nurse, "ward_list") == before + PAGE_SIZE, (
        "only the names shown are audited, not the row read to know there are more"
    )
    nav = ward.get_by_role("navigation", name="Pages of the list")
    assert await nav.get_by_role("link", name="Newer episodes").count() == 0

    await follow(ward, "Older episodes")
    assert "lang=en" in ward.url, "the page's other parameters are kept"
    assert await shown(ward, "episodes-title") == expected[PAGE_SIZE : 2 * PAGE_SIZE]
    await assert_accessible(ward, context="the ward's second page of episodes")
    await follow(ward, "Older episodes")
    await follow(ward, "Older episodes")
    assert await shown(ward, "episodes-title") == expected[3 * PAGE_SIZE :]
    assert await nav.get_by_role("link", name="Older episodes").count() == 0, "the last page"
    await follow(ward, "Newer episodes")
    assert await shown(ward, "episodes-title") == expected[2 * PAGE_SIZE : 3 * PAGE_SIZE]
    await follow(ward, "Newest episodes")
    assert await shown(ward, "episodes-title") == expected[:PAGE_SIZE]

    await ward.goto("/ward?lang=da")
    danish = ward.get_by_role("navigation", name="Sider i listen")
    await danish.get_by_role("link", name="Ældre forløb").click()
    await ward.wait_for_url("**older=*")
    assert await shown(ward, "episodes-title") == expected[PAGE_SIZE : 2 * PAGE_SIZE]


async def test_the_caseworker_and_coordinator_page_through_theirs(
    open_as: OpenAs, db_pool: DatabasePool, population: Population
) -> None:
    roster = population.roster
    shared = await newest_first(db_pool, "shared", roster.municipality_code)
    assert len(shared) > PAGE_SIZE
    caseworker = await open_as(roster.caseworkers["social_services"])
    before = await audited(db_pool, roster.caseworkers["social_services"], "caseworker_list")
    await caseworker.goto("/caseworker?lang=en")
    assert await shown(caseworker, "referrals-title") == shared[:PAGE_SIZE]
    assert f"of {len(shared)} episodes" in await caseworker.locator(".list-count").inner_text()
    await follow(caseworker, "Older episodes")
    assert await shown(caseworker, "referrals-title") == shared[PAGE_SIZE : 2 * PAGE_SIZE]
    after = await audited(db_pool, roster.caseworkers["social_services"], "caseworker_list")
    assert after == before + 2 * PAGE_SIZE, "a name read per row shown"

    everything = await newest_first(db_pool, "organisation", roster.organisation_id)
    coordinator = await open_as(roster.coordinator)
    await coordinator.goto("/coordinator?lang=en")
    assert await shown(coordinator, "episodes-title") == everything[:PAGE_SIZE]
    await follow(coordinator, "Older episodes")
    assert await shown(coordinator, "episodes-title") == everything[PAGE_SIZE : 2 * PAGE_SIZE]
    assert await coordinator.locator("select[name=peer_id]").count() == 0, "no per-row choice"
    await assert_accessible(coordinator, context="the coordinator's second page of episodes")

    # A row's hand-over link opens that episode's own form, offering its eligible peers.
    link = coordinator.locator("section[aria-labelledby=episodes-title] a[id^=hand-link-]")
    episode_id = (await link.first.get_attribute("id") or "").removeprefix("hand-link-")
    await link.first.click()
    await coordinator.wait_for_url(f"**/coordinator/episodes/{episode_id}/hand-over")
    offered = await coordinator.get_by_label("Hand over to").locator("option").count()
    assert offered > 1, "a choice of peers besides 'choose'"
    await assert_accessible(coordinator, context="an episode's hand-over page")

    # Another organisation's coordinator finds no such page for it.
    stranger = await coordinator_of_a_new_organisation(db_pool, partner_of=roster)
    await with_passwords(db_pool, roster, stranger)
    other = await open_as(stranger)
    response = await other.goto(f"/coordinator/episodes/{episode_id}/hand-over")
    assert response is not None and response.status == 404


async def test_the_peer_pages_through_theirs_with_a_card_for_every_open_one(
    open_as: OpenAs, db_pool: DatabasePool, population: Population
) -> None:
    roster = population.roster
    peer_id = roster.peers[0]
    async with db_pool.acquire() as conn:
        # One peer has had every matched episode; the oldest of them is still open.
        await conn.execute(
            "UPDATE episodes SET peer_id = $1 WHERE peer_id = ANY ($2::text[])",
            peer_id,
            roster.peers,
        )
        oldest = await conn.fetchval(
            "SELECT episode_id FROM episodes WHERE peer_id = $1"
            " ORDER BY referred_at, episode_id LIMIT 1",
            peer_id,
        )
        await conn.execute("UPDATE episodes SET phase = 'follow_up' WHERE episode_id = $1", oldest)
        still_open = {
            r["episode_id"]
            for r in await conn.fetch(
                "SELECT episode_id FROM episodes WHERE peer_id = $1 AND phase <> ALL"
                " ('{closed,withdrawn,cancelled,deceased}'::text[])",
                peer_id,
            )
        }
    expected = await newest_first(db_pool, "peer", peer_id)
    assert len(expected) > 2 * PAGE_SIZE and expected[-1] == oldest
    peer = await open_as(peer_id)
    await peer.goto("/peer?lang=en")
    assert await shown(peer, "episodes-title") == expected[:PAGE_SIZE]
    count = await peer.locator(".list-count").inner_text()
    assert f"Showing {PAGE_SIZE} of {len(expected)} episodes" in count
    cards = await peer.locator("section.card[aria-labelledby^=act-]").evaluate_all(
        "cards => cards.map(c => c.getAttribute('aria-labelledby'))"
    )
    assert {c.removeprefix("act-") for c in cards} == still_open, (
        "a card for every open episode, the oldest (on the last page) too"
    )
    assert oldest not in expected[:PAGE_SIZE]

    await follow(peer, "Older episodes")
    assert await shown(peer, "episodes-title") == expected[PAGE_SIZE : 2 * PAGE_SIZE]
    await assert_accessible(peer, context="the peer's second page of episodes")
    await follow(peer, "Newest episodes")
    assert await shown(peer, "episodes-title") == expected[:PAGE_SIZE]

    # The oldest open episode's card is on the first page, its forms for that episode.
    card = peer.locator(f"section[aria-labelledby=act-{oldest}]")
    actions = await card.locator("form").evaluate_all("forms => forms.map(f => f.action)")
    assert [a.split("/peer/", 1)[1] for a in actions] == [
        f"episodes/{oldest}/contacts",
        f"episodes/{oldest}/concerns",
    ]


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/ward?older=not-a-position", "older"),
        ("/caseworker?newer=17334000001234.bad%20id", "newer"),
        ("/coordinator?older=1.ep-a&newer=1.ep-b", "older"),
        ("/ward?older=123456789012345678.ep-a", "older"),
        ("/peer?newer=not-a-position", "newer"),
    ],
)
async def test_a_position_that_is_not_one_is_refused_naming_the_parameter(
    open_as: OpenAs, db_pool: DatabasePool, population: Population, path: str, named: str
) -> None:
    roster = population.roster
    user = {
        "/ward": roster.ward_nurse,
        "/caseworker": roster.caseworkers["social_services"],
        "/coordinator": roster.coordinator,
        "/peer": roster.peers[0],
    }[path.split("?")[0]]
    page = await open_as(user)
    response = await page.goto(path + "&lang=en")
    assert response is not None and response.status == 400
    text = await page.locator("main").inner_text()
    assert f"{named}: not a page of this list" in text
    await assert_accessible(page, context="a refused list position")
