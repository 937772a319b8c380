"""A ward nurse's whole job in the browser: the ward's list says who and what is due next, the
referral asks for the citizen's languages, each episode's ward page records a later consent or
its withdrawal, risk up or down, readmission and leave, a cancelled referral and a death (each
dated when it happened), and the network-meeting card books date, time and place by the
deadline. Every form refuses bad input naming the field and keeping what was typed; another
ward's nurse cannot use them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Page

from api.web.rendering import LOCAL_TIME
from command.synthetic.roster import Roster
from db.pool import DatabasePool
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, reload_until, screenshot, web_roster
from tests.web.steps import (
    CITIZEN,
    fill_referral,
    open_ward_episode,
    record_fact,
    refer,
)

pytestmark = pytest.mark.browser


async def fact_count(pool: DatabasePool, episode_id: str, event_type: str) -> int:
    async with pool.acquire() as conn:
        found: int = await conn.fetchval(
            "SELECT count(*) FROM events_received WHERE episode_id = $1 AND event_type = $2",
            episode_id,
            event_type,
        )
    return found


def now() -> tuple[str, str]:
    """Today and the time now, as the page's local date and time fields take them."""
    here = datetime.now(LOCAL_TIME)
    return here.date().isoformat(), here.strftime("%H:%M")


async def refused(page: Page, form: str, key: str) -> str:
    """The reason shown next to a refused form's field (the field is marked invalid)."""
    await page.get_by_role("alert").wait_for()
    error = page.locator(f"#err-{form}-{key}")
    assert await error.count() == 1, f"{form}: no reason next to {key}"
    return await error.inner_text()


