"""The coordinator's page at size (issue 20): overdue work by who holds it a page of 100 tasks
at a time, oldest due first, each holder's count over all their overdue work, a "more" link
that keeps the page's other parameters and a way back to the oldest, a position that is not
one refused naming the parameter, more work than the lists count said as "more than"; and
the peer load table showing the peers who need a look (over or at capacity, away with
citizens, one place left, none yet), not every peer, with how many there are and the roster
page for all."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.async_api import Page

from command.synthetic.population import Population, PopulationPlan, make_population
from db import keyset
from db.keyset import PAGE_SIZE
from db.pool import DatabasePool
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, with_passwords

pytestmark = pytest.mark.browser


@pytest.fixture
async def population(db_pool: DatabasePool) -> Population:
    """One ward, one municipality, six peers; every open task of the organisation overdue,
    a minute apart (so more than a page of them)."""
    plan = PopulationPlan(episodes=300, open=200, wards=1, municipalities=1, peers=6, seed=11)
    made = await make_population(db_pool, plan)
    await with_passwords(db_pool, made.roster)
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE tasks t SET due_at = now() - interval '2 days'"
            " - (row_number * interval '1 minute')"
            " FROM (SELECT task_id, row_number() OVER (ORDER BY task_id) FROM tasks"
            "       WHERE status = 'open' AND episode_id IN"
            "       (SELECT episode_id FROM episodes WHERE organisation_id = $1)) AS n"
            " WHERE t.task_id = n.task_id",
            made.roster.organisation_id,
        )
    return made


async def overdue_in_order(pool: DatabasePool, organisation_id: str) -> list[tuple[str, str]]:
    """(task id, holder id) of the organisation's overdue tasks, oldest due first."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT t.task_id, t.assignee_id FROM tasks t"
            " JOIN episodes e ON e.episode_id = t.episode_id"
            " WHERE t.status = 'open' AND (t.overdue OR t.due_at < now())"
            " AND e.organisation_id = $1 ORDER BY t.due_at NULLS LAST, t.task_id",
            organisation_id,
        )
    return [(r["task_id"], r["assignee_id"]) for r in rows]


async def shown_overdue(page: Page) -> list[str]:
    ids: list[str] = await page.locator("section#overdue tbody tr").evaluate_all(
        "rows => rows.map(r => r.id)"
    )
    return [i.removeprefix("overdue-") for i in ids]


async def test_overdue_work_is_paged_oldest_first_with_each_holders_whole_count(
    open_as: OpenAs, db_pool: DatabasePool, population: Population
) -> None:
    roster = population.roster
    expected = await overdue_in_order(db_pool, roster.organisation_id)
    assert PAGE_SIZE < len(expected) <= keyset.COUNT_CAP, "the made-up population's overdue work"
    per_holder = Counter(holder for _, holder in expected)
    coordinator = await open_as(roster.coordinator)
    await coordinator.goto("/coordinator?lang=en")
    first = await shown_overdue(coordinator)
    # Grouped by holder, so the page's rows are the PAGE_SIZE oldest, each holder's in due order.
    assert sorted(first) == sorted(t for t, _ in expected[:PAGE_SIZE])
    overdue = coordinator.locator("section#overdue")
    count = await overdue.locator(".overdue-count").inner_text()
    assert f"Showing {PAGE_SIZE} of {len(expected)} overdue tasks" in count
    # A holder with work on this page and the next is counted over all of it, not the page's.
    on_first = Counter(holder for _, holder in expected[:PAGE_SIZE])
    spanning = [h for h in on_first if per_holder[h] > on_first[h]]
    assert spanning, "the made-up population has a holder on both pages"
    card = overdue.locator(f".card[id^=holder-][id*='-{spanning[0]}']")
    summary = await card.first.locator(".meta").inner_text()
    assert f"{per_holder[spanning[0]]} overdue tasks" in summary
    assert await card.first.locator("tbody tr").count() == on_first[spanning[0]]
    nav = coordinator.get_by_role("navigation", name="Pages of overdue work")
    assert await nav.get_by_role("link", name="Oldest overdue tasks").count() == 0

    async with coordinator.expect_navigation():
        await nav.get_by_role("link", name="More overdue tasks").click()
    assert "lang=en" in coordinator.url, "the page's other parameters are kept"
    second = await shown_overdue(coordinator)
    assert sorted(second) == sorted(t for t, _ in expected[PAGE_SIZE : 2 * PAGE_SIZE])
    await assert_accessible(coordinator, context="the coordinator's second page of overdue work")
    async with coordinator.expect_navigation():
        await nav.get_by_role("link", name="Oldest overdue tasks").click()
    assert sorted(await shown_overdue(coordinator)) == sorted(first)

    await coordinator.goto("/coordinator?lang=da")
    danish = coordinator.get_by_role("navigation", name="Sider med forfaldent arbejde")
    assert await danish.get_by_role("link", name="Flere forfaldne opgaver").count() == 1

    response = await coordinator.goto("/coordinator?lang=en&overdue_after=yesterday")
    assert response is not None and response.status == 400
    assert (
        "overdue_after: not a page of this list" in await coordinator.locator("main").inner_text()
    )
    await assert_accessible(coordinator, context="a refused overdue position")


