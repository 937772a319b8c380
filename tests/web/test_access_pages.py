"""Log-in, CSRF and row scoping as the browser meets them."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from api.dependencies import services_of
from api.event_input import EventIn
from api.principal import Principal
from api.task_decisions import DecisionIn
from db.pool import DatabasePool
from schemas.people import Role
from schemas.tasks import DecisionAction
from tests.api.bodies import referral_body
from tests.conftest import eventually
from tests.web.conftest import PASSWORD, OpenAs, log_in, screenshot, web_roster
from tests.web.steps import CITIZEN, fill_referral, peer_offer_task

pytestmark = pytest.mark.browser

WRONG = "Wrong user id or password."


async def test_a_wrong_password_or_user_id_says_so_without_telling_which_then_locks(
    new_page, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=0)
    page = await new_page()
    await page.goto("/ward")
    assert "/login" in page.url, "a page without a session sends the browser to log in"
    await screenshot(page, "login")

    await log_in(page, "nobody-at-all", PASSWORD)
    assert await page.get_by_text(WRONG).count() == 1
    for _ in range(5):
        await log_in(page, roster.ward_nurse, "not the password")
        assert await page.get_by_text(WRONG).count() == 1
        assert await page.get_by_label("User id").input_value() == roster.ward_nurse
    await log_in(page, roster.ward_nurse, PASSWORD)
    assert await page.get_by_text("Too many failed attempts").count() == 1
    assert "/login" in page.url


async def test_logging_out_ends_the_session(open_as: OpenAs, db_pool: DatabasePool) -> None:
    roster = await web_roster(db_pool, peers=0)
    ward = await open_as(roster.ward_nurse)
    await ward.get_by_role("button", name="Log out").click()
    await ward.wait_for_url("**/login")
    await ward.goto("/ward")
    assert "/login" in ward.url


async def test_a_form_without_the_csrf_token_is_refused_with_403(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    await fill_referral(ward, roster)
    await ward.evaluate(
        "document.querySelectorAll('form.referral input[name=csrf]').forEach(e => e.remove())"
    )
    async with ward.expect_navigation() as sent:
        await ward.get_by_role("button", name="Send referral").click()
    response = await sent.value
    assert response is not None
    assert response.status == 403
    assert await ward.get_by_role("heading", name="You do not have access to this page").count()
    async with db_pool.acquire() as conn:
        referred = await conn.fetchval(
            "SELECT count(*) FROM episodes WHERE ward_id = $1", roster.ward_id
        )
    assert referred == 0


async def test_a_peer_opening_another_peers_episode_gets_the_not_found_page(
    open_as: OpenAs, db_pool: DatabasePool, web_app: FastAPI
) -> None:
    roster = await web_roster(db_pool, peers=1)
    other = await web_roster(db_pool, peers=1)
    ward = Principal(id=roster.ward_nurse, role=Role.WARD, ward_id=roster.ward_id)
    ack = await services_of(web_app).intake.submit(
        ward, EventIn.model_validate(referral_body(roster))
    )

    async def offered() -> bool:
        async with db_pool.acquire() as conn:
            return bool(
                await conn.fetchval(
                    "SELECT count(*) FROM tasks WHERE episode_id = $1 AND kind = 'peer_offer'",
                    ack.episode_id,
                )
            )

    await eventually(offered)
    async with db_pool.acquire() as conn:
        offer = await conn.fetchval(
            "SELECT task_id FROM tasks WHERE episode_id = $1 AND kind = 'peer_offer'",
            ack.episode_id,
        )
    peer = Principal(id=roster.peers[0], role=Role.PEER)
    await services_of(web_app).decisions.decide(peer, offer, DecisionAction.ACCEPT, DecisionIn())

    stranger = await open_as(other.peers[0])
    response = await stranger.goto(f"/episodes/{ack.episode_id}")
    assert response is not None
    assert response.status == 404
    assert await stranger.get_by_role("heading", name="Page not found").count() == 1
    assert CITIZEN not in await stranger.content()
    await screenshot(stranger, "not-found")

    own = await open_as(roster.peers[0])
    response = await own.goto(f"/episodes/{ack.episode_id}")
    assert response is not None
    assert response.status == 200
    assert await own.get_by_text(CITIZEN).count() == 1


async def test_a_task_link_from_a_notification_leads_through_log_in_to_the_task(
    new_page, db_pool: DatabasePool, web_app: FastAPI
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = Principal(id=roster.ward_nurse, role=Role.WARD, ward_id=roster.ward_id)
    ack = await services_of(web_app).intake.submit(
        ward, EventIn.model_validate(referral_body(roster))
    )

    task_id = await peer_offer_task(db_pool, ack.episode_id)
    page = await new_page()
    await page.goto(f"/tasks/{task_id}?lang=da")
    assert "/login" in page.url
    assert await page.locator("html").get_attribute("lang") == "da"
    # Exactly: with identity providers configured the page also has "Log ind med ..." headings.
    assert await page.get_by_role("heading", name="Log ind", exact=True).count() == 1
    await page.get_by_label("Bruger-id").fill(roster.peers[0])
    await page.get_by_label("Adgangskode").fill(PASSWORD)
    await page.get_by_role("button", name="Log ind").click()
    await page.wait_for_url(f"**/peer#task-{task_id}")
    assert await page.locator(f"#task-{task_id}").get_by_role("button", name="Tag imod").count()
