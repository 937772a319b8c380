"""WCAG 2.1 AA on every page, in Danish and in English, checked with axe-core in Chromium: each
role's pages with an episode that has come some way (offer accepted, discharged, a concern
flagged), the log-in page, the 403 and 404 pages, and forms sent back with their fields named."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page

from api.dependencies import services_of
from api.event_input import EventIn
from api.principal import Principal
from api.task_decisions import DecisionIn
from command.synthetic.roster import Roster
from db.pool import DatabasePool
from schemas.people import Role
from schemas.tasks import DecisionAction
from tests.api.bodies import event_body, referral_body
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import log_in, web_roster, with_passwords
from tests.web.steps import CITIZEN, peer_offer_task

pytestmark = pytest.mark.browser

LANGS = ("da", "en")
CASEWORKER = "social_services"


@dataclass(frozen=True)
class World:
    roster: Roster
    operator: str
    episode_id: str
    waiting_id: str

    def user(self, role: str) -> str:
        return {
            "ward": self.roster.ward_nurse,
            "peer": self.roster.peers[0],
            "coordinator": self.roster.coordinator,
            "caseworker": self.roster.caseworkers[CASEWORKER],
            "operator": self.operator,
        }[role]


async def _task_of_kind(pool: DatabasePool, episode_id: str, kind: str) -> bool:
    async with pool.acquire() as conn:
        return bool(
            await conn.fetchval(
                "SELECT count(*) FROM tasks"
                " WHERE episode_id = $1 AND kind = $2 AND status = 'open'",
                episode_id,
                kind,
            )
        )


@pytest.fixture(scope="module")
async def world(db_pool: DatabasePool, web_app: FastAPI) -> World:
    """Two episodes for the whole module. The peer took the first, the ward discharged the
    citizen (the caseworker has a service to confirm) and the peer flagged an urgent concern
    (the coordinator has its card, with the note and how to reach the citizen). The second
    waits: the peer has its offer, the ward its discharge to plan."""
    roster = await web_roster(db_pool, peers=1)
    operator = f"operator-{uuid.uuid4().hex[:6]}"
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO users (user_id, role, display_name)"
            " VALUES ($1, 'operator', 'Test operator')",
            operator,
        )
    await with_passwords(db_pool, roster, operator)
    services = services_of(web_app)
    ward = Principal(id=roster.ward_nurse, role=Role.WARD, ward_id=roster.ward_id)
    peer = Principal(id=roster.peers[0], role=Role.PEER)
    ack = await services.intake.submit(ward, EventIn.model_validate(referral_body(roster)))
    episode_id = ack.episode_id
    offer = await peer_offer_task(db_pool, episode_id)
    await services.decisions.decide(peer, offer, DecisionAction.ACCEPT, DecisionIn())
    await services.intake.submit(ward, EventIn.model_validate(event_body(episode_id, "discharged")))
    await services.intake.submit(
        peer,
        EventIn.model_validate(
            event_body(episode_id, "concern_flagged", {"urgent": True, "note": "Ring i dag."})
        ),
    )
    waiting = await services.intake.submit(ward, EventIn.model_validate(referral_body(roster)))
    await peer_offer_task(db_pool, waiting.episode_id)
    for kind in ("confirm_service", "concern"):
        await eventually(lambda kind=kind: _task_of_kind(db_pool, episode_id, kind))
    return World(
        roster=roster, operator=operator, episode_id=episode_id, waiting_id=waiting.episode_id
    )


Session = Callable[[str | None], Awaitable[Page]]


@pytest.fixture(scope="module")
async def session(browser: Browser, web_url: str, world: World) -> AsyncIterator[Session]:
    """A new page in the browser of a role (logged in once per module), or of nobody (None)."""
    contexts: dict[str | None, BrowserContext] = {}

    async def page_of(role: str | None) -> Page:
        if role not in contexts:
            context = await browser.new_context(base_url=web_url, locale="en-GB")
            context.set_default_timeout(15_000)
            contexts[role] = context
            if role is not None:
                page = await context.new_page()
                await log_in(page, world.user(role))
                assert "/login" not in page.url, f"{role} could not log in"
                await page.close()
        return await contexts[role].new_page()

    yield page_of
    for context in contexts.values():
        await context.close()


@pytest.fixture
async def page_of(session: Session) -> AsyncIterator[Session]:
    """As `session`; the pages a test opened are closed after it."""
    opened: list[Page] = []

    async def make(role: str | None) -> Page:
        page = await session(role)
        opened.append(page)
        return page

    yield make
    for page in opened:
        await page.close()


def in_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


EPISODE = "/episodes/{episode_id}"
CARD = "main .card"
# Every page each role has: its status, and what shows there (so a page is checked with its
# forms and cards, not empty): their own page, the inbox, the episode, the reports.
PAGES = [
    ("ward", "/ward", 200, 'form[action$="/discharge-planned"]'),
    ("ward", "/inbox", 200, "main h1"),
    ("ward", EPISODE, 200, "main h1"),
    ("ward", "/ward/episodes/{episode_id}", 200, "main h1"),
    ("ward", "/ward/episodes/{waiting_id}", 200, "main form"),
    ("peer", "/peer", 200, "#concern-note-{episode_id}"),
    ("peer", "/inbox", 200, "main h1"),
    ("peer", EPISODE, 200, "main h1"),
    ("coordinator", "/coordinator", 200, CARD),
    ("coordinator", "/inbox", 200, "main h1"),
    ("coordinator", EPISODE, 200, "main h1"),
    ("coordinator", "/reports", 200, "main form"),
    ("coordinator", "/reports/print", 200, "main table"),
    ("caseworker", "/caseworker", 200, CARD),
    ("caseworker", "/inbox", 200, "main h1"),
    ("caseworker", EPISODE, 200, "main h1"),
    ("caseworker", "/reports", 200, "main form"),
    ("caseworker", "/reports/print", 200, "main table"),
    ("operator", "/operator", 200, "main table"),
    ("operator", "/inbox", 200, "main h1"),
    (None, "/login", 200, "#password"),
    ("operator", "/ward", 403, "main h1"),
    ("peer", "/episodes/episode-not-there", 404, "main h1"),
    ("caseworker", "/reports?from=not-a-date", 422, "[aria-invalid=true]"),
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("role", "path", "status", "shows"), PAGES, ids=[f"{r}:{p}" for r, p, *_ in PAGES]
)
async def test_the_page_meets_wcag_2_1_aa(
    page_of: Session,
    world: World,
    role: str | None,
    path: str,
    status: int,
    shows: str,
    lang: str,
) -> None:
    page = await page_of(role)
    ids = {"episode_id": world.episode_id, "waiting_id": world.waiting_id}
    response = await page.goto(in_lang(path.format(**ids), lang))
    assert response is not None
    assert response.status == status
    assert await page.locator("html").get_attribute("lang") == lang
    assert await page.locator(shows.format(**ids)).count() >= 1, shows
    await assert_accessible(page, context=f"{path} as {role or 'nobody'} in {lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_refused_log_in_is_accessible(page_of: Session, lang: str) -> None:
    page = await page_of(None)
    await page.goto(in_lang("/login", lang))
    await page.locator("#user_id").fill("nobody-at-all")
    await page.locator("#password").fill("not the password")
    await page.locator("form button[type=submit]").click()
    await page.wait_for_load_state()
    assert await page.locator("#user_id").input_value() == "nobody-at-all"
    await assert_accessible(page, context=f"refused log-in in {lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_refused_referral_is_accessible(page_of: Session, lang: str) -> None:
    ward = await page_of("ward")
    await ward.goto(in_lang("/ward", lang))
    await ward.locator("#cpr").fill("12")
    await ward.locator("#name").fill(CITIZEN)
    async with ward.expect_navigation() as sent:
        await ward.locator("form.referral button[type=submit]").click()
    response = await sent.value
    assert response is not None
    assert response.status == 422
    assert await ward.locator("#err-cpr").count() == 1
    await assert_accessible(ward, context=f"refused referral in {lang}")


@pytest.mark.parametrize("lang", LANGS)
async def test_a_refused_concern_is_accessible(page_of: Session, world: World, lang: str) -> None:
    peer = await page_of("peer")
    await peer.goto(in_lang("/peer", lang))
    note = peer.locator(f"#concern-note-{world.episode_id}")
    await note.evaluate("e => e.removeAttribute('maxlength')")
    await note.fill("x" * 2001)
    async with peer.expect_navigation():
        await note.evaluate("e => e.form.requestSubmit()")
    await peer.get_by_role("alert").wait_for()
    await assert_accessible(peer, context=f"refused concern in {lang}")


async def test_the_check_names_each_rule_its_impact_and_the_elements(browser: Browser) -> None:
    """What a failing check says, on a page made to fail: an input without a label, faint text."""
    page = await browser.new_page()
    try:
        await page.set_content(
            '<!doctype html><html lang="en"><title>Bad</title><body>'
            '<input id="unnamed"><p id="faint" style="color:#aaa">Faint</p></body></html>'
        )
        with pytest.raises(AssertionError) as failed:
            await assert_accessible(page, context="a page made to fail")
    finally:
        await page.close()
    said = str(failed.value)
    assert "a page made to fail" in said
    assert "label (critical)" in said and "#unnamed" in said
    assert "color-contrast (serious)" in said and "#faint" in said
    assert "insufficient color contrast" in said


def _contrast(first: list[float], second: list[float]) -> float:
    def luminance(rgb: list[float]) -> float:
        c = [v / 255 for v in rgb]
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The focused element's outline colour and the colour behind it (the nearest opaque background
# of its parents), each as [r, g, b].
_FOCUS_COLOURS = r"""() => {
    const rgb = s => s.match(/[\d.]+/g).slice(0, 3).map(Number);
    const opaque = s => !s.startsWith("rgba") || !/, 0\)$/.test(s);
    const el = document.activeElement;
    let behind = el.parentElement;
    while (behind && !opaque(getComputedStyle(behind).backgroundColor)) {
        behind = behind.parentElement;
    }
    const bg = behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)";
    return {tag: el.tagName, ring: rgb(getComputedStyle(el).outlineColor), behind: rgb(bg)};
}"""


async def test_the_keyboard_focus_ring_stands_out_in_the_header_and_on_the_page(
    page_of: Session,
) -> None:
    """WCAG 1.4.11: the focus ring at 3:1 or more against what is behind it (axe does not look
    at focus), on the header's first link and on a field of the page."""
    ward = await page_of("ward")
    await ward.goto(in_lang("/ward", "en"))
    await ward.keyboard.press("Tab")  # the skip link
    await ward.keyboard.press("Tab")  # the header's first link
    in_header = await ward.evaluate(_FOCUS_COLOURS)
    await ward.locator("#cpr").focus()
    on_page = await ward.evaluate(_FOCUS_COLOURS)
    for where, seen in (("header", in_header), ("page", on_page)):
        ratio = _contrast(seen["ring"], seen["behind"])
        assert ratio >= 3, f"focus ring in the {where} ({seen['tag']}) at {ratio:.2f}:1: {seen}"
