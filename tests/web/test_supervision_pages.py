"""Supervision in the browser: the coordinator creates a group (its workflow starts and plans
the first session), changes its schedule and deactivates it; the supervisor (here a peer)
records who came to a past session; the peer sees their next supervision on their page; every
supervision form refuses bad input next to the field and changes nothing; axe on each page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.async_api import Page
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from command.synthetic.roster import Roster
from db import supervision as groups
from db.pool import DatabasePool
from schemas.roster import SupervisionSchedule
from schemas.supervision import SessionKind, SessionPlan, group_workflow_id
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, web_roster
from tests.web.long_running import end_running
from tests.web.steps import submit

pytestmark = pytest.mark.browser

SCHEDULE = SupervisionSchedule(weekday=3, time=time(9, 30), every_weeks=2, duration_minutes=60)


@pytest.fixture
async def ended_after(
    time_skipping_env: WorkflowEnvironment, db_pool: DatabasePool
) -> AsyncIterator[list[str]]:
    """Organisations whose group workflows are terminated after the test (the shared
    server would wake them whenever a later test skips time)."""
    organisations: list[str] = []
    yield organisations
    async with db_pool.acquire() as conn:
        made = [row for o in organisations for row in await groups.organisation_groups(conn, o)]
    await end_running(time_skipping_env.client, [group_workflow_id(row.group_id) for row in made])


async def fill_group(page: Page, *, name: str, time_text: str = "09:30") -> None:
    await page.get_by_label("Group name").fill(name)
    await page.get_by_label("Supervisor").select_option(label="Test coordinator")
    await page.get_by_label("Weekday").select_option(label="Wednesday")
    await page.get_by_label("Time (HH:MM)").fill(time_text)
    await page.get_by_label("Every n weeks (1-12)").fill("2")
    await page.get_by_label("Length in minutes (15-480)").fill("60")
    await page.get_by_label("Test peer 1", exact=True).check()
    await page.get_by_label("Test peer 2", exact=True).check()


async def only_group(pool: DatabasePool, organisation_id: str) -> groups.SupervisionGroup:
    async with pool.acquire() as conn:
        made = await groups.organisation_groups(conn, organisation_id)
    assert len(made) == 1, made
    return made[0]


async def planned_sessions(pool: DatabasePool, group_id: str) -> list[datetime]:
    async with pool.acquire() as conn:
        # Any date: the shared time-skipping server's clock has moved on by however much
        # earlier tests skipped, and the group's workflow plans from that clock.
        rows = await groups.sessions_of(
            conn, [group_id], datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
        )
    return [r["starts_at"] for r in rows if r["status"] == "planned"]  # type: ignore[misc]


async def test_the_coordinator_creates_changes_and_deactivates_a_group(
    open_as: OpenAs,
    db_pool: DatabasePool,
    time_skipping_env: WorkflowEnvironment,
    ended_after: list[str],
) -> None:
    roster = await web_roster(db_pool, peers=3)
    ended_after.append(roster.organisation_id)
    page = await open_as(roster.coordinator)
    await page.get_by_role("link", name="Supervision").first.click()
    await page.get_by_text("Your organisation has no supervision groups yet.").wait_for()
    await assert_accessible(page, context="the supervision page")

    # Refused: the time, the number of weeks and the supervisor, each next to its field.
    await fill_group(page, name="Onsdagsgruppen", time_text="25:99")
    await page.get_by_label("Every n weeks (1-12)").fill("0")
    await page.get_by_label("Supervisor").select_option(label="Choose …")
    assert await submit(page, "/supervision/groups", "Create the group") == 422
    for reason in (
        "write the time as hours and minutes, such as 14:00",
        "write a whole number of weeks from 1 to 12",
        "choose the supervisor from the list",
    ):
        assert await page.locator(".field-error", has_text=reason).count() == 1, reason
    assert await page.get_by_label("Group name").input_value() == "Onsdagsgruppen"
    await assert_accessible(page, context="the refused group form")
    async with db_pool.acquire() as conn:
        assert await groups.organisation_groups(conn, roster.organisation_id) == []

    await fill_group(page, name="Onsdagsgruppen")
    assert await submit(page, "/supervision/groups", "Create the group") == 200
    await page.get_by_text("The group has been created.").wait_for()
    assert await page.get_by_role("heading", level=1).inner_text() == "Onsdagsgruppen"
    group = await only_group(db_pool, roster.organisation_id)
    assert group.schedule == SCHEDULE and group.supervisor_id == roster.coordinator
    async with db_pool.acquire() as conn:
        assert await groups.members(conn, group.group_id) == sorted(roster.peers[1:])

    async def first_session_planned() -> bool:
        return len(await planned_sessions(db_pool, group.group_id)) == 1

    await eventually(first_session_planned, timeout=60)
    await assert_accessible(page, context="a supervision group")

    # Refused edit: no name; nothing changes.
    await page.get_by_label("Group name").fill("")
    assert await submit(page, f"/supervision/groups/{group.group_id}", "Save the changes") == 422
    await page.locator(".field-error", has_text="write a name of 1 to 120 characters").wait_for()
    assert (await only_group(db_pool, roster.organisation_id)).name == "Onsdagsgruppen"

    # Thursdays instead: the planned session moves.
    before = await planned_sessions(db_pool, group.group_id)
    await page.get_by_label("Group name").fill("Torsdagsgruppen")
    await page.get_by_label("Weekday").select_option(label="Thursday")
    assert await submit(page, f"/supervision/groups/{group.group_id}", "Save the changes") == 200
    await page.get_by_text("The changes have been saved.").wait_for()

    async def moved_to_thursday() -> bool:
        planned = await planned_sessions(db_pool, group.group_id)
        return len(planned) == 1 and planned != before

    await eventually(moved_to_thursday, timeout=60)

    # Deactivated in one tab; the second tab's deactivation is refused.
    other = await page.context.new_page()
    await other.goto(page.url)
    assert await submit(page, "/deactivate", "Deactivate the group") == 200
    await page.get_by_text("The group has been deactivated.").wait_for()
    handle = time_skipping_env.client.get_workflow_handle(group_workflow_id(group.group_id))

    async def ended() -> bool:
        return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

    await eventually(ended, timeout=60)
    assert await planned_sessions(db_pool, group.group_id) == []
    assert await submit(other, "/deactivate", "Deactivate the group") == 409
    await other.locator(".field-error", has_text="the group is deactivated").wait_for()
    await assert_accessible(other, context="a refused deactivation")


async def _group_supervised_by_a_peer(pool: DatabasePool, roster: Roster) -> tuple[str, str]:
    """A group whose supervisor is the roster's first peer, with a session yesterday."""
    supervisor = roster.peers[0]
    async with pool.acquire() as conn:
        group_id = await groups.create_group(
            conn,
            organisation_id=roster.organisation_id,
            name="Peer-ledet gruppe",
            supervisor_id=supervisor,
            schedule=SCHEDULE,
            members=roster.peers[1:],
            who=groups.Actor(role="coordinator", actor_id=roster.coordinator),
        )
        yesterday = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        session_id = await groups.plan_session(
            conn,
            SessionPlan(group_id=group_id, starts_at=yesterday, duration_minutes=60),
        )
        await groups.plan_session(
            conn,
            SessionPlan(
                group_id=group_id,
                starts_at=yesterday + timedelta(weeks=2),
                duration_minutes=60,
                kind=SessionKind.REGULAR,
            ),
        )
    return group_id, session_id


