"""The coordinator in the browser: the episodes by the citizen's name with their peer; handing
an episode to another peer (the capacity moves, the old peer no longer sees it, the new one
has its tasks); a hand-over to a full peer or without a reason refused, the field named and
what was typed kept; overdue work grouped by who holds it (issue 15)."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from command.synthetic.roster import Roster
from db.pool import DatabasePool
from tests.api.test_partnership_escalation import coordinator_of_a_new_organisation
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, reload_until, screenshot, web_roster, with_passwords
from tests.web.steps import CITIZEN, refer

pytestmark = pytest.mark.browser

REASON = "Peer-medarbejderen er sygemeldt i en måned"


async def loads(pool: DatabasePool, roster: Roster) -> list[int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT peer_id, active_load FROM peers WHERE peer_id = ANY ($1::text[])",
            roster.peers,
        )
    found = {r["peer_id"]: r["active_load"] for r in rows}
    return [found[p] for p in roster.peers]


async def open_tasks(pool: DatabasePool, episode_id: str) -> dict[str, tuple[str, str]]:
    """The episode's open tasks: kind -> (assignee role, assignee id)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT kind, assignee_role, assignee_id FROM tasks"
            " WHERE episode_id = $1 AND status = 'open'",
            episode_id,
        )
    return {r["kind"]: (r["assignee_role"], r["assignee_id"]) for r in rows}


async def matched(open_as: OpenAs, pool: DatabasePool, roster: Roster) -> str:
    """Referred on the ward's page and accepted on the first peer's; returns the episode id
    once the first meeting is the peer's task."""
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, pool)
    peer = await open_as(roster.peers[0])
    await reload_until(peer, "text=Offer of an episode")
    await peer.get_by_role("button", name="Accept").click()
    await peer.get_by_text("Your decision has been recorded.").wait_for()

    async def meeting() -> bool:
        return "first_meeting" in await open_tasks(pool, episode_id)

    await eventually(meeting)
    await peer.context.close()
    await ward.context.close()
    return episode_id


async def send_hand_over(page: Page, episode_id: str) -> int:
    card = page.locator(f"#hand-{episode_id}")
    async with page.expect_navigation() as sent:
        await card.get_by_role("button", name="Hand the episode over").click()
    response = await sent.value
    assert response is not None
    return response.status


async def test_the_coordinator_hands_an_episode_to_another_peer(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=2, capacity=2)
    episode_id = await matched(open_as, db_pool, roster)
    assert await loads(db_pool, roster) == [1, 0]

    coordinator = await open_as(roster.coordinator)
    row = coordinator.locator(f"#episode-{episode_id}")
    row_text = await row.inner_text()
    assert CITIZEN in row_text and "Test peer 0" in row_text
    assert episode_id not in row_text, "the list names the citizen, not the id"
    assert "Peer guide (SIND)" in row_text, "the programme by its name"
    assert await coordinator.locator("select[name=peer_id]").count() == 0, "no per-row choice"

    # The row links to the episode's own hand-over page, which offers the eligible peers.
    await row.get_by_role("link", name="Hand over").click()
    await coordinator.wait_for_url(f"**/coordinator/episodes/{episode_id}/hand-over")
    card = coordinator.locator(f"#hand-{episode_id}")
    choice = card.get_by_label("Hand over to")
    offered = await choice.locator("option").all_inner_texts()
    assert any("Test peer 1" in o and "2 of 2 free" in o for o in offered), offered
    assert not any("Test peer 0" in o for o in offered), "not the episode's own peer"
    await choice.select_option(roster.peers[1])
    await card.get_by_label("Reason (3-500 characters)").fill(REASON)
    await assert_accessible(coordinator, context="the coordinator's hand-over form")
    assert await send_hand_over(coordinator, episode_id) == 200
    await coordinator.get_by_text("The episode has been handed over.").wait_for()
    assert "Test peer 1" in await coordinator.locator(f"#episode-{episode_id}").inner_text()
    await screenshot(coordinator, "coordinator-handed-over")

    assert await loads(db_pool, roster) == [0, 1], "each peer's load moved by one"
    assert await open_tasks(db_pool, episode_id) == {
        "first_meeting": ("peer", roster.peers[1]),
        "discharge_agreement": ("ward", roster.ward_id),
        "coordination_plan": ("ward", roster.ward_id),
    }

    old = await open_as(roster.peers[0])
    assert await old.locator(f"#episode-{episode_id}").count() == 0
    assert await old.get_by_role("link", name=episode_id).count() == 0
    new = await open_as(roster.peers[1])
    await new.locator(f"#episode-{episode_id}").wait_for()
    meeting = new.locator("li.card", has_text="First meeting on the ward")
    assert await meeting.get_by_role("link", name=episode_id).count() == 1


