"""The citizen signs in without a password, in the browser: ward staff send a link from the
episode page and the citizen opens it from the e-mail (a mail scanner's look burns nothing),
signs in once, lands on My bridge and signs out; the same link again, an expired one and an
unknown one are refused; the citizen asks for a link on the public page and signs in with the
code; the public page refuses a bad address naming the field and answers unknown details
exactly as known ones, sending nothing; staff are told why a link cannot go. axe on every
page, the citizen's on a phone-sized screen."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from email.message import Message
from urllib.parse import urlparse

import httpx
import pytest
from playwright.async_api import Browser, Page

from db.access import secret_digest
from db.pool import DatabasePool
from tests.conftest import SmtpServer, eventually
from tests.web.axe import assert_accessible
from tests.web.citizen import PHONE, refer_citizen, signed_in_citizen, unique_email
from tests.web.conftest import ApiAs, OpenAs, screenshot, web_roster

pytestmark = pytest.mark.browser

_LINK = re.compile(r"https?://[^/\s]+(/my/sign-in/[A-Za-z0-9_-]+)")
_CODE = re.compile(r"type this code on the page: (\d{6})")
NewPage = Callable[[], Awaitable[Page]]
SENT = (
    "If the details match what the ward has, we have sent you a link and a code. The link "
    "works once, for 15 minutes."
)


def _text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


async def link_mail(smtp: SmtpServer, address: str, count: int = 1) -> tuple[str, str]:
    """The path of the link and the code in the `count`th e-mail to the address."""

    async def arrived() -> bool:
        return len(smtp.mailbox.to(address)) >= count

    await eventually(arrived)
    body = _text(smtp.mailbox.to(address)[count - 1])
    link, code = _LINK.search(body), _CODE.search(body)
    assert link is not None and code is not None, body
    return link.group(1), code.group(1)


async def on_phone(page: Page) -> Page:
    await page.set_viewport_size(PHONE)
    return page


async def test_staff_send_a_link_the_citizen_signs_in_once_and_signs_out(
    open_as: OpenAs,
    new_page: NewPage,
    api_as: ApiAs,
    db_pool: DatabasePool,
    smtp_server: SmtpServer,
    web_url: str,
) -> None:
    roster = await web_roster(db_pool)
    email = unique_email()
    ward = await api_as(roster.ward_nurse)
    episode_id = await refer_citizen(ward, db_pool, roster, {"email": email})

    nurse = await open_as(roster.ward_nurse)
    await nurse.goto(f"/episodes/{episode_id}?lang=en")
    await assert_accessible(nurse, context="the episode page with the sign-in link form")
    await nurse.get_by_role("button", name="Send a sign-in link to the citizen").click()
    await nurse.get_by_text("The sign-in link has been sent to the citizen.").wait_for()
    await assert_accessible(nurse, context="the episode page after sending a link")

    path, _ = await link_mail(smtp_server, email)
    # A mail scanner opening the link first changes nothing.
    async with httpx.AsyncClient(base_url=web_url) as scanner:
        assert (await scanner.get(path)).status_code == 200
    citizen = await on_phone(await new_page())
    opened = await citizen.goto(f"{path}?lang=en")
    assert opened is not None and opened.status == 200
    await assert_accessible(citizen, context="the page a sign-in link opens")
    await screenshot(citizen, "citizen-sign-in-link")
    await citizen.get_by_role("button", name="Sign in").click()
    await citizen.get_by_text("You are signed in.").wait_for()
    assert urlparse(citizen.url).path == "/my/bridge"
    await assert_accessible(citizen, context="My bridge, signed in")
    await screenshot(citizen, "citizen-signed-in")

    again = await on_phone(await new_page())
    refused = await again.goto(f"{path}?lang=en")
    assert refused is not None and refused.status == 410
    await again.get_by_text("The link has already been used.").wait_for()
    assert await again.get_by_role("button", name="Sign in").count() == 0
    await assert_accessible(again, context="a used sign-in link")

    await citizen.get_by_role("button", name="Sign out").click()
    await citizen.get_by_text("You have signed out.").wait_for()
    assert urlparse(citizen.url).path == "/my"
    await citizen.goto("/my/bridge")
    assert urlparse(citizen.url).path == "/my"

    async with db_pool.acquire() as conn:
        lines = await conn.fetch(
            "SELECT actor_role, action FROM audit_log WHERE episode_id = $1"
            " AND action LIKE 'citizen.sign%' ORDER BY audit_no",
            episode_id,
        )
    assert [(r["actor_role"], r["action"]) for r in lines] == [
        ("ward", "citizen.sign_in_link_sent"),
        ("citizen", "citizen.signed_in"),
    ]


async def test_the_citizen_asks_on_the_public_page_signs_in_with_the_code_and_old_links_fail(
    new_page: NewPage, api_as: ApiAs, db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    roster = await web_roster(db_pool)
    email = unique_email()
    ward = await api_as(roster.ward_nurse)
    await refer_citizen(ward, db_pool, roster, {"email": email})

    page = await on_phone(await new_page())
    await page.goto("/my?lang=en")
    await assert_accessible(page, context="the public sign-in page")
    # As the citizen types it: other letter case, spaces around.
    await page.get_by_label("Mobile number or e-mail address").fill(f"  {email.upper()} ")
    await page.get_by_role("button", name="Send me a link").click()
    assert await page.locator("#my-sent p").first.inner_text() == SENT
    await assert_accessible(page, context="the code page after asking for a link")
    path, code = await link_mail(smtp_server, email)

    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    await page.get_by_label("Code (6 digits)").fill(wrong)
    await page.get_by_role("button", name="Sign in").click()
    await page.locator("#err-code").wait_for()
    assert "the code is wrong or no longer works" in await page.locator("#err-code").inner_text()
    assert await page.get_by_label("Code (6 digits)").get_attribute("aria-invalid") == "true"
    await assert_accessible(page, context="a wrong code")
    await screenshot(page, "citizen-wrong-code")
    await page.get_by_label("Code (6 digits)").fill(code)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text("You are signed in.").wait_for()

    # The code used the link of that message.
    await page.goto(f"{path}?lang=en")
    await page.get_by_text("The link has already been used.").wait_for()

    # A second link, past its 15 minutes.
    await page.goto("/my")
    await page.get_by_label("Mobile number or e-mail address").fill(email)
    await page.get_by_role("button", name="Send me a link").click()
    await page.locator("#my-sent").wait_for()
    second, _ = await link_mail(smtp_server, email, count=2)
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE citizen_sign_in_links SET expires_at = now() - interval '1 minute'"
            " WHERE secret_hash = $1",
            secret_digest(second.rsplit("/", 1)[1]),
        )
    expired = await page.goto(second)
    assert expired is not None and expired.status == 410
    await page.get_by_text("The link has expired.").wait_for()
    await assert_accessible(page, context="an expired sign-in link")

    # A link this system never sent, and one that is not even shaped like one.
    for unknown in (f"/my/sign-in/{secrets.token_urlsafe(32)}", "/my/sign-in/abc"):
        answered = await page.goto(unknown)
        assert answered is not None and answered.status == 404
        await page.get_by_text("We do not know this link.").wait_for()
    await assert_accessible(page, context="an unknown sign-in link")


async def test_the_public_page_refuses_a_bad_address_and_answers_unknown_ones_alike(
    new_page: NewPage, api_as: ApiAs, db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    roster = await web_roster(db_pool)
    known = unique_email()
    ward = await api_as(roster.ward_nurse)
    await refer_citizen(ward, db_pool, roster, {"email": known})
    page = await on_phone(await new_page())
    await page.goto("/my?lang=en")

    field = page.get_by_label("Mobile number or e-mail address")
    await field.fill("12 34")
    async with page.expect_response(lambda r: r.request.method == "POST") as posted:
        await page.get_by_role("button", name="Send me a link").click()
    assert (await posted.value).status == 422
    error = page.locator("#err-contact")
    assert await error.inner_text() == "write your mobile number (8 digits) or your e-mail address"
    assert await field.get_attribute("aria-invalid") == "true"
    assert await field.input_value() == "12 34"
    await assert_accessible(page, context="the public sign-in page, refused")

    unknown = unique_email()
    answers = []
    for address in (unknown, known):
        await page.goto("/my?lang=en")
        await page.get_by_label("Mobile number or e-mail address").fill(address)
        async with page.expect_response(lambda r: r.request.method == "POST") as posted:
            await page.get_by_role("button", name="Send me a link").click()
        assert (await posted.value).status == 200
        answers.append(await page.locator("main").inner_text())
    assert answers[0] == answers[1]
    # The known address gets its link; the unknown one nothing (its request came first).
    await link_mail(smtp_server, known)
    assert smtp_server.mailbox.to(unknown) == []

    await page.goto("/my?lang=da")
    await page.get_by_label("Mobilnummer eller e-mailadresse").fill("ikke en adresse")
    await page.get_by_role("button", name="Send mig et link").click()
    assert await page.locator("#err-contact").inner_text() == (
        "skriv dit mobilnummer (8 cifre) eller din e-mailadresse"
    )
    await assert_accessible(page, context="the public sign-in page, refused, in Danish")


async def test_staff_are_told_why_a_link_cannot_go_and_a_caseworker_can_send_one(
    open_as: OpenAs, api_as: ApiAs, db_pool: DatabasePool, smtp_server: SmtpServer
) -> None:
    roster = await web_roster(db_pool)
    ward = await api_as(roster.ward_nurse)
    nothing = await refer_citizen(ward, db_pool, roster)
    phone = f"+45 {secrets.randbelow(10**8):08d}"
    phone_only = await refer_citizen(ward, db_pool, roster, {"phone": phone})
    email = unique_email()
    with_email = await refer_citizen(ward, db_pool, roster, {"email": email})

    nurse = await open_as(roster.ward_nurse)
    await nurse.goto(f"/episodes/{nothing}?lang=en")
    async with nurse.expect_response(lambda r: r.request.method == "POST") as posted:
        await nurse.get_by_role("button", name="Send a sign-in link to the citizen").click()
    assert (await posted.value).status == 422
    assert await nurse.locator("#err-link-channel").inner_text() == (
        "the episode has no e-mail address or mobile number for the citizen"
    )
    await assert_accessible(nurse, context="a sign-in link refused: no contact data")
    await screenshot(nurse, "staff-sign-in-link-refused")

    await nurse.goto(f"/episodes/{phone_only}?lang=en")
    await nurse.get_by_role("radio", name="E-mail", exact=True).check()
    await nurse.get_by_role("button", name="Send a sign-in link to the citizen").click()
    await nurse.locator("#err-link-channel").wait_for()
    assert await nurse.locator("#err-link-channel").inner_text() == (
        "the episode has no e-mail address for the citizen"
    )
    # The choice made stays chosen.
    assert await nurse.get_by_role("radio", name="E-mail", exact=True).is_checked()

    caseworker = await open_as(roster.caseworkers["social_services"])
    await caseworker.goto(f"/episodes/{with_email}?lang=en")
    await assert_accessible(caseworker, context="the caseworker's episode page with the form")
    await caseworker.get_by_role("button", name="Send a sign-in link to the citizen").click()
    await caseworker.get_by_text("The sign-in link has been sent to the citizen.").wait_for()
    await link_mail(smtp_server, email)
    async with db_pool.acquire() as conn:
        sender = await conn.fetchval(
            "SELECT actor_id FROM audit_log WHERE episode_id = $1"
            " AND action = 'citizen.sign_in_link_sent'",
            with_email,
        )
    assert sender == roster.caseworkers["social_services"]


async def test_a_signed_in_citizen_is_refused_staff_pages_and_led_back_to_my_bridge(
    browser: Browser, web_url: str, api_as: ApiAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool)
    ward = await api_as(roster.ward_nurse)
    episode_id = await refer_citizen(ward, db_pool, roster, {"email": unique_email()})
    page = await signed_in_citizen(browser, web_url, db_pool, episode_id)
    try:
        await page.get_by_text("You are signed in.").wait_for()
        refused = await page.goto(f"/episodes/{episode_id}")
        assert refused is not None and refused.status == 403
        await page.get_by_text("You do not have access to this page").first.wait_for()
        await assert_accessible(page, context="a staff page refused to a citizen")
        await page.get_by_role("link", name="Back to your home page").click()
        await page.get_by_text("You are signed in.").wait_for()
        assert urlparse(page.url).path == "/my/bridge"
    finally:
        await page.context.close()