async def test_the_list_names_the_citizen_and_what_is_due_and_the_referral_keeps_languages(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    assert await ward.get_by_label("Danish").is_checked(), "Danish is the default"

    # Refused for another field: the languages chosen stay chosen.
    await fill_referral(ward, roster, cpr="12")
    await ward.get_by_label("Danish").uncheck()
    await ward.get_by_label("Arabic").check()
    await ward.get_by_label("English", exact=True).check()
    await ward.get_by_role("button", name="Send referral").click()
    await ward.get_by_role("alert").wait_for()
    assert await ward.locator("#err-cpr").count() == 1
    assert await ward.get_by_label("Arabic").is_checked()
    assert await ward.get_by_label("English", exact=True).is_checked()
    assert not await ward.get_by_label("Danish").is_checked()

    # No language at all: refused, the languages named, nothing else lost.
    await ward.get_by_label("Arabic").uncheck()
    await ward.get_by_label("English", exact=True).uncheck()
    cpr = "0101901234"
    await ward.get_by_label("CPR number (10 digits)").fill(cpr)
    await ward.get_by_role("button", name="Send referral").click()
    await ward.get_by_role("alert").wait_for()
    assert await ward.locator("#err-languages").count() == 1
    assert "language" in await ward.locator("#err-languages").inner_text()
    assert await ward.get_by_label("CPR number (10 digits)").input_value() == cpr
    async with db_pool.acquire() as conn:
        assert not await conn.fetchval(
            "SELECT count(*) FROM episodes WHERE ward_id = $1", roster.ward_id
        )

    await ward.goto("/ward")
    await fill_referral(ward, roster)
    await ward.get_by_label("Arabic").check()
    await ward.get_by_role("button", name="Send referral").click()
    await ward.get_by_text("The referral has been received.").wait_for()

    async def referred() -> str | None:
        async with db_pool.acquire() as conn:
            found: str | None = await conn.fetchval(
                "SELECT episode_id FROM episodes WHERE ward_id = $1", roster.ward_id
            )
        return found

    await eventually(referred)
    episode_id = await referred()
    async with db_pool.acquire() as conn:
        body = await conn.fetchval(
            "SELECT body FROM events_received"
            " WHERE episode_id = $1 AND event_type = 'referral_created'",
            episode_id,
        )
    assert json.loads(body)["payload"]["languages"] == ["da", "ar"]

    # The list: the citizen's name, and what is due next in words (not ids).
    await reload_until(ward, f"#episode-{episode_id} .next-due >> text=Offer of an episode due")
    row = ward.locator(f"#episode-{episode_id}")
    assert await row.get_by_role("link", name=CITIZEN, exact=True).count() == 1
    due = await row.locator(".next-due").inner_text()
    assert "Offer of an episode due" in due, due
    assert "task-" not in due
    await screenshot(ward, "ward-list")
    async with db_pool.acquire() as conn:
        places = await conn.fetch(
            "SELECT detail->>'place' AS place FROM audit_log"
            " WHERE episode_id = $1 AND actor_id = $2 AND action = 'read.citizen'",
            episode_id,
            roster.ward_nurse,
        )
    assert "ward_list" in {p["place"] for p in places}, "names shown in the list are audited"


async def test_consent_risk_readmission_and_leave_each_with_when_it_happened(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)
    await open_ward_episode(ward, episode_id)
    assert await ward.locator("dd.risk").inner_text() == "Not elevated"

    # Risk up, first dated tomorrow: refused, the time named, what was typed kept.
    tomorrow = (datetime.now(LOCAL_TIME).date() + timedelta(days=1)).isoformat()
    await record_fact(ward, "risk_changed", on=tomorrow, at="09:15")
    assert "future" in await refused(ward, "risk_changed", "occurred_at")
    form = ward.locator("#form-risk_changed")
    assert await form.get_by_label("Date").input_value() == tomorrow
    assert await form.get_by_label("Time").input_value() == "09:15"
    assert await form.get_by_label("Date").get_attribute("aria-invalid") == "true"
    assert not await fact_count(db_pool, episode_id, "risk_changed")
    await assert_accessible(ward, context="an episode's ward page with a refused form")
    await record_fact(ward, "risk_changed", *now(), notice="The risk has been recorded.")
    assert await ward.locator("dd.risk").inner_text() == "Elevated risk"

    # A later consent: to sharing with the job centre, given digitally.
    form = ward.locator("#form-consent_granted")
    await form.get_by_label("Consent to").select_option(label="Sharing with the job centre")
    await form.get_by_label("How").select_option("digital")
    await record_fact(ward, "consent_granted", notice="The consent has been recorded.")
    assert "Sharing with the job centre" in await ward.locator("dd.consents").inner_text()

    # Its withdrawal, first dated before the referral: refused with the field named.
    yesterday = (datetime.now(LOCAL_TIME).date() - timedelta(days=1)).isoformat()
    form = ward.locator("#form-consent_withdrawn")
    await form.get_by_label("Consent to").select_option(label="Sharing with the job centre")
    await record_fact(ward, "consent_withdrawn", on=yesterday)
    assert "before the referral" in await refused(ward, "consent_withdrawn", "occurred_at")
    form = ward.locator("#form-consent_withdrawn")
    assert await form.get_by_label("Consent to").input_value() == "share_with_jobcenter"
    assert await form.get_by_label("Date").input_value() == yesterday
    await record_fact(ward, "consent_withdrawn", *now(), notice="The withdrawal has been recorded.")
    consents = await ward.locator("dd.consents").inner_text()
    assert "job centre" not in consents and "Peer support" in consents

    # Risk down again.
    await ward.locator("#form-risk_changed").get_by_label("Not elevated").check()
    await record_fact(ward, "risk_changed", notice="The risk has been recorded.")
    assert await ward.locator("dd.risk").inner_text() == "Not elevated"

    # Discharged, then back: a readmission (where MedCom is not connected), leave and its end.
    await ward.goto("/ward")
    await (
        ward.locator(f"#episode-{episode_id}")
        .get_by_role("button", name="Confirm discharge now")
        .click()
    )
    await ward.get_by_text("Saved.").wait_for()
    await open_ward_episode(ward, episode_id)
    await ward.locator("#form-admitted").get_by_label("Where").select_option("inpatient")
    await record_fact(ward, "admitted", notice="The readmission has been recorded.")
    # The count is the read model's, written a moment after the fact is held (slower under load).
    await reload_until(ward, 'dd.readmissions:text-is("1")')
    await record_fact(ward, "leave_started", notice="The leave has been recorded.")
    await record_fact(ward, "leave_ended", notice="The end of the leave has been recorded.")
    await screenshot(ward, "ward-episode")

    async with db_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT event_type, body FROM events_received WHERE episode_id = $1"
            " AND event_type IN ('admitted', 'leave_started', 'risk_changed')",
            episode_id,
        )
        referred_at = await conn.fetchval(
            "SELECT referred_at FROM episodes WHERE episode_id = $1", episode_id
        )
    assert {r["event_type"] for r in rows} == {"admitted", "leave_started", "risk_changed"}
    for r in rows:
        occurred = datetime.fromisoformat(json.loads(r["body"])["occurred_at"])
        assert occurred >= referred_at, "dated when it happened: after the referral"
    admitted = next(json.loads(r["body"]) for r in rows if r["event_type"] == "admitted")
    assert admitted["payload"]["setting"] == "inpatient"


