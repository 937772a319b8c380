"""Ward, peer and caseworker carry a patient from referral to follow-up, all in the browser."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from db.pool import DatabasePool
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, reload_until, screenshot, web_roster
from tests.web.steps import CITIZEN, refer

pytestmark = pytest.mark.browser


async def test_ward_peer_and_caseworker_carry_a_patient_across(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    assert ward.url.endswith("/ward")
    episode_id = await refer(ward, roster, db_pool)
    await reload_until(ward, f"#episode-{episode_id}")

    peer = await open_as(roster.peers[0])
    assert peer.url.endswith("/peer")
    await reload_until(peer, "text=Offer of an episode")
    await screenshot(peer, "peer-offer")
    await peer.get_by_role("button", name="Accept").click()
    await peer.get_by_text("Your decision has been recorded.").wait_for()
    await reload_until(peer, f"table >> text={episode_id}")

    await ward.reload()
    row = ward.locator(f"#episode-{episode_id}")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    await row.get_by_label("Planned discharge date").fill(tomorrow)
    await row.get_by_role("button", name="Plan discharge").click()
    await ward.get_by_text("Saved.").wait_for()
    await screenshot(ward, "ward")
    await (
        ward.locator(f"#episode-{episode_id}")
        .get_by_role("button", name="Confirm discharge now")
        .click()
    )
    await ward.get_by_text("Saved.").wait_for()

    caseworker = await open_as(roster.caseworkers["social_services"])
    assert caseworker.url.endswith("/caseworker")
    await reload_until(caseworker, "text=Confirm service started")
    assert await caseworker.get_by_role("link", name=CITIZEN).count() >= 1
    await caseworker.get_by_label("Service").select_option("housing_support")
    await screenshot(caseworker, "caseworker")
    await caseworker.get_by_role("button", name="Confirm service started").click()
    await caseworker.get_by_text("Your decision has been recorded.").wait_for()

    await reload_until(peer, "text=First contact after discharge")
    await peer.get_by_label("Channel").select_option("phone")
    await peer.locator(f"#contact-note-{episode_id}").fill("Godt første opkald")
    await peer.get_by_role("button", name="Log a contact").click()
    await peer.get_by_text("The contact has been logged.").wait_for()

    await peer.goto(f"/episodes/{episode_id}")
    await reload_until(peer, "dd.phase >> text=Follow-up")
    page_text = await peer.locator("main").inner_text()
    assert CITIZEN in page_text, "the assigned peer sees the citizen's name"
    for happened in ("Offer of an episode: accepted", "Confirm service: completed"):
        assert happened in page_text, happened
    await screenshot(peer, "episode")
    await assert_accessible(peer, context="an episode in follow-up, as its peer")

    async with db_pool.acquire() as conn:
        episodes = await conn.fetchval(
            "SELECT count(*) FROM episodes WHERE ward_id = $1", roster.ward_id
        )
        milestones = await conn.fetchval(
            "SELECT milestones FROM episodes WHERE episode_id = $1", episode_id
        )
    assert episodes == 1
    assert "municipal_service" in milestones


async def test_a_refused_referral_shows_the_reasons_next_to_the_fields_and_keeps_the_input(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    await ward.get_by_label("CPR number (10 digits)").fill("12")
    await ward.get_by_label("Name", exact=True).fill(CITIZEN)
    await ward.get_by_label("Network", exact=True).fill("Spille fodbold igen")
    async with ward.expect_navigation() as sent:
        await ward.get_by_role("button", name="Send referral").click()
    response = await sent.value
    assert response is not None
    assert response.status == 422
    await ward.get_by_role("alert").wait_for()
    await assert_accessible(ward, context="a refused referral")
    assert await ward.locator("#err-cpr").count() == 1
    assert await ward.get_by_label("CPR number (10 digits)").get_attribute("aria-invalid") == "true"
    assert await ward.get_by_label("Name", exact=True).input_value() == CITIZEN
    assert await ward.get_by_label("Network", exact=True).input_value() == "Spille fodbold igen"
    async with db_pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM episodes WHERE ward_id = $1", roster.ward_id)
            == 0
        )
