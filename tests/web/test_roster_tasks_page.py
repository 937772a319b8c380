"""The coordinator's roster tasks page (issue 17): reached from the navigation and from a
notice in the inbox, it lists the organisation's open tasks about its peers in words with the
peer's name and when each is due; a task is marked done; a task already done, another
organisation's and a made-up one are refused and change nothing."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page

from db import roster_tasks
from db.pool import DatabasePool
from db.synthetic import StaffRow, add_partner_organisation, add_staff
from schemas.roster import RosterTaskKind
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, screenshot, web_roster, with_passwords

pytestmark = pytest.mark.browser

TRAINING = "Training about to lapse"
EXTRA = "Offer an extra supervision or debrief"


async def open_task(
    pool: DatabasePool,
    organisation_id: str,
    kind: RosterTaskKind,
    due_in: timedelta,
    peer_id: str | None = None,
    detail: dict[str, str] | None = None,
) -> str:
    async with pool.acquire() as conn:
        task_id = await roster_tasks.open_task(
            conn,
            kind=kind,
            organisation_id=organisation_id,
            dedupe_key=f"web-test:{uuid.uuid4().hex}",
            due_at=datetime.now(UTC) + due_in,
            peer_id=peer_id,
            detail=detail,
        )
    assert task_id is not None
    return task_id


async def status_of(pool: DatabasePool, task_id: str) -> tuple[str, str | None]:
    row = await pool.fetchrow(
        "SELECT status, closed_by FROM roster_tasks WHERE task_id = $1", task_id
    )
    assert row is not None
    return row["status"], row["closed_by"]


async def post_done_of(page: Page, task_id: str) -> int:
    """Send the page's own "mark as done" form for another task id (as a forged or stale
    form would); the answer's status."""
    await page.evaluate(
        "(id) => document.querySelector('form[action$=\"/done\"]').action ="
        " '/coordinator/roster-tasks/' + encodeURIComponent(id) + '/done'",
        task_id,
    )
    async with page.expect_navigation() as sent:
        await page.locator('form[action$="/done"] button').first.click()
    response = await sent.value
    assert response is not None
    return response.status


async def test_a_coordinator_sees_the_roster_tasks_marks_one_done_and_is_refused_others(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=2)
    other = await web_roster(db_pool, peers=1)
    peer = roster.peers[0]
    peer_name: str = await db_pool.fetchval(
        "SELECT display_name FROM users WHERE user_id = $1", peer
    )
    programme_name: str = await db_pool.fetchval(
        "SELECT definition ->> 'name' FROM programmes WHERE code = 'peer-guide-sind'"
    )
    lapsing = await open_task(
        db_pool,
        roster.organisation_id,
        RosterTaskKind.TRAINING_LAPSING,
        timedelta(days=10),
        peer,
        {"programme": "peer-guide-sind", "trained_until": "2099-01-01"},
    )
    extra = await open_task(
        db_pool,
        roster.organisation_id,
        RosterTaskKind.EXTRA_SUPERVISION,
        -timedelta(days=1),
        roster.peers[1],
    )
    theirs = await open_task(
        db_pool, other.organisation_id, RosterTaskKind.EXTRA_SUPERVISION, timedelta(days=1)
    )

    page = await open_as(roster.coordinator)
    await (
        page.get_by_role("navigation", name="Main menu")
        .get_by_role("link", name="Roster tasks")
        .click()
    )
    await page.get_by_role("heading", name="Roster tasks", level=1).wait_for()
    training_row = page.get_by_role("row").filter(has_text=TRAINING)
    assert f"{TRAINING}: {programme_name}" in await training_row.inner_text()
    assert peer_name in await training_row.inner_text()
    assert "Overdue" not in await training_row.inner_text()
    extra_row = page.get_by_role("row").filter(has_text=EXTRA)
    assert await extra_row.count() == 1, "another organisation's task is not listed"
    assert "Overdue" in await extra_row.inner_text()
    await assert_accessible(page, context="roster tasks (coordinator)")
    await screenshot(page, "roster-tasks-coordinator")

    await training_row.get_by_role("button", name=re.compile("^Mark as done")).click()
    await page.get_by_text("The task is marked as done.").wait_for()
    assert await page.get_by_role("row").filter(has_text=TRAINING).count() == 0
    assert await status_of(db_pool, lapsing) == ("done", roster.coordinator)
    assert await status_of(db_pool, extra) == ("open", None)

    # Refused: the same task again shows the page saying it is done already; another
    # organisation's task and a made-up id answer "not found"; nothing changes.
    assert await post_done_of(page, lapsing) == 409
    await page.get_by_role("alert").get_by_text("the roster task is already done").wait_for()
    assert await page.get_by_role("row").filter(has_text=EXTRA).count() == 1
    await assert_accessible(page, context="roster tasks, a task already done")
    for foreign in (theirs, "no-such-task", "x" * 300):
        await page.goto("/coordinator/roster-tasks")
        assert await post_done_of(page, foreign) == 404
        assert await page.get_by_role("heading", name="Page not found").count() == 1
    assert await status_of(db_pool, theirs) == ("open", None)
    assert await status_of(db_pool, extra) == ("open", None)

    # In Danish too.
    danish = await page.goto("/coordinator/roster-tasks?lang=da")
    assert danish is not None and danish.status == 200
    await page.get_by_role("heading", name="Opgaver om peer-medarbejderne", level=1).wait_for()
    assert "Tilbyd ekstra supervision eller debriefing" in await page.locator("main").inner_text()
    await assert_accessible(page, context="roster tasks (coordinator, Danish)")


