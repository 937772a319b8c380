"""Admissions without a referral (issue 16): a HospitalNotification admitting a citizen with no
episode is listed for the coordinators of the ward's organisation (ward and when, never who)
and on the ward's page with who it is, a "Refer" that fills in the referral form and a "Not
relevant" that needs a reason; after 2 working days an admission is marked overdue; a referral
or a dismissal takes it off both lists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Locator, Page

from api.web.rendering import LOCAL_TIME
from command.synthetic.roster import Roster
from db.access import create_token
from db.erasure import erase
from db.pool import DatabasePool
from tests.api.bodies import new_cpr
from tests.api.test_medcom_api import URL, as_new_message, from_sender, with_cpr
from tests.medcom.bundles import example, resource
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, reload_until, screenshot, web_roster
from tests.web.steps import fill_referral

pytestmark = pytest.mark.browser

SECTION = "Admissions without a referral: consider a referral"
REASON = "Indlagt til observation i et døgn, udskrives i morgen"


def admission(roster: Roster, cpr: str, admitted_at: datetime) -> dict[str, Any]:
    """MedCom's admission example (STIN) as a new message from the roster's ward."""
    bundle = from_sender(with_cpr(as_new_message(example("a5e5")), cpr), roster.ward_sor)
    resource(bundle, "Encounter")["period"]["start"] = admitted_at.isoformat()
    return bundle


async def admitted_without_referral(
    pool: DatabasePool, web_url: str, roster: Roster, *admitted: datetime
) -> list[str]:
    """The ward's hospital admits new citizens (no episode) at these times; their CPRs."""
    async with pool.acquire() as conn:
        _, secret = await create_token(
            conn,
            name=f"gateway {uuid.uuid4().hex[:6]}",
            role="medcom_gateway",
            ttl=None,
            sor_codes=[roster.ward_sor],
        )
    cprs = []
    async with httpx.AsyncClient(
        base_url=web_url, headers={"Authorization": f"Bearer {secret}"}
    ) as gateway:
        for at in admitted:
            cpr = new_cpr()
            answer = await gateway.post(URL, json=admission(roster, cpr, at))
            assert answer.json()["outcome"] == "ok", answer.text
            cprs.append(cpr)
    return cprs


def shown(cpr: str) -> str:
    return f"{cpr[:6]}-{cpr[6:]}"


def admissions(page: Page) -> Locator:
    return page.locator("section", has_text=SECTION).get_by_role("row")


async def test_the_coordinator_sees_when_not_who_and_the_ward_refers_from_the_list(
    open_as: OpenAs, db_pool: DatabasePool, web_url: str
) -> None:
    roster = await web_roster(db_pool, peers=1)
    now = datetime.now(UTC)
    recent, old = now - timedelta(hours=3), now - timedelta(days=8)
    fresh_cpr, waiting_cpr = await admitted_without_referral(db_pool, web_url, roster, recent, old)

    coordinator = await open_as(roster.coordinator)
    rows = admissions(coordinator)
    await rows.filter(has_text="3 hours ago").wait_for()
    assert await rows.count() == 3, "a header row and the two admissions"
    fresh = await rows.filter(has_text="3 hours ago").inner_text()
    assert "Inpatient admission" in fresh and "Overdue" not in fresh
    late = await rows.filter(has_text="8 days ago").inner_text()
    assert "Overdue: more than 2 working days" in late
    page_text = await coordinator.locator("body").inner_text()
    for cpr in (fresh_cpr, waiting_cpr):
        assert cpr[:6] not in page_text, "no identity before there is consent"
    await assert_accessible(coordinator, context="admissions without a referral (coordinator)")

    ward = await open_as(roster.ward_nurse)
    row = admissions(ward).filter(has_text=shown(fresh_cpr))
    assert "3 hours ago" in await row.inner_text()
    assert "Overdue" in await admissions(ward).filter(has_text=shown(waiting_cpr)).inner_text()
    await assert_accessible(ward, context="admissions without a referral (ward)")
    async with db_pool.acquire() as conn:
        reads = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'read.citizen' AND actor_id = $1"
            " AND detail ->> 'place' = 'referral_candidates'",
            roster.ward_nurse,
        )
    assert reads == 2, "each identity shown is audited"

    await row.get_by_role("link", name="Refer").click()
    await ward.locator("#prefilled").wait_for()
    assert await ward.get_by_label("CPR number (10 digits)").input_value() == fresh_cpr
    admitted_field = ward.get_by_label("Admitted at (date and time, optional)")
    local = recent.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")
    assert await admitted_field.input_value() == local
    await screenshot(ward, "ward-refer-from-admission")
    await fill_referral(ward, roster, cpr=fresh_cpr)
    await ward.get_by_role("button", name="Send referral").click()
    await ward.get_by_text("The referral has been received.").wait_for()

    # The referral takes the admission off both lists; the other one still waits.
    await ward.goto("/ward")
    assert await admissions(ward).filter(has_text=shown(fresh_cpr)).count() == 0
    assert await admissions(ward).filter(has_text=shown(waiting_cpr)).count() == 1
    await coordinator.reload()
    assert await admissions(coordinator).filter(has_text="3 hours ago").count() == 0
    assert await admissions(coordinator).filter(has_text="8 days ago").count() == 1


