"""A citizen referred with their contact data, and signed in without going through a link:
for browser and API tests of the citizen's own pages (the sign-in itself is tested in
test_citizen_sign_in.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx
from playwright.async_api import Browser, Page, ViewportSize

from api.auth import CITIZEN_COOKIE
from command.synthetic.roster import Roster
from db.citizen_sign_in import create_citizen_session
from db.pool import DatabasePool
from tests.api.bodies import new_cpr, referral_body
from tests.conftest import eventually

# A phone's screen: the citizen's pages must work on one.
PHONE: ViewportSize = {"width": 390, "height": 844}


def unique_email() -> str:
    """An e-mail address no other citizen has (the sign-in finds the citizen by it)."""
    return f"borger.{uuid.uuid4().hex[:12]}@example.org"


async def refer_citizen(
    ward: httpx.AsyncClient,
    pool: DatabasePool,
    roster: Roster,
    contact: Mapping[str, str] | None = None,
    **payload: Any,
) -> str:
    """A citizen of their own (a new CPR number, unless `contact` gives one: the same citizen
    again) referred by `ward`, a client of ward staff, with only the `contact` data given
    (phone, email) and `payload` over the rest of the referral; the episode's id, once its
    read-model row is there."""
    citizen = {"cpr": new_cpr(), "name": "Testa Borger", **(contact or {})}
    body = referral_body(roster, citizen=citizen, **payload)
    response = await ward.post("/api/events", json=body)
    assert response.status_code == 202, response.text
    episode_id: str = response.json()["episode_id"]

    async def committed() -> bool:
        async with pool.acquire() as conn:
            found = await conn.fetchval("SELECT 1 FROM episodes WHERE episode_id = $1", episode_id)
        return found is not None

    await eventually(committed, timeout=20)
    return episode_id


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