async def test_a_hand_over_to_a_full_peer_or_without_a_reason_is_refused_keeping_the_input(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=3, capacity=1)
    episode_id = await matched(open_as, db_pool, roster)
    async with db_pool.acquire() as conn:  # the third peer's only slot is taken elsewhere
        await conn.execute("UPDATE peers SET active_load = 1 WHERE peer_id = $1", roster.peers[2])

    coordinator = await open_as(roster.coordinator)
    await coordinator.goto(f"/coordinator/episodes/{episode_id}/hand-over")
    card = coordinator.locator(f"#hand-{episode_id}")
    choice = card.get_by_label("Hand over to")
    full = await choice.locator(f"option[value='{roster.peers[2]}']").inner_text()
    assert "0 of 1 free (full)" in full
    await choice.select_option(roster.peers[2])
    await card.get_by_label("Reason (3-500 characters)").fill(REASON)
    assert await send_hand_over(coordinator, episode_id) == 422
    await coordinator.get_by_role("alert").wait_for()
    assert "peer_id" in await coordinator.get_by_role("alert").inner_text()
    card = coordinator.locator(f"#hand-{episode_id}")
    error = card.locator(f"#err-peer-{episode_id}")
    assert "Choose another peer guide" in await error.inner_text()
    assert "no free capacity" in await error.inner_text()
    choice = card.get_by_label("Hand over to")
    assert await choice.input_value() == roster.peers[2], "the choice is kept"
    assert await choice.get_attribute("aria-invalid") == "true"
    reason = card.get_by_label("Reason (3-500 characters)")
    assert await reason.input_value() == REASON, "what was typed is kept"
    await assert_accessible(coordinator, context="a refused hand-over (full peer)")
    assert await loads(db_pool, roster) == [1, 0, 1]

    # No reason: the browser would stop it; a hand-made request is refused naming the field.
    await choice.select_option(roster.peers[1])
    await reason.evaluate("e => { e.removeAttribute('required'); e.removeAttribute('minlength') }")
    await reason.fill(" x ")
    assert await send_hand_over(coordinator, episode_id) == 422
    card = coordinator.locator(f"#hand-{episode_id}")
    error = card.locator(f"#err-reason-{episode_id}")
    assert "Write a reason of 3 to 500 characters" in await error.inner_text()
    assert await card.get_by_label("Hand over to").input_value() == roster.peers[1]
    assert await card.get_by_label("Reason (3-500 characters)").input_value() == "x"
    await screenshot(coordinator, "coordinator-hand-over-refused")

    # Another partnership's peer, added to the list by hand: refused, naming the field.
    stranger = (await web_roster(db_pool, peers=1)).peers[0]
    choice = card.get_by_label("Hand over to")
    await choice.evaluate("(select, id) => select.add(new Option('Stranger', id))", stranger)
    await choice.select_option(stranger)
    await card.get_by_label("Reason (3-500 characters)").fill(REASON)
    assert await send_hand_over(coordinator, episode_id) == 422
    error = coordinator.locator(f"#err-peer-{episode_id}")
    assert "partnership" in await error.inner_text()
    kept = coordinator.locator(f"#hand-reason-{episode_id}")
    assert await kept.input_value() == REASON

    assert await loads(db_pool, roster) == [1, 0, 1], "nothing moved"
    assert (await open_tasks(db_pool, episode_id))["first_meeting"] == ("peer", roster.peers[0])


async def test_overdue_work_is_listed_by_who_holds_it(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1, capacity=2)
    episode_id = await matched(open_as, db_pool, roster)
    async with db_pool.acquire() as conn:  # three days late, as if time had passed
        await conn.execute(
            "UPDATE tasks SET due_at = now() - interval '3 days' - (number * interval '1 hour')"
            " WHERE episode_id = $1 AND status = 'open'",
            episode_id,
        )
        await conn.execute(
            "UPDATE tasks SET due_at = due_at - interval '1 day'"
            " WHERE episode_id = $1 AND kind = 'coordination_plan'",
            episode_id,
        )
        ward_name = await conn.fetchval("SELECT name FROM wards WHERE ward_id = $1", roster.ward_id)

    coordinator = await open_as(roster.coordinator)
    overdue = coordinator.locator("section#overdue")
    peer = overdue.locator(f"#holder-peer-{roster.peers[0]}")
    ward = overdue.locator(f"#holder-ward-{roster.ward_id}")
    assert await peer.get_by_role("heading").inner_text() == "Test peer 0 (peer guide)"
    assert await ward.get_by_role("heading").inner_text() == f"{ward_name} (ward)"
    assert "1 overdue task" in await peer.inner_text()
    ward_text = await ward.inner_text()
    assert "2 overdue tasks" in ward_text
    rows = ward.locator("tbody tr")
    assert await rows.count() == 2
    first = await rows.nth(0).inner_text()
    assert "Coordination plan" in first, "oldest due first"
    assert CITIZEN in first
    assert "Discharge agreement" in await rows.nth(1).inner_text()
    assert "First meeting on the ward" in await peer.locator("tbody").inner_text()
    assert await ward.get_by_role("link", name=CITIZEN).first.get_attribute("href") == (
        f"/episodes/{episode_id}"
    )
    await assert_accessible(coordinator, context="the coordinator's overdue work by person")
    await screenshot(coordinator, "coordinator-overdue-by-person")

    await coordinator.goto("/coordinator?lang=da")
    overdue = coordinator.locator("section#overdue")
    await overdue.get_by_role("heading", name="Forfaldent arbejde pr. person").wait_for()
    ward_da = await overdue.locator(f"#holder-ward-{roster.ward_id}").inner_text()
    assert f"{ward_name} (afdeling)" in ward_da and "2 forfaldne opgaver" in ward_da
    assert "Koordinationsplan" in ward_da

    # A coordinator of another organisation, even of the same partnership, sees none of it
    # (until an escalation calls them to the episode).
    partner = await coordinator_of_a_new_organisation(db_pool, partner_of=roster)
    await with_passwords(db_pool, roster, partner)
    other = await open_as(partner)
    assert await other.locator(f"#holder-ward-{roster.ward_id}").count() == 0
    assert await other.locator(f"#holder-peer-{roster.peers[0]}").count() == 0
    assert CITIZEN not in await other.locator("main").inner_text()

    async with db_pool.acquire() as conn:
        listed = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE episode_id = $1 AND actor_id = $2"
            " AND action = 'read.citizen' AND detail->>'place' = 'coordinator_list'",
            episode_id,
            roster.coordinator,
        )
    assert listed >= 1, "the names the list shows are audited"
