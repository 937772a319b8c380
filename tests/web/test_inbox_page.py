"""The inbox page: every role finds its in-app notifications from the navigation, newest
first, unread ones marked in words, each linked where its reader may open it; marking one or
all read; a forged or someone else's notification and a bad page number are refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from api.dependencies import services_of
from api.event_input import EventIn
from api.principal import Principal
from db.pool import DatabasePool
from schemas.people import Role
from tests.api.bodies import referral_body
from tests.conftest import eventually
from tests.web.conftest import OpenAs, screenshot, web_roster
from tests.web.steps import peer_offer_task

pytestmark = pytest.mark.browser

OFFER = "You have been offered an episode in hverdagsbro"


async def unread_of(pool: DatabasePool, user_id: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE user_id = $1 AND channel = 'inbox'"
            " AND read_at IS NULL",
            user_id,
        )
    return count


async def add_notification(
    pool: DatabasePool, user_id: str, episode_id: str, template: str, minutes_ago: int
) -> str:
    """An in-app notification as the delivery activity leaves it (for an older message, or
    someone else's)."""
    notification_id = f"{episode_id}.n-test-{user_id}-{minutes_ago}"
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO outbox (notification_id, user_id, channel, episode_id, recipient_role,"
            " recipient_id, template, status, created_at)"
            " VALUES ($1, $2, 'inbox', $3, 'coordinator', $2, $4, 'sent', $5)",
            notification_id,
            user_id,
            episode_id,
            template,
            datetime.now(UTC) - timedelta(minutes=minutes_ago),
        )
    return notification_id


async def test_a_peer_reads_the_offer_in_the_inbox_opens_it_and_marks_messages_read(
    open_as: OpenAs, db_pool: DatabasePool, web_app: FastAPI
) -> None:
    roster = await web_roster(db_pool, peers=1)
    peer_id = roster.peers[0]
    ward = Principal(id=roster.ward_nurse, role=Role.WARD, ward_id=roster.ward_id)
    ack = await services_of(web_app).intake.submit(
        ward, EventIn.model_validate(referral_body(roster))
    )
    task_id = await peer_offer_task(db_pool, ack.episode_id)
    await eventually(lambda: _has_unread(db_pool, peer_id))
    # An older message about an episode no longer in the read model (erased, say).
    older = await add_notification(db_pool, peer_id, "episode-gone0000", "escalation", 600)
    theirs = await add_notification(db_pool, roster.coordinator, ack.episode_id, "concern", 1)

    peer = await open_as(peer_id)
    inbox_link = peer.get_by_role("navigation", name="Main menu").get_by_role(
        "link", name=re.compile(r"^Inbox \(\d+ unread\)$")
    )
    assert await inbox_link.count() == 1, "the unread count is in the navigation"
    await inbox_link.click()
    await peer.get_by_role("heading", name="Inbox", level=1).wait_for()
    rows = peer.get_by_role("row")
    # The header, then newest first: the offer, then the older escalation.
    assert OFFER in await rows.nth(1).inner_text()
    assert "An episode in hverdagsbro needs your attention" in await rows.nth(2).inner_text()
    assert "Unread" in await rows.nth(1).inner_text(), "unread is said in words"
    assert "concern" not in (await peer.content()).lower(), "nobody else's messages"
    await screenshot(peer, "inbox-peer")

    # The offer opens at the task on the peer's page; the gone episode has no link.
    offer_row = peer.get_by_role("row").filter(has_text=OFFER)
    assert await offer_row.get_by_role("link", name="Open the task").get_attribute("href") == (
        f"/tasks/{task_id}"
    )
    assert await rows.nth(2).get_by_text("No longer open to you").count() == 1
    await offer_row.get_by_role("link", name="Open the task").click()
    await peer.wait_for_url(f"**/peer#task-{task_id}")

    # Marking one read: the page says so, in words, and the navigation counts one less.
    await peer.goto("/inbox")
    before = await unread_of(db_pool, peer_id)
    await (
        peer.get_by_role("row")
        .filter(has_text=OFFER)
        .get_by_role("button", name=re.compile("^Mark as read"))
        .click()
    )
    await peer.get_by_text("The message is marked as read.").wait_for()
    assert await unread_of(db_pool, peer_id) == before - 1
    assert "Read" in await peer.get_by_role("row").filter(has_text=OFFER).inner_text()
    assert await peer.get_by_role("row").filter(has_text=OFFER).get_by_role("button").count() == 0

    # Refused: the same form sent for someone else's notification answers the 404 page and
    # changes nothing; so does a forged id.
    for forged in (theirs, "no-such-notification"):
        await peer.evaluate(
            "(id) => document.querySelector('form[action$=\"/read\"]').action ="
            " '/inbox/' + encodeURIComponent(id) + '/read'",
            forged,
        )
        async with peer.expect_navigation() as sent:
            await peer.locator('form[action$="/read"] button').first.click()
        response = await sent.value
        assert response is not None and response.status == 404
        assert await peer.get_by_role("heading", name="Page not found").count() == 1
        await peer.goto("/inbox")
    assert await unread_of(db_pool, roster.coordinator) >= 1, "the coordinator's stays unread"

    # A page number that is not one is refused naming the field.
    response = await peer.goto("/inbox?page=zwei")
    assert response is not None and response.status == 422
    assert "page" in await peer.locator("main").inner_text()

    # Mark all as read: nothing unread is left, and the navigation says just "Inbox".
    await peer.goto("/inbox")
    await peer.get_by_role("button", name="Mark all as read").click()
    await peer.get_by_text("All messages are marked as read.").wait_for()
    assert await unread_of(db_pool, peer_id) == 0
    assert await peer.get_by_text("Unread", exact=True).count() == 0
    assert older and await peer.get_by_role("link", name="Inbox", exact=True).count() == 1


async def _has_unread(pool: DatabasePool, user_id: str) -> bool:
    return await unread_of(pool, user_id) > 0


async def test_every_role_has_the_inbox_in_its_navigation(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    users = [roster.ward_nurse, roster.coordinator, roster.peers[0], *roster.caseworkers.values()]
    for user_id in users:
        page = await open_as(user_id)
        nav = page.get_by_role("navigation", name="Main menu")
        await nav.get_by_role("link", name=re.compile("^Inbox")).click()
        await page.get_by_role("heading", name="Inbox", level=1).wait_for()
        assert await page.get_by_text("You have no messages.").count() == 1, user_id
        danish = await page.goto("/inbox?lang=da")
        assert danish is not None and danish.status == 200
        assert await page.get_by_role("heading", name="Indbakke", level=1).count() == 1
