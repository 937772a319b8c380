"""The episode page's timeline reads in the reader's language: a referral, a decided offer,
a discharge, a task the system closed and the phases in Danish on a Danish page and in English
on an English one; a line written before the lines had keys is shown with its stored summary
in both."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import Page

from db.pool import DatabasePool
from tests.web.conftest import OpenAs, reload_until, screenshot, web_roster
from tests.web.steps import refer

pytestmark = pytest.mark.browser

OLD_LINE = "Discharge planned (a line from before the keys)"


async def timeline_lines(page: Page) -> list[str]:
    cells = page.locator("section[aria-labelledby=timeline-title] tbody td:nth-child(2)")
    return [line.strip() for line in await cells.all_inner_texts()]


async def test_the_timeline_reads_in_danish_and_in_english(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)

    peer = await open_as(roster.peers[0])
    await reload_until(peer, "text=Offer of an episode")
    await peer.get_by_role("button", name="Accept").click()
    await peer.get_by_text("Your decision has been recorded.").wait_for()

    await ward.goto("/ward")
    await reload_until(ward, f"#episode-{episode_id} >> role=button[name='Confirm discharge now']")
    await (
        ward.locator(f"#episode-{episode_id}")
        .get_by_role("button", name="Confirm discharge now")
        .click()
    )
    await ward.get_by_text("Saved.").wait_for()

    # A row as the read model held it before migration 0010: no key, no params.
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO timeline (entry_id, episode_id, at, kind, summary, commit_seq)"
            " VALUES ($1, $2, $3, 'discharge_planned', $4, 0)",
            f"{episode_id}-old-line",
            episode_id,
            datetime(2000, 1, 1, tzinfo=UTC),
            OLD_LINE,
        )

    coordinator = await open_as(roster.coordinator)
    await coordinator.goto(f"/episodes/{episode_id}?lang=en")
    await reload_until(coordinator, "section[aria-labelledby=timeline-title] >> text=Discharged (")
    english = await timeline_lines(coordinator)
    assert english[0] == OLD_LINE, "the oldest line first, with its stored summary"
    for line in (
        "Referred to Peer guide (SIND)",
        "Phase: matching",
        "New task: Offer of an episode",
        "Offer of an episode: accepted",
        "Peer assigned",
        "Discharged (inpatient)",
        "First meeting on the ward: citizen discharged before it",
    ):
        assert line in english, (line, english)

    await coordinator.goto(f"/episodes/{episode_id}?lang=da")
    await coordinator.get_by_role("heading", name="Tidslinje").wait_for()
    danish = await timeline_lines(coordinator)
    assert danish[0] == OLD_LINE
    for line in (
        "Henvist til Peer-guide (SIND)",
        "Fase: matches",
        "Ny opgave: Tilbud om forløb",
        "Tilbud om forløb: accepteret",
        "Peer-medarbejder tildelt",
        "Udskrevet (sengeafsnit)",
        "Første møde på afdelingen: borgeren blev udskrevet før",
    ):
        assert line in danish, (line, danish)
    assert len(danish) == len(english)
    assert not set(danish) & (set(english) - {OLD_LINE}), "no English line on the Danish page"
    await screenshot(coordinator, "episode-timeline-da")

    # The API gives each line's key and params beside the English summary.
    async with db_pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT text_key, params, summary FROM timeline"
            " WHERE episode_id = $1 AND kind = 'decision'",
            episode_id,
        )
    assert row is not None
    assert row["text_key"] == "timeline.decision"
    assert row["summary"] == "Peer offer: accepted"