async def test_not_relevant_needs_a_reason_and_takes_the_admission_off_both_lists(
    open_as: OpenAs, db_pool: DatabasePool, web_url: str
) -> None:
    roster = await web_roster(db_pool, peers=0)
    other = await web_roster(db_pool, peers=0)
    (cpr,) = await admitted_without_referral(
        db_pool, web_url, roster, datetime.now(UTC) - timedelta(hours=30)
    )

    stranger = await open_as(other.ward_nurse)
    assert await admissions(stranger).filter(has_text=shown(cpr)).count() == 0
    assert "No admissions are waiting" in await stranger.locator("#admissions").inner_text()

    ward = await open_as(roster.ward_nurse)
    row = admissions(ward).filter(has_text=shown(cpr))
    async with ward.expect_navigation() as sent:
        await row.get_by_role("button", name="Not relevant").click()
    response = await sent.value
    assert response is not None and response.status == 422
    refused = admissions(ward).filter(has_text=shown(cpr))
    error = await refused.locator(".field-error").inner_text()
    assert error.startswith("reason:") and "at least 3 characters" in error
    assert "reason" in await ward.locator(".problem").inner_text()

    reason = refused.get_by_label("Why not relevant (3-500 characters)")
    await reason.fill("ok")
    async with ward.expect_navigation() as sent:
        await refused.get_by_role("button", name="Not relevant").click()
    response = await sent.value
    assert response is not None and response.status == 422
    kept = admissions(ward).filter(has_text=shown(cpr))
    field = kept.get_by_label("Why not relevant (3-500 characters)")
    assert await field.input_value() == "ok", "what was typed is kept"
    assert await field.get_attribute("aria-invalid") == "true"
    await assert_accessible(ward, context="a refused 'not relevant'")

    await field.fill(REASON)
    await kept.get_by_role("button", name="Not relevant").click()
    await ward.get_by_text("The admission is marked as not relevant.").wait_for()
    assert await admissions(ward).filter(has_text=shown(cpr)).count() == 0

    async with db_pool.acquire() as conn:
        dismissal = await conn.fetchrow(
            "SELECT d.dismissed_by, d.dismissed_by_role, d.reason, d.ward_id"
            " FROM referral_candidate_dismissals d JOIN citizens c USING (citizen_id)"
            " WHERE c.cpr = $1",
            cpr,
        )
        audit = await conn.fetchrow(
            "SELECT reason, detail::text AS detail FROM audit_log"
            " WHERE action = 'referral_candidate.dismissed' AND actor_id = $1",
            roster.ward_nurse,
        )
    assert dismissal is not None
    assert dict(dismissal) == {
        "dismissed_by": roster.ward_nurse,
        "dismissed_by_role": "ward",
        "reason": REASON,
        "ward_id": roster.ward_id,
    }
    assert audit is not None and REASON not in audit["reason"] + audit["detail"]
    # The reason is staff's own words about the patient: erasure empties it.
    async with db_pool.acquire() as conn:
        citizen_id = await conn.fetchval("SELECT citizen_id FROM citizens WHERE cpr = $1", cpr)
        await erase(
            conn,
            citizen_id=citizen_id,
            episode_ids=[],
            actor_role="operator",
            actor_id="test-operator",
        )
        kept = await conn.fetchrow(
            "SELECT dismissed_by, reason FROM referral_candidate_dismissals WHERE citizen_id = $1",
            citizen_id,
        )
    assert kept is not None and dict(kept) == {"dismissed_by": roster.ward_nurse, "reason": ""}

    coordinator = await open_as(roster.coordinator)
    await reload_until(coordinator, "#admissions")
    assert "No admissions are waiting" in await coordinator.locator("#admissions").inner_text()


async def test_the_lists_in_danish(open_as: OpenAs, db_pool: DatabasePool, web_url: str) -> None:
    roster = await web_roster(db_pool, peers=0)
    await admitted_without_referral(db_pool, web_url, roster, datetime.now(UTC) - timedelta(days=5))
    coordinator = await open_as(roster.coordinator)
    await coordinator.goto("/coordinator?lang=da")
    section = coordinator.locator("#admissions")
    text = await section.inner_text()
    assert "Indlæggelser uden henvisning: overvej en henvisning" in text
    assert "for 5 dage siden" in text and "Overskredet: mere end 2 arbejdsdage" in text
