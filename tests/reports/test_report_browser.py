"""A coordinator opens the quarterly report in Chromium, sees the charts, downloads the CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from db.pool import DatabasePool
from tests.reports.conftest import make_quarter
from tests.web.conftest import OpenAs, screenshot

pytestmark = pytest.mark.browser


async def test_a_coordinator_opens_the_quarter_sees_the_charts_and_downloads_the_csv(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    quarter = await make_quarter(db_pool, seed=80)
    page = await open_as(quarter.roster.coordinator)
    await page.goto("/reports?lang=en")
    await page.get_by_label("Quarter").select_option("2026-Q3")
    await page.get_by_role("button", name="Show report").click()
    await page.wait_for_url("**/reports?quarter=2026-Q3*")

    assert await page.get_by_role("heading", name="Outcomes: did the bridge hold?").count() == 1
    assert await page.locator("svg.chart").count() == 5
    for title in (
        "Time from discharge to first peer contact",
        "First contact within 72 hours, by programme",
        "Closed episodes with milestones",
        "Change in hope from start to end",
        "Change in network from start to end",
    ):
        chart = page.get_by_role("img", name=title)
        assert await chart.count() == 1, title
        assert await chart.locator("rect").count() > 0, title
    referrals = page.locator('td[data-measure="referrals"]')
    assert await referrals.inner_text() == "50"
    await page.set_viewport_size({"width": 1280, "height": 900})
    await screenshot(page, "report")

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download CSV").click()
    download = await download_info.value
    assert download.suggested_filename == "hverdagsbro-report-2026-Q3.csv"
    saved = await download.path()
    rows = list(csv.DictReader(io.StringIO(Path(saved).read_text(encoding="utf-8-sig"))))
    overall = {r["measure"]: r["value"] for r in rows if r["breakdown"] == "all"}
    assert overall["referrals"] == "50"
    assert {r["period_first"] for r in rows} == {"2026-07-01"}

    await page.get_by_role("link", name="Printable quarterly report").click()
    await page.wait_for_url("**/reports/print?quarter=2026-Q3*")
    await page.emulate_media(media="print")
    assert await page.locator("svg.chart").count() == 5
    assert not await page.get_by_role("button", name="Log out").is_visible()
    await screenshot(page, "report-print")


async def test_a_date_at_the_end_of_the_calendar_is_refused_and_can_be_corrected(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    quarter = await make_quarter(db_pool, seed=81)
    page = await open_as(quarter.roster.coordinator)
    await page.goto("/reports?lang=en")
    await page.get_by_label("From date (optional)").fill("0001-01-01")
    await page.get_by_label("To date (optional)").fill("0001-01-31")
    async with page.expect_response(lambda r: r.url.split("?")[0].endswith("/reports")) as sent:
        await page.get_by_role("button", name="Show report").click()
    assert (await sent.value).status == 422

    alert = page.get_by_role("alert")
    assert "The report cannot be shown for that period" in await alert.inner_text()
    assert "the period cannot start before 2000-01-01" in await alert.inner_text()
    start = page.get_by_label("From date (optional)")
    assert await start.get_attribute("aria-invalid") == "true"
    assert await start.input_value() == "0001-01-01", "the entered date stays to be corrected"
    described = (await start.get_attribute("aria-describedby") or "").split()
    assert "err-from" in described
    assert "cannot start before" in await page.locator("#err-from").inner_text()
    assert await page.locator('td[data-measure="referrals"]').count() == 0
    await screenshot(page, "report-refused-period")

    await alert.get_by_role("link", name="From date (optional)").click()
    await start.fill("2026-07-01")
    await page.get_by_label("To date (optional)").fill("2026-09-30")
    await page.get_by_role("button", name="Show report").click()
    await page.wait_for_url("**/reports?*from=2026-07-01*")
    assert await page.get_by_role("alert").count() == 0
    assert await page.locator('td[data-measure="referrals"]').inner_text() == "50"