async def test_the_supervisor_records_who_came_and_the_peer_sees_their_next_supervision(
    open_as: OpenAs, db_pool: DatabasePool, ended_after: list[str]
) -> None:
    roster = await web_roster(db_pool, peers=3)
    ended_after.append(roster.organisation_id)  # the page starts the group's workflow
    _, session_id = await _group_supervised_by_a_peer(db_pool, roster)
    page = await open_as(roster.peers[0])
    await page.get_by_role("link", name="Supervision").first.click()
    await assert_accessible(page, context="the supervisor's sessions")
    await page.get_by_role("link", name="Record attendance").click()
    await assert_accessible(page, context="the attendance form")

    # Refused: one member not marked; nothing is stored.
    await page.get_by_role("group", name="Test peer 1").get_by_label("Came", exact=True).check()
    assert await submit(page, f"/supervision/sessions/{session_id}", "Save the attendance") == 422
    await page.locator(".field-error", has_text="say for every member whether they came").wait_for()
    await assert_accessible(page, context="the refused attendance form")
    async with db_pool.acquire() as conn:
        assert await groups.attendance(conn, session_id) == {}

    await page.get_by_role("group", name="Test peer 2").get_by_label("Did not come").check()
    assert await submit(page, f"/supervision/sessions/{session_id}", "Save the attendance") == 200
    await page.get_by_text("The attendance has been saved.").wait_for()
    async with db_pool.acquire() as conn:
        assert await groups.attendance(conn, session_id) == {
            roster.peers[1]: True,
            roster.peers[2]: False,
        }
        held = await groups.session(conn, session_id)
    assert held is not None and held["status"] == "held"
    assert await page.get_by_role("link", name="Recorded (change)").count() == 1

    member = await open_as(roster.peers[1])
    await member.get_by_text("Your next supervision").wait_for()
    assert "Peer-ledet gruppe" in await member.locator("#next-supervision").inner_text()


async def test_nobody_else_opens_a_group_or_records_a_session(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=3)
    group_id, session_id = await _group_supervised_by_a_peer(db_pool, roster)
    stranger = await web_roster(db_pool, peers=1)
    page = await open_as(stranger.coordinator)
    response = await page.goto(f"/supervision/groups/{group_id}")
    assert response is not None and response.status == 404
    response = await page.goto(f"/supervision/sessions/{session_id}")
    assert response is not None and response.status == 404
    # A member is not the supervisor.
    member = await open_as(roster.peers[1])
    response = await member.goto(f"/supervision/sessions/{session_id}")
    assert response is not None and response.status == 404
