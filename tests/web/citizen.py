"""A citizen signed in without going through a link: for browser and API tests of the
citizen's own pages (the sign-in itself is tested in test_citizen_sign_in.py)."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, Page, ViewportSize

from api.auth import CITIZEN_COOKIE
from db.citizen_sign_in import create_citizen_session
from db.pool import DatabasePool

# A phone's screen: the citizen's pages must work on one.
PHONE: ViewportSize = {"width": 390, "height": 844}


async def citizen_session(pool: DatabasePool, episode_id: str) -> str:
    """A session for the citizen of the episode (it must have its contact row, i.e. be
    referred); returns the value of the citizen cookie (api.auth.CITIZEN_COOKIE)."""
    async with pool.acquire() as conn:
        citizen_id = await conn.fetchval(
            "SELECT citizen_id FROM episode_contacts WHERE episode_id = $1", episode_id
        )
        assert citizen_id is not None, f"{episode_id} has no contact row (not referred?)"
        secret, _ = await create_citizen_session(conn, citizen_id, episode_id, timedelta(hours=1))
    return secret


async def signed_in_citizen(
    browser: Browser, web_url: str, pool: DatabasePool, episode_id: str, *, locale: str = "en-GB"
) -> Page:
    """A browser on a phone-sized screen, signed in as the episode's citizen, on /my/bridge
    in English. The caller closes it: `await page.context.close()`."""
    context = await browser.new_context(base_url=web_url, locale=locale, viewport=PHONE)
    context.set_default_timeout(15_000)
    await context.add_cookies(
        [{"name": CITIZEN_COOKIE, "value": await citizen_session(pool, episode_id), "url": web_url}]
    )
    page = await context.new_page()
    await page.goto("/my/bridge?lang=en")
    return page
