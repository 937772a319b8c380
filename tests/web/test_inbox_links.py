"""The inbox links a notice about no episode to its kind's page (issue 18): a group task to the
groups page, a teaching peer's course notice to their teaching page and the coordinators'
escalation to the courses page, a roster task to the roster tasks page; each page opens for its
reader, and a notice whose page is not the reader's has no link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db.pool import DatabasePool
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, web_roster

pytestmark = pytest.mark.browser

GROUP_TASK = "There is a new task about a group in hverdagsbro"
GROUP_ESCALATED = "A task about a group in hverdagsbro is not done and has been passed on"
ATTENDANCE_DUE = "Please record attendance for a course session in hverdagsbro"
ATTENDANCE_ESCALATED = "Attendance for a course session in hverdagsbro has not been recorded"
ROSTER_TASK = "There is a new task about the peers in hverdagsbro"
FOLLOW_UP_OVERDUE = "A follow-up of a course participant in hverdagsbro is overdue"
FOLLOW_UP_ESCALATED = (
    "A follow-up of a course participant in hverdagsbro is not done and has been passed on"
)


async def notice(
    pool: DatabasePool, user_id: str, role: str, template: str, minutes_ago: int
) -> None:
    """An in-app notice about no episode, as the upkeep or a term's workflow leaves it."""
    await pool.execute(
        "INSERT INTO outbox (notification_id, user_id, channel, episode_id, recipient_role,"
        " recipient_id, template, task_id, status, created_at)"
        " VALUES ($1, $2, 'inbox', NULL, $3, $2, $4, $5, 'sent', $6)",
        f"pgt-test-{user_id}-{template}.notice",
        user_id,
        role,
        template,
        f"pgt-test-{template}",
        datetime.now(UTC) - timedelta(minutes=minutes_ago),
    )


async def test_notices_without_an_episode_open_their_kinds_page(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    peer_id, coordinator = roster.peers[0], roster.coordinator
    await notice(db_pool, peer_id, "peer", "group_task", 3)
    await notice(db_pool, peer_id, "peer", "course_attendance_due", 2)
    await notice(db_pool, peer_id, "peer", "roster_task", 1)
    await notice(db_pool, peer_id, "peer", "course_follow_up_overdue", 4)
    await notice(db_pool, coordinator, "coordinator", "group_task_escalated", 3)
    await notice(db_pool, coordinator, "coordinator", "course_attendance_escalated", 2)
    await notice(db_pool, coordinator, "coordinator", "roster_task", 1)
    await notice(db_pool, coordinator, "coordinator", "course_follow_up_escalated", 4)

    peer = await open_as(peer_id)
    await peer.goto("/inbox")
    rows = peer.get_by_role("row")
    group_row = rows.filter(has_text=GROUP_TASK)
    assert await group_row.get_by_role("link", name="Open the groups").get_attribute("href") == (
        "/groups"
    )
    teaching = rows.filter(has_text=ATTENDANCE_DUE).get_by_role("link", name="Open your teaching")
    assert await teaching.get_attribute("href") == "/courses/teaching"
    overdue = rows.filter(has_text=FOLLOW_UP_OVERDUE).get_by_role("link")
    assert await overdue.get_attribute("href") == "/courses/teaching"
    roster_row = rows.filter(has_text=ROSTER_TASK)
    assert await roster_row.get_by_role("link").count() == 0, "not a peer's page"
    assert await roster_row.get_by_text("No longer open to you").count() == 1
    await group_row.get_by_role("link", name="Open the groups").click()
    await peer.wait_for_url("**/groups")
    await peer.goto("/inbox")
    async with peer.expect_navigation() as opened:
        await rows.filter(has_text=ATTENDANCE_DUE).get_by_role("link").click()
    response = await opened.value
    assert response is not None and response.status == 200

    office = await open_as(coordinator)
    await office.goto("/inbox")
    rows = office.get_by_role("row")
    links = {
        GROUP_ESCALATED: ("Open the groups", "/groups"),
        ATTENDANCE_ESCALATED: ("Open the courses", "/courses"),
        ROSTER_TASK: ("Open the roster tasks", "/coordinator/roster-tasks"),
        FOLLOW_UP_ESCALATED: ("Open the courses", "/courses"),
    }
    for text, (name, href) in links.items():
        link = rows.filter(has_text=text).get_by_role("link", name=name)
        assert await link.get_attribute("href") == href, text
    await assert_accessible(office, context="the inbox with notices about no episode")
    for href in ("/groups", "/courses", "/coordinator/roster-tasks"):
        response = await office.goto(href)
        assert response is not None and response.status == 200, href

    danish = await office.goto("/inbox?lang=da")
    assert danish is not None and danish.status == 200
    for name, count in (
        ("Åbn grupperne", 1),
        ("Åbn kurserne", 2),
        ("Åbn opgaverne om peer-medarbejderne", 1),
    ):
        assert await office.get_by_role("link", name=name).count() == count, name