async def test_more_overdue_work_than_the_lists_count_says_more_than(
    open_as: OpenAs,
    db_pool: DatabasePool,
    population: Population,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = await overdue_in_order(db_pool, population.roster.organisation_id)
    cap = PAGE_SIZE + 10
    assert len(expected) > cap, "the made-up population's overdue work"
    monkeypatch.setattr(keyset, "COUNT_CAP", cap)
    coordinator = await open_as(population.roster.coordinator)
    await coordinator.goto("/coordinator?lang=en")
    count = await coordinator.locator("section#overdue .overdue-count").inner_text()
    assert f"Showing {PAGE_SIZE} of more than {cap} overdue tasks" in count
    await coordinator.goto("/coordinator?lang=da")
    count = await coordinator.locator("section#overdue .overdue-count").inner_text()
    assert f"Viser {PAGE_SIZE} af mere end {cap} forfaldne opgaver" in count


async def test_the_load_table_shows_the_peers_who_need_a_look(
    open_as: OpenAs, db_pool: DatabasePool, population: Population
) -> None:
    roster = population.roster
    over, full, away, near, middle, idle = roster.peers[:6]
    shape = {  # peer: (capacity, active load, available)
        over: (2, 3, True),
        full: (3, 3, True),
        away: (4, 1, False),
        near: (4, 3, True),
        middle: (4, 2, True),
        idle: (4, 0, True),
    }
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE peers SET capacity = 4, active_load = 2, available = true"
            " WHERE organisation_id = $1",
            roster.organisation_id,
        )
        for peer_id, (capacity, load, available) in shape.items():
            await conn.execute(
                "UPDATE peers SET capacity = $2, active_load = $3, available = $4"
                " WHERE peer_id = $1",
                peer_id,
                capacity,
                load,
                available,
            )
        total = await conn.fetchval(
            "SELECT count(*) FROM peers p JOIN users u ON u.user_id = p.peer_id"
            " WHERE p.organisation_id = $1 AND u.active",
            roster.organisation_id,
        )
        names = dict(
            await conn.fetch(
                "SELECT user_id, display_name FROM users WHERE user_id = ANY ($1::text[])",
                list(shape),
            )
        )
    coordinator = await open_as(roster.coordinator)
    await coordinator.goto("/coordinator?lang=en")
    load = coordinator.locator("section[aria-labelledby=load-title]")
    rows = await load.locator("tbody th").all_inner_texts()
    assert rows == [names[p] for p in (over, full, away, near, idle)], (
        "over capacity, full, away with citizens, one place left, none yet; not the middle"
    )
    hint = await load.locator(".hint").inner_text()
    assert "Showing 5 of 5 peer guides who need a look" in hint
    assert f"All {total} peer guides are on the roster page" in hint
    assert await load.get_by_role("link", name="Add, edit and deactivate peer guides").count() == 1
    await assert_accessible(coordinator, context="the coordinator's peers who need a look")
