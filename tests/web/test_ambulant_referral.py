"""A ward nurse refers a citizen who is not admitted (ambulant, from district psychiatry): the
form asks where the referral comes from, refuses an admission time for an ambulant citizen and
a course programme (a course is enrolled in, not referred to), and the ward's list and the
episode's ward page say "ambulant" where the discharge would be."""

from __future__ import annotations

import pytest

from db.pool import DatabasePool
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, reload_until, web_roster
from tests.web.steps import CITIZEN, fill_referral

pytestmark = pytest.mark.browser


async def episodes_of(pool: DatabasePool, ward_id: str) -> list[tuple[str, str]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT episode_id, pathway FROM episodes WHERE ward_id = $1", ward_id
        )
    return [(r["episode_id"], r["pathway"]) for r in rows]


async def test_an_ambulant_citizen_is_referred_and_a_course_programme_is_refused(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    assert await ward.get_by_label("An admission to a ward").is_checked(), "the default"

    # A course is not referred to as a one-to-one episode: refused next to the programme.
    await fill_referral(ward, roster)
    await ward.locator("#programme").select_option("recovery-college")
    await ward.get_by_role("button", name="Send referral").click()
    await ward.get_by_role("alert").wait_for()
    reason = await ward.locator("#err-programme").inner_text()
    assert "is a course; enrol the citizen in a term instead" in reason, reason
    await assert_accessible(ward, context="the referral form refusing a course programme")

    # Ambulant, but with an admission time: refused next to the admission time.
    await ward.locator("#programme").select_option("peer-guide-sind")
    await ward.get_by_label("Ambulant, no admission").check()
    await ward.get_by_role("button", name="Send referral").click()
    await ward.get_by_role("alert").wait_for()
    reason = await ward.locator("#err-admitted_at").inner_text()
    assert "an ambulant referral has no admission" in reason, reason
    assert await ward.get_by_label("Ambulant, no admission").is_checked(), "kept as chosen"
    assert await episodes_of(db_pool, roster.ward_id) == [], "nothing stored when refused"

    await ward.goto("/ward")
    await fill_referral(ward, roster)
    await ward.get_by_label("Ambulant, no admission").check()
    await ward.get_by_label("Admitted at (date and time, optional)").fill("")
    await ward.get_by_role("button", name="Send referral").click()
    await ward.get_by_text("The referral has been received.").wait_for()

    await eventually(lambda: _has_episode(db_pool, roster.ward_id))
    [(episode_id, pathway)] = await episodes_of(db_pool, roster.ward_id)
    assert pathway == "ambulant"
    await reload_until(ward, f"#episode-{episode_id} >> text=Ambulant (no admission)")
    row = ward.locator(f"#episode-{episode_id}")
    await row.get_by_role("link", name=CITIZEN, exact=True).click()
    await ward.locator("#facts-title").wait_for()
    assert await ward.locator("dd.discharge").inner_text() == "Ambulant (no admission)"
    await assert_accessible(ward, context="an ambulant episode's ward page")


async def _has_episode(pool: DatabasePool, ward_id: str) -> bool:
    return bool(await episodes_of(pool, ward_id))
