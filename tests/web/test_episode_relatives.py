"""A relative as a contact on the episode, in the browser: refused while the citizen has not
given the share_with_relative consent (the consent named), refused with a bad phone number
(the field named, what was typed kept), added once the consent is recorded, shown with how
to reach them, and removed; every state of the page accessible, in English and Danish. Only
ward staff and the episode's peer change them, and only on an episode they work with."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Page

from api.auth import SESSION_COOKIE
from db.access import create_session
from db.pool import DatabasePool
from tests.api.bodies import referral_body
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, web_roster
from tests.web.steps import record_fact, refer, send_form

NAME = "Pia Pårørende"
PHONE = "+45 31 31 31 31"


async def relatives_of(pool: DatabasePool, episode_id: str) -> list[tuple[str, str | None]]:
    """(name, removed_at) of every relative the episode ever had."""
    rows = await pool.fetch(
        "SELECT name, removed_at::text FROM episode_relatives WHERE episode_id = $1",
        episode_id,
    )
    return [(r["name"], r["removed_at"]) for r in rows]


async def fill_relative(page: Page, *, phone: str) -> None:
    form = page.locator("#form-relative")
    await form.get_by_label("Name").fill(NAME)
    await form.get_by_label("Relation to the citizen (optional, e.g. sister)").fill("sister")
    await form.get_by_label("Phone").fill(phone)


@pytest.mark.browser
async def test_ward_staff_add_a_relative_only_with_the_consent_and_remove_them(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)  # consents: peer support, municipality

    await ward.goto(f"/episodes/{episode_id}")
    section = ward.locator("#relatives")
    assert "has not given the consent “Sharing with a relative”" in await section.inner_text()
    assert "The episode has no relatives." in await section.inner_text()
    await assert_accessible(ward, context="the episode page's relatives without the consent")

    # No consent: refused, naming it, and nothing stored.
    await fill_relative(ward, phone=PHONE)
    assert await send_form(ward, "#form-relative", "Add the relative") == 409
    problem = ward.locator("#relatives").get_by_role("alert")
    assert "Sharing with a relative: the citizen has not given this consent" in (
        await problem.inner_text()
    )
    assert await ward.locator("#form-relative").get_by_label("Name").input_value() == NAME
    assert await relatives_of(db_pool, episode_id) == []
    await assert_accessible(ward, context="a relative refused for want of the consent")

    # The ward records the consent on its own page.
    await ward.goto(f"/ward/episodes/{episode_id}")
    consent = ward.locator("#form-consent_granted")
    await consent.get_by_label("Consent to").select_option(label="Sharing with a relative")
    await consent.get_by_label("How").select_option("written")
    await record_fact(ward, "consent_granted", notice="The consent has been recorded.")

    async def shared() -> bool:
        consents = await db_pool.fetchval(
            "SELECT consents FROM episodes WHERE episode_id = $1", episode_id
        )
        return "share_with_relative" in consents

    await eventually(shared, timeout=20.0)

    # A phone number that is none: refused next to the field, what was typed kept.
    await ward.goto(f"/episodes/{episode_id}")
    assert await ward.locator("#relatives-not-shared").count() == 0
    await fill_relative(ward, phone="ring til Pia")
    assert await send_form(ward, "#form-relative", "Add the relative") == 422
    form = ward.locator("#form-relative")
    phone = form.get_by_label("Phone")
    assert await phone.get_attribute("aria-invalid") == "true"
    assert await phone.input_value() == "ring til Pia"
    assert (
        "write a phone number of 8 to 20 digits"
        in await form.locator("#err-relative-phone").inner_text()
    )
    assert await relatives_of(db_pool, episode_id) == []
    await assert_accessible(ward, context="a relative refused for a bad phone number")

    # Right: added, shown with how to reach them; the add is audited with ids only.
    await phone.fill(PHONE)
    assert await send_form(ward, "#form-relative", "Add the relative") == 200
    await ward.get_by_text("The relative has been added.").wait_for()
    row = ward.locator("table.relatives tbody tr")
    assert await row.count() == 1
    shown = await row.inner_text()
    assert NAME in shown and "sister" in shown
    assert await row.get_by_role("link", name=PHONE).get_attribute("href") == "tel:+4531313131"
    assert [name for name, _ in await relatives_of(db_pool, episode_id)] == [NAME]
    await assert_accessible(ward, context="the episode page with a relative")
    await ward.goto(f"/episodes/{episode_id}?lang=da")
    assert await ward.get_by_role("heading", name="Pårørende", exact=True).count() == 1
    await assert_accessible(ward, context="the episode page with a relative, in Danish")
    await ward.goto(f"/episodes/{episode_id}?lang=en")

    # Removed: gone from the page, and their name and number from the database.
    await ward.get_by_role("button", name=f"Remove {NAME} as a relative").click()
    await ward.get_by_text("The relative has been removed.").wait_for()
    assert "The episode has no relatives." in await ward.locator("#relatives").inner_text()
    [(name, removed_at)] = await relatives_of(db_pool, episode_id)
    assert name == "" and removed_at is not None
    actions = await db_pool.fetch(
        "SELECT action, actor_role, detail::text FROM audit_log"
        " WHERE episode_id = $1 AND action LIKE 'relative.%' ORDER BY audit_no",
        episode_id,
    )
    assert [(a["action"], a["actor_role"]) for a in actions] == [
        ("relative.added", "ward"),
        ("relative.removed", "ward"),
    ]
    assert not [a for a in actions if NAME in a["detail"] or "3131" in a["detail"]]


Form = Callable[[str], Awaitable[tuple[httpx.AsyncClient, str]]]


@pytest.fixture
async def signed_in(web_app: FastAPI, db_pool: DatabasePool) -> AsyncIterator[Form]:
    """A page client logged in as the user, and the session's CSRF token."""
    clients: list[httpx.AsyncClient] = []

    async def make(user_id: str) -> tuple[httpx.AsyncClient, str]:
        async with db_pool.acquire() as conn:
            secret, token = await create_session(conn, user_id, timedelta(hours=1))
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web_app),
            base_url="http://test",
            cookies={SESSION_COOKIE: secret},
        )
        clients.append(client)
        return client, token

    yield make
    for client in clients:
        await client.aclose()


