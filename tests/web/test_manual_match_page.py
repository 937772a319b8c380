"""The coordinator's match form, on the manual-match task's own page (linked from its card),
offers the partnership's peers who may be offered the episode (partner organisations'
included, untrained ones not); a forged choice of another partnership's peer is refused with
the reason, the field named and what was chosen and typed kept; another coordinator's task is
no page of theirs."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from db.synthetic import PeerRow, StaffRow, add_partner_organisation, add_peers, add_staff
from tests.api.test_partnership_escalation import coordinator_of_a_new_organisation
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, reload_until, web_roster, with_passwords
from tests.web.steps import CITIZEN, refer

pytestmark = pytest.mark.browser

NOTE = "Ringede til afdelingen først"


async def open_match(coordinator: Page) -> str:
    """From the coordinator's page to the manual match's own page; returns its task id."""
    await reload_until(coordinator, "text=Choose the peer guide")
    link = coordinator.get_by_role("link", name="Choose the peer guide")
    assert await link.count() == 1
    assert await coordinator.locator("select[name=peer_id]").count() == 0, "no choice on a card"
    href = await link.get_attribute("href")
    assert href is not None
    await link.click()
    await coordinator.get_by_role("button", name="Match manually").wait_for()
    return href.split("/")[-2]


async def offered(coordinator: Page) -> list[str]:
    values: list[str] = await (
        coordinator.get_by_label("Peer guide", exact=True)
        .locator("option")
        .evaluate_all("options => options.map(o => o.value)")
    )
    return [v for v in values if v]


async def test_a_forged_match_form_naming_another_partnerships_peer_is_refused(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    home = await web_roster(db_pool, peers=1, capacity=0)
    stranger = (await make_roster(db_pool, peers=1)).peers[0]
    ward = await open_as(home.ward_nurse)
    episode_id = await refer(ward, home, db_pool)

    coordinator = await open_as(home.coordinator)
    task_id = await open_match(coordinator)
    assert await offered(coordinator) == home.peers, "only the partnership's peers are offered"
    assert CITIZEN in await coordinator.get_by_role("heading", level=1).inner_text()

    # What a hand-made request would send: another partnership's peer in the form.
    choice = coordinator.get_by_label("Peer guide", exact=True)
    await choice.evaluate("(select, id) => select.add(new Option('Stranger', id))", stranger)
    await choice.select_option(stranger)
    await coordinator.get_by_label("Short note (optional)").fill(NOTE)
    async with coordinator.expect_navigation() as sent:
        await coordinator.get_by_role("button", name="Match manually").click()
    response = await sent.value
    assert response is not None
    assert response.status == 422
    alert = coordinator.get_by_role("alert")
    await alert.wait_for()
    assert "peer_id" in await alert.inner_text()
    assert "partnership" in await alert.inner_text()
    # The match's own page again: the field named next to it, what was typed kept.
    assert await coordinator.get_by_role("button", name="Match manually").count() == 1
    assert await coordinator.locator(f"#match-{task_id}").count() == 1
    field_error = coordinator.locator(f"#err-peer-{task_id}")
    assert "peer_id" in await field_error.inner_text()
    assert await choice.get_attribute("aria-invalid") == "true"
    assert await coordinator.get_by_label("Short note (optional)").input_value() == NOTE
    assert await offered(coordinator) == home.peers, "the stranger is not offered again"
    await assert_accessible(coordinator, context="a refused manual match on its own page")

    # Another organisation's coordinator, even of the same partnership, has no such page.
    partner = await coordinator_of_a_new_organisation(db_pool, partner_of=home)
    await with_passwords(db_pool, home, partner)
    other = await open_as(partner)
    answer = await other.goto(f"/coordinator/tasks/{task_id}/match")
    assert answer is not None
    assert answer.status == 404
    assert CITIZEN not in await other.locator("main").inner_text()
    async with db_pool.acquire() as conn:
        load = await conn.fetchval("SELECT active_load FROM peers WHERE peer_id = $1", stranger)
        peer = await conn.fetchval("SELECT peer_id FROM episodes WHERE episode_id = $1", episode_id)
    assert load == 0
    assert peer is None


async def test_the_match_form_offers_partner_peers_and_never_an_untrained_one(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    home = await web_roster(db_pool, peers=2, capacity=0)
    trained, untrained = home.peers
    partner_org, partner_peer = f"assoc-{home.organisation_id}", f"partner-{home.peers[0]}"
    async with db_pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM peer_trainings WHERE peer_id = $1", untrained)
        await add_partner_organisation(
            conn, partner_org, kind="association", partner_of=home.organisation_id
        )
        await add_staff(
            conn, partner_org, [StaffRow(user_id=partner_peer, role="peer", display_name="Partner")]
        )
        await add_peers(
            conn,
            partner_org,
            [
                PeerRow(
                    peer_id=partner_peer,
                    languages=["da"],
                    programmes=["peer-guide-sind"],
                    municipalities=[home.municipality_code],
                    capacity=0,
                )
            ],
        )
    ward = await open_as(home.ward_nurse)
    await refer(ward, home, db_pool)

    coordinator = await open_as(home.coordinator)
    await open_match(coordinator)
    assert sorted(await offered(coordinator)) == sorted([trained, partner_peer])
