"""Courses in the browser: a coordinator creates a course and a term and opens it (its
workflow starts); a relative enrols through the public page after it refused a form with no
consent and no way to reach them; ward staff enrol a citizen from their episode; the term is
full, so the next one through the public page (in Danish) is told their place on the waiting
list; the coordinator sees seats, the enrolled and the waiting list; the teaching peer records
who came to the past session. axe on every page."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from db import courses
from db.pool import DatabasePool
from schemas.courses import term_workflow_id
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, web_roster
from tests.web.long_running import end_running
from tests.web.own_app import web_app, web_url
from tests.web.steps import refer, submit

pytestmark = pytest.mark.browser

LOCAL = ZoneInfo("Europe/Copenhagen")

# The module's own time-skipping server, worker and app: a term's workflow plans from the
# server's clock, which earlier tests on the shared server have skipped years ahead.
__all__ = ["web_app", "web_url"]


@pytest.fixture
async def ended_after(
    own_env: WorkflowEnvironment, db_pool: DatabasePool
) -> AsyncIterator[list[str]]:
    """Organisations whose term workflows are terminated after the test (the shared server
    would wake them whenever a later test skips time)."""
    organisations: list[str] = []
    yield organisations
    async with db_pool.acquire() as conn:
        made = [row for o in organisations for row in await courses.organisation_terms(conn, o)]
    await end_running(own_env.client, [term_workflow_id(row.term_id) for row in made])


def session_lines() -> str:
    """Yesterday's session (past: its attendance can be recorded) and one in a week."""
    today = datetime.now(LOCAL).date()
    return f"{today - timedelta(days=1)} 10:00-12:00\n{today + timedelta(days=7)} 10:00-12:00\n"


async def public_page(browser: Browser, web_url: str) -> Page:
    context = await browser.new_context(base_url=web_url)
    return await context.new_page()