async def test_a_cancelled_referral_needs_a_reason_and_a_confirmation(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)
    # In Danish too.
    await ward.goto(f"/ward/episodes/{episode_id}?lang=da")
    assert await ward.get_by_role("heading", name="Annullér henvisningen").count() >= 1
    assert await ward.locator("#form-referral_cancelled legend").inner_text() == (
        "Hvornår skete det"
    )
    await ward.goto("/ward?lang=en")
    await open_ward_episode(ward, episode_id)

    # Neither reason nor confirmation: both named, nothing sent.
    await record_fact(ward, "referral_cancelled")
    assert await refused(ward, "referral_cancelled", "reason") == "write a reason"
    assert await refused(ward, "referral_cancelled", "confirm") == "tick the box to confirm"
    # A reason without the confirmation: the reason is kept.
    form = ward.locator("#form-referral_cancelled")
    await form.get_by_label("Reason").fill("Patienten ønsker det ikke alligevel")
    await record_fact(ward, "referral_cancelled")
    assert await refused(ward, "referral_cancelled", "confirm")
    form = ward.locator("#form-referral_cancelled")
    assert await form.get_by_label("Reason").input_value() == (
        "Patienten ønsker det ikke alligevel"
    )
    assert not await fact_count(db_pool, episode_id, "referral_cancelled")

    await form.get_by_label("Yes, cancel the referral").check()
    await record_fact(ward, "referral_cancelled", notice="The referral has been cancelled.")
    await reload_until(ward, "dd.phase >> text=Cancelled")
    assert await ward.get_by_text("The episode has ended").count() == 1
    assert await ward.locator("form[action*='/facts/']").count() == 0


async def test_a_death_is_confirmed_and_another_wards_nurse_cannot_record_facts(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)

    other = await web_roster(db_pool, peers=0)
    stranger = await open_as(other.ward_nurse)
    answer = await stranger.goto(f"/ward/episodes/{episode_id}")
    assert answer is not None and answer.status == 404
    csrf = await stranger.locator("input[name=csrf]").first.get_attribute("value")
    assert csrf
    now = datetime.now()
    for fact, extra in (
        ("risk_changed", {"elevated": "yes"}),
        ("deceased", {"confirm": "on"}),
        ("referral_cancelled", {"confirm": "on", "reason": "Ikke vores"}),
    ):
        posted = await stranger.request.post(
            f"/ward/episodes/{episode_id}/facts/{fact}",
            form={
                "csrf": csrf,
                "event_id": f"web-{fact}-foreign-{episode_id}",
                "occurred_on": now.date().isoformat(),
                "occurred_time": now.strftime("%H:%M"),
                **extra,
            },
            max_redirects=0,
        )
        assert posted.status == 404, fact
        assert "Page not found" in await posted.text()
        assert not await fact_count(db_pool, episode_id, fact)

    await open_ward_episode(ward, episode_id)
    await record_fact(ward, "deceased")
    assert await refused(ward, "deceased", "confirm")
    assert not await fact_count(db_pool, episode_id, "deceased")
    await ward.locator("#form-deceased").get_by_label("Yes, the citizen has died").check()
    await record_fact(ward, "deceased", notice="The death has been recorded.")
    await reload_until(ward, "dd.phase >> text=Deceased")
    await ward.goto("/ward")
    row = ward.locator(f"#episode-{episode_id}")
    assert "Deceased" in await row.inner_text()
    assert await row.get_by_role("button", name="Confirm discharge now").count() == 0