async def test_a_roster_notice_in_the_inbox_opens_the_roster_tasks_page(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    task_id = await open_task(
        db_pool, roster.organisation_id, RosterTaskKind.EXTRA_SUPERVISION, timedelta(days=1)
    )
    await db_pool.execute(
        "INSERT INTO outbox (notification_id, user_id, channel, episode_id, recipient_role,"
        " recipient_id, template, task_id, status, created_at)"
        " VALUES ($1, $2, 'inbox', NULL, 'coordinator', $3, 'roster_task', $4, 'sent', now())",
        f"{task_id}.notice",
        roster.coordinator,
        roster.organisation_id,
        task_id,
    )

    page = await open_as(roster.coordinator)
    await page.goto("/inbox")
    row = page.get_by_role("row").filter(has_text="There is a new task about the peers")
    link = row.get_by_role("link", name="Open the roster tasks")
    assert await link.get_attribute("href") == "/coordinator/roster-tasks"
    await link.click()
    await page.get_by_role("heading", name="Roster tasks", level=1).wait_for()
    assert await page.get_by_role("row").filter(has_text=EXTRA).count() == 1


async def test_only_coordinators_open_the_roster_tasks_page(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    page = await open_as(roster.peers[0])
    response = await page.goto("/coordinator/roster-tasks")
    assert response is not None and response.status == 403
    nav = page.get_by_role("navigation", name="Main menu")
    assert await nav.get_by_role("link", name="Roster tasks").count() == 0


async def test_a_partner_coordinator_sees_an_escalated_roster_task_but_cannot_mark_it_done(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    home = await web_roster(db_pool, peers=1)
    partner_org, partner_coordinator = f"muni-{home.organisation_id}", f"pc-{home.coordinator}"
    async with db_pool.acquire() as conn, conn.transaction():
        await add_partner_organisation(
            conn, partner_org, kind="municipality", partner_of=home.organisation_id
        )
        await add_staff(
            conn,
            partner_org,
            [StaffRow(user_id=partner_coordinator, role="coordinator", display_name="Partner")],
        )
    await with_passwords(db_pool, home, partner_coordinator)
    escalated = await open_task(
        db_pool,
        home.organisation_id,
        RosterTaskKind.EXTRA_SUPERVISION,
        -timedelta(days=4),
        home.peers[0],
    )
    not_yet = await open_task(
        db_pool, home.organisation_id, RosterTaskKind.ATTENDANCE_UNRECORDED, -timedelta(days=1)
    )
    await db_pool.execute(
        "UPDATE roster_tasks SET notified_at = now(), reminded_at = now(), escalated_at = now()"
        " WHERE task_id = $1",
        escalated,
    )

    page = await open_as(partner_coordinator)
    await page.goto("/coordinator/roster-tasks")
    assert await page.get_by_text("There are no open roster tasks.").count() == 1
    await page.get_by_role("heading", name="Escalated from partners", level=2).wait_for()
    row = page.locator(f"#roster-task-{escalated}")
    assert EXTRA in await row.inner_text()
    assert f"Partner {partner_org}" not in await row.inner_text(), "the owner, not themselves"
    assert "sent to the partnership" in await row.inner_text()
    assert await row.get_by_role("button").count() == 0, "the owner's coordinators mark it done"
    assert await page.locator(f"#roster-task-{not_yet}").count() == 0, "not escalated yet"
    await assert_accessible(page, context="roster tasks escalated from a partner")

    # Nor by a forged form: it is not their organisation's task.
    status = await page.evaluate(
        """async ([id, csrf]) => (await fetch('/coordinator/roster-tasks/' + id + '/done', {
            method: 'POST', body: new URLSearchParams({csrf}), redirect: 'manual'})).status""",
        [escalated, await csrf_of(page)],
    )
    assert status == 404
    assert await status_of(db_pool, escalated) == ("open", None)


async def csrf_of(page: Page) -> str:
    """The session's CSRF token, as the page's log-out form carries it."""
    token = await page.locator('form[action="/logout"] input[name="csrf"]').get_attribute("value")
    assert token
    return token