async def test_only_ward_staff_and_the_peer_of_the_episode_change_its_relatives(
    signed_in: Form, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    other = await web_roster(db_pool, peers=1)
    ward, token = await signed_in(roster.ward_nurse)
    consents = [
        {"scope": "peer_support", "method": "written"},
        {"scope": "share_with_relative", "method": "verbal"},
    ]
    response = await ward.post("/api/events", json=referral_body(roster, consents=consents))
    episode_id = response.json()["episode_id"]

    async def committed() -> bool:
        found = await db_pool.fetchval("SELECT 1 FROM episodes WHERE episode_id = $1", episode_id)
        return found is not None

    await eventually(committed, timeout=20.0)
    form = {"name": NAME, "phone": PHONE, "email": "", "relation": ""}

    def key() -> dict[str, str]:
        return {"key": f"rel-{uuid.uuid4().hex}"}

    added = await ward.post(
        f"/episodes/{episode_id}/relatives", data={"csrf": token, **form, **key()}
    )
    assert added.status_code == 303
    coordinator, coordinator_token = await signed_in(roster.coordinator)
    page = await coordinator.get(f"/episodes/{episode_id}")
    assert NAME in page.text and "tel:+4531313131" in page.text, "seen with the contact"
    assert 'id="form-relative"' not in page.text
    refused = await coordinator.post(
        f"/episodes/{episode_id}/relatives", data={"csrf": coordinator_token, **form, **key()}
    )
    assert refused.status_code == 403
    stranger, stranger_token = await signed_in(other.ward_nurse)
    foreign = await stranger.post(
        f"/episodes/{episode_id}/relatives", data={"csrf": stranger_token, **form, **key()}
    )
    assert foreign.status_code == 404
    unassigned, unassigned_token = await signed_in(other.peers[0])
    assert (
        await unassigned.post(
            f"/episodes/{episode_id}/relatives",
            data={"csrf": unassigned_token, **form, **key()},
        )
    ).status_code == 404

    too_long = await ward.post(
        f"/episodes/{episode_id}/relatives",
        data={"csrf": token, **form, **key(), "name": "x" * 201, "relation": "y" * 101},
    )
    assert too_long.status_code == 422
    assert "skriv et navn på 1 til 200 tegn" in too_long.text, "in Danish by default"
    assert "skriv en relation på højst 100 tegn" in too_long.text
    nul = await ward.post(
        f"/episodes/{episode_id}/relatives",
        data={"csrf": token, **form, **key(), "name": "Pia\x00"},
    )
    assert nul.status_code == 422 and "name" in nul.text
    gone = await ward.post(
        f"/episodes/{episode_id}/relatives/rel-nobody/remove", data={"csrf": token}
    )
    assert gone.status_code == 404
    assert [name for name, _ in await relatives_of(db_pool, episode_id)] == [NAME]