async def test_a_term_is_created_opened_enrolled_in_and_its_attendance_recorded(
    open_as: OpenAs,
    browser: Browser,
    web_url: str,
    db_pool: DatabasePool,
    own_env: WorkflowEnvironment,
    ended_after: list[str],
) -> None:
    roster = await web_roster(db_pool, peers=2)
    ended_after.append(roster.organisation_id)

    # The coordinator creates a course (refused first: no titles) and a term of two seats.
    page = await open_as(roster.coordinator)
    await page.goto("/courses?lang=en")
    await page.get_by_text("Your organisation has no courses yet.").wait_for()
    await assert_accessible(page, context="the courses page")
    await page.get_by_label("Programme").select_option(value="recovery-college")
    await page.get_by_label("Staff", exact=True).uncheck()
    await page.get_by_label("Student", exact=True).uncheck()
    assert await submit(page, "/courses", "Create the course") == 422
    assert await page.locator(".field-error", has_text="write a title of 1 to 200").count() == 2
    await assert_accessible(page, context="the refused course form")
    await page.get_by_label("Title (Danish)").fill("Håb og recovery")
    await page.get_by_label("Title (English)").fill("Hope and recovery")
    await page.get_by_label("Sessions to attend to complete").fill("1")
    assert await submit(page, "/courses", "Create the course") == 200
    await page.get_by_text("The course has been created.").wait_for()
    await assert_accessible(page, context="a course")
    course_action = urlparse(page.url).path
    edit = page.locator("#edit-course")
    await edit.get_by_label("Title (Danish)").fill("")
    assert await submit(page, course_action, "Save the changes") == 422
    await page.locator(".field-error", has_text="write a title of 1 to 200").wait_for()
    await edit.get_by_label("Title (Danish)").fill("Håb og bedring")
    assert await submit(page, course_action, "Save the changes") == 200
    await page.get_by_text("The course has been changed.").wait_for()
    assert await page.get_by_role("heading", level=1).inner_text() == "Hope and recovery"

    await page.get_by_label("Place").fill("Recovery-skolen, Aarhus")
    await page.get_by_label("Seats").fill("2")
    await page.get_by_label("Sessions, one a line").fill("tomorrow at ten")
    assert await submit(page, "/terms", "Create the term") == 422
    await page.locator(".field-error", has_text="write one session a line").wait_for()
    await page.locator(".field-error", has_text="choose one to ten teaching peers").wait_for()
    await page.get_by_label("Sessions, one a line").fill(session_lines())
    await page.get_by_label("Test peer 1", exact=True).check()
    assert await submit(page, "/terms", "Create the term") == 200
    await page.get_by_text("The term has been created.").wait_for()
    await assert_accessible(page, context="a planned term")
    assert await submit(page, "/open", "Open the term for enrolment") == 200
    await page.get_by_text("The term is open for enrolment.").wait_for()
    public_link = await page.locator("#public-link").get_attribute("href")
    assert public_link is not None
    term_id = public_link.rsplit("/", 1)[1]

    async def running() -> bool:
        handle = own_env.client.get_workflow_handle(term_workflow_id(term_id))
        with contextlib.suppress(RPCError):
            return (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        return False

    await eventually(running, timeout=60)

    # A relative enrols through the public page; refused first: no consent, no contact.
    public = await public_page(browser, web_url)
    await public.goto(f"/enrol/{term_id}?lang=en")
    await public.get_by_text("Seats left: 2").wait_for()
    await assert_accessible(public, context="the public enrolment page")
    await public.get_by_label("Name").fill("Ida Pårørende")
    await public.get_by_label("Relative").check()
    assert await submit(public, f"/enrol/{term_id}", "Enrol me") == 422
    await public.locator(".field-error", has_text="tick the box to give your consent").wait_for()
    await public.locator(
        ".field-error", has_text="an e-mail address or a phone number is needed"
    ).wait_for()
    await assert_accessible(public, context="the refused public enrolment")
    await public.get_by_label("E-mail").fill("ida@example.dk")
    await public.get_by_label("I consent to what is written above").check()
    assert await submit(public, f"/enrol/{term_id}", "Enrol me") == 200
    await public.get_by_text("You have a seat.").wait_for()

    # Ward staff enrol a citizen from their episode.
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)
    await ward.goto(f"/ward/episodes/{episode_id}?lang=en")
    await ward.get_by_role("link", name="Enrol the citizen in a course").click()
    await ward.wait_for_load_state()
    await assert_accessible(ward, context="enrolment by staff")
    assert await ward.get_by_label("Episode number").input_value() == episode_id
    await ward.get_by_label("Term", exact=True).select_option(value=term_id)
    await ward.get_by_label("Name").fill("Bo Borger")
    await ward.get_by_label("Phone").fill("20304050")
    await ward.get_by_label("Citizen", exact=True).check()
    assert await submit(ward, "/courses/enrol", "Enrol") == 422
    await ward.locator(".field-error", has_text="tick the box to give your consent").wait_for()
    await ward.get_by_label("The person has consented").check()
    assert await submit(ward, "/courses/enrol", "Enrol") == 200
    await ward.get_by_text("The person has a seat.").wait_for()

    # The term is full: the next one, on the Danish page, joins the waiting list.
    await public.goto(f"/enrol/{term_id}?lang=da")
    await public.get_by_text("Holdet er fuldt.").wait_for()
    await assert_accessible(public, context="the public enrolment page in Danish")
    await public.get_by_label("Navn").fill("Sofie Studerende")
    await public.get_by_label("Telefon").fill("+45 11 22 33 44")
    await public.get_by_label("Pårørende").check()
    await public.get_by_label("Jeg giver samtykke til det, der står ovenfor").check()
    assert await submit(public, f"/enrol/{term_id}", "Tilmeld mig") == 200
    await public.get_by_text("Du er nummer 1 på ventelisten.").wait_for()

    # The coordinator sees the seats, who is enrolled and the waiting list in order.
    await page.goto(f"/courses/terms/{term_id}?lang=en")
    assert await page.locator("#term-seats").inner_text() == "2 of 2"
    enrolled = page.locator("#enrolled")
    await enrolled.get_by_text("Ida Pårørende").wait_for()
    await enrolled.get_by_text("Bo Borger").wait_for()
    await page.locator("#waiting").get_by_text("Sofie Studerende").wait_for()
    await assert_accessible(page, context="an open term")
    next_week = page.locator("#sessions tbody tr").nth(1)
    async with page.expect_navigation():
        await next_week.get_by_role("button", name="Cancel").click()
    await page.get_by_text("The session has been cancelled").wait_for()
    assert "Cancelled" in await page.locator("#sessions tbody tr").nth(1).inner_text()
    async with db_pool.acquire() as conn:
        people = await courses.participants(conn, await courses.enrolled(conn, term_id))
    citizen = next(p for p in people.values() if p.kind == "citizen")
    assert citizen.episode_id == episode_id

    # The teaching peer records who came yesterday (refused first: nobody marked).
    teacher = await open_as(roster.peers[1])
    await teacher.goto("/courses/teaching?lang=en")
    await assert_accessible(teacher, context="the teaching peer's terms")
    await teacher.get_by_role("link", name="Record attendance").click()
    await teacher.wait_for_load_state()
    await assert_accessible(teacher, context="the attendance form")
    action = urlparse(teacher.url).path
    assert action.startswith("/courses/teaching/sessions/")
    assert await submit(teacher, action, "Save the attendance") == 422
    await teacher.locator(".field-error", has_text="say for every participant").wait_for()
    await teacher.get_by_role("group", name="Ida Pårørende").get_by_label("Came").check()
    await teacher.get_by_role("group", name="Bo Borger").get_by_label("Did not come").check()
    assert await submit(teacher, action, "Save the attendance") == 200
    await teacher.get_by_text("The attendance has been saved.").wait_for()
    async with db_pool.acquire() as conn:
        first = (await courses.sessions(conn, term_id))[0]
        came = await courses.attendance(conn, first.session_id)
    assert sorted(came.values()) == [False, True]
    assert came[citizen.participant_id] is False


async def test_a_coordinator_cancels_a_term_and_a_second_cancel_is_refused(
    open_as: OpenAs, db_pool: DatabasePool, ended_after: list[str]
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ended_after.append(roster.organisation_id)
    page = await open_as(roster.coordinator)
    await page.goto("/courses?lang=en")
    await page.get_by_label("Programme").select_option(value="ark-course")
    await page.get_by_label("Title (Danish)").fill("ARK")
    await page.get_by_label("Title (English)").fill("ARK")
    assert await submit(page, "/courses", "Create the course") == 200
    await page.get_by_label("Place").fill("Biblioteket")
    await page.get_by_label("Sessions, one a line").fill(session_lines())
    await page.get_by_label("Test peer 0", exact=True).check()
    assert await submit(page, "/terms", "Create the term") == 200
    stale = await open_as(roster.coordinator)
    await stale.goto(page.url)
    assert await submit(page, "/cancel", "Cancel the term") == 200
    await page.get_by_text("The term has been cancelled.").wait_for()
    assert await page.locator("#term-status").inner_text() == "Cancelled"
    assert await submit(stale, "/cancel", "Cancel the term") == 409
    await stale.get_by_text("the term is over or cancelled already").first.wait_for()
    await assert_accessible(stale, context="a refused cancellation")
