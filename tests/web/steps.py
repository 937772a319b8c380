"""What users do on the pages, step by step, as a browser does it."""

from __future__ import annotations

from datetime import datetime, timedelta

from playwright.async_api import Page

from command.synthetic.roster import Roster
from db.pool import DatabasePool
from tests.api.bodies import new_cpr
from tests.conftest import eventually

CITIZEN = "Testa Borger"


async def fill_referral(page: Page, roster: Roster, *, cpr: str | None = None) -> None:
    """The ward's referral form, filled as a nurse would (the page is /ward); a citizen of
    their own unless `cpr` is given."""
    await page.get_by_label("CPR number (10 digits)").fill(cpr or new_cpr())
    await page.get_by_label("Name", exact=True).fill(CITIZEN)
    await page.get_by_label("Phone (optional)").fill("+45 12345678")
    await page.locator("#programme").select_option("peer-guide-sind")
    await page.get_by_label("Municipality", exact=True).select_option(roster.municipality_code)
    await page.get_by_label("Coordinating organisation").select_option(roster.organisation_id)
    await page.get_by_label("Network", exact=True).fill("Spille fodbold igen")
    await page.get_by_label("Municipal services").fill("Hjælp til at finde en bolig")
    for scope in ("Peer support", "Sharing with the municipality"):
        await page.get_by_label(f"Given: {scope}").check()
        await page.get_by_label(f"How: {scope}").select_option("written")
    admitted = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    await page.get_by_label("Admitted at (date and time, optional)").fill(admitted)


async def refer(page: Page, roster: Roster, pool: DatabasePool, *, cpr: str | None = None) -> str:
    """Refer through the page and wait for the episode's first commit (its read-model row);
    returns the new episode's id."""
    await fill_referral(page, roster, cpr=cpr)
    await page.get_by_role("button", name="Send referral").click()
    await page.get_by_text("The referral has been received.").wait_for()

    async def committed() -> str | None:
        async with pool.acquire() as conn:
            found: str | None = await conn.fetchval(
                "SELECT episode_id FROM episodes WHERE ward_id = $1 ORDER BY referred_at DESC",
                roster.ward_id,
            )
        return found

    await eventually(committed)
    episode_id = await committed()
    assert episode_id is not None
    return episode_id


async def peer_offer_task(pool: DatabasePool, episode_id: str) -> str:
    """The id of the episode's peer offer, once its commit has put it in the read model."""

    async def offer() -> str | None:
        async with pool.acquire() as conn:
            found: str | None = await conn.fetchval(
                "SELECT task_id FROM tasks WHERE episode_id = $1 AND kind = 'peer_offer'",
                episode_id,
            )
        return found

    await eventually(offer)
    task_id = await offer()
    assert task_id is not None
    return task_id


async def open_ward_episode(page: Page, episode_id: str) -> None:
    """The episode's own ward page, through the citizen's name in the ward's list."""
    await page.goto("/ward")
    await (
        page.locator(f"#episode-{episode_id}").get_by_role("link", name=CITIZEN, exact=True).click()
    )
    await page.locator("#facts-title").wait_for()


async def record_fact(
    page: Page,
    fact: str,
    on: str | None = None,
    at: str | None = None,
    *,
    notice: str | None = None,
) -> None:
    """Send one of the episode ward page's fact forms (its other fields filled already),
    dated `on` (YYYY-MM-DD) `at` (HH:MM) when given, else now; waits for `notice` if given."""
    form = page.locator(f"#form-{fact}")
    if on is not None:
        await form.get_by_label("Date").fill(on)
    if at is not None:
        await form.get_by_label("Time").fill(at)
    async with page.expect_navigation():
        await form.locator("button[type=submit]").click()
    if notice is not None:
        await page.get_by_text(notice).wait_for()


async def open_task_of(pool: DatabasePool, episode_id: str, kind: str) -> str:
    """The id of the episode's open task of this kind, once the read model has it."""

    async def found() -> str | None:
        async with pool.acquire() as conn:
            task_id: str | None = await conn.fetchval(
                "SELECT task_id FROM tasks WHERE episode_id = $1 AND kind = $2"
                " AND status = 'open' ORDER BY created_at DESC LIMIT 1",
                episode_id,
                kind,
            )
        return task_id

    await eventually(found, timeout=20.0)
    task_id = await found()
    assert task_id is not None
    return task_id


async def without_browser_checks(page: Page) -> None:
    """Let the page's forms send what the browser would refuse (required, min, max), so the
    server's own refusal shows, as it would for an older browser or a crafted request."""
    await page.evaluate("document.querySelectorAll('form').forEach(f => { f.noValidate = true; })")


async def send_form(page: Page, form: str, button: str) -> int:
    """Press the button of the form `form` (a selector); the status of the page that comes
    back (200 after a change, 422 when refused)."""
    async with page.expect_navigation() as sent:
        await page.locator(form).get_by_role("button", name=button, exact=True).click()
    response = await sent.value
    assert response is not None
    status: int = response.status
    return status


async def submit(page: Page, form_action: str, button: str) -> int:
    """Send the form whose action ends with `form_action`; the status the page came with."""
    form = page.locator(f"form[action$='{form_action}']")
    async with page.expect_navigation() as sent:
        await form.get_by_role("button", name=button).click()
    response = await sent.value
    assert response is not None
    status: int = response.status
    return status