async def accept_offer(open_as: OpenAs, roster: Roster) -> None:
    peer = await open_as(roster.peers[0])
    await reload_until(peer, "text=Offer of an episode")
    await peer.get_by_role("button", name="Accept").click()
    await peer.get_by_text("Your decision has been recorded.").wait_for()


async def test_the_network_meeting_card_books_date_time_and_place_by_the_deadline(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)
    await accept_offer(open_as, roster)

    await reload_until(ward, "li.card >> text=Coordination plan")
    plan = ward.locator("li.card", has_text="Coordination plan")
    await plan.get_by_role("button", name="Complete task").click()
    await ward.get_by_text("Your decision has been recorded.").wait_for()
    await reload_until(ward, "li.card >> text=Network meeting")
    card = ward.locator("li.card", has_text="Network meeting")
    deadline = await card.locator("p.hint").inner_text()
    assert deadline.startswith("By "), deadline
    async with db_pool.acquire() as conn:
        task = await conn.fetchrow(
            "SELECT task_id, due_at FROM tasks WHERE episode_id = $1 AND kind = 'network_meeting'",
            episode_id,
        )
    assert task is not None
    task_id, due_at = task["task_id"], task["due_at"].astimezone(LOCAL_TIME)
    assert f"{due_at.day} " in deadline

    # In the past: refused, the date named, what was typed kept.
    yesterday = (datetime.now(LOCAL_TIME).date() - timedelta(days=1)).isoformat()
    await card.get_by_label("Network meeting date").fill(yesterday)
    await card.get_by_label("Time (optional)").fill("10:30")
    await card.get_by_label("Place (optional").fill("Mødelokale 2, psykiatrien")
    await card.get_by_role("button", name="Complete task").click()
    await ward.get_by_role("alert").wait_for()
    card = ward.locator(f"#task-{task_id}")
    assert await card.locator(f"#err-meeting_on-{task_id}").count() == 1
    assert await card.get_by_label("Network meeting date").input_value() == yesterday
    assert await card.get_by_label("Time (optional)").input_value() == "10:30"
    assert await card.get_by_label("Place (optional").input_value() == "Mødelokale 2, psykiatrien"

    meeting_on = min(datetime.now(LOCAL_TIME).date() + timedelta(days=1), due_at.date()).isoformat()
    await card.get_by_label("Network meeting date").fill(meeting_on)
    await card.get_by_role("button", name="Complete task").click()
    await ward.get_by_text("Your decision has been recorded.").wait_for()

    async def booked() -> bool:
        async with db_pool.acquire() as conn:
            status = await conn.fetchval("SELECT status FROM tasks WHERE task_id = $1", task_id)
        return bool(status == "completed")

    await eventually(booked)
    async with db_pool.acquire() as conn:
        result = json.loads(
            await conn.fetchval("SELECT result FROM tasks WHERE task_id = $1", task_id)
        )
    assert result["meeting_on"] == meeting_on
    assert result["starts_at"].startswith("10:30")
    assert result["place"] == "Mødelokale 2, psykiatrien"
