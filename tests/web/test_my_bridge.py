"""My bridge, the citizen's own page, in the browser on a phone-sized screen: their plan and
the next step in words, how to reach their peer, what is shared with whom; a goal added
(refused first when empty) and reworded, which the peer then sees on their goals page; the
reminders turned off and a channel chosen, both stored; another citizen's plan never shown or
changed. Over HTTP: NUL and too long goals refused naming the field, and a citizen with an
earlier, ended plan sees the open one with the earlier one listed. axe on every state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page

from api.auth import CITIZEN_COOKIE
from command.synthetic.roster import Roster
from db import courses, peer_groups
from db.pool import DatabasePool
from schemas.courses import EnrolledBy, NewParticipant, ParticipantKind
from tests.api.bodies import event_body, new_cpr
from tests.builders import course_term, peer_group
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.citizen import citizen_session, refer_citizen, signed_in_citizen, unique_email
from tests.web.conftest import ApiAs, OpenAs, reload_until, screenshot, web_roster
from tests.web.steps import open_task_of, send_form

pytestmark = pytest.mark.browser

PEER_PHONE = "+45 70 11 22 33"


async def referred(
    api_as: ApiAs, pool: DatabasePool, roster: Roster, *, cpr: str | None = None, **payload: Any
) -> str:
    """An episode of a citizen with an e-mail address (a citizen of its own unless `cpr`),
    referred by the roster's ward nurse, once its read-model row is there."""
    contact = {"cpr": cpr or new_cpr(), "email": unique_email()}
    return await refer_citizen(await api_as(roster.ward_nurse), pool, roster, contact, **payload)


async def peer_takes(api_as: ApiAs, pool: DatabasePool, roster: Roster, episode_id: str) -> str:
    """The roster's first peer accepts the offer; returns the peer's id once assigned."""
    peer_id = roster.peers[0]
    offer = await open_task_of(pool, episode_id, "peer_offer")
    peer = await api_as(peer_id)
    answer = await peer.post(f"/api/tasks/{offer}/accept", json={})
    assert answer.status_code == 200, answer.text

    async def assigned() -> bool:
        async with pool.acquire() as conn:
            found = await conn.fetchval(
                "SELECT peer_id FROM episodes WHERE episode_id = $1", episode_id
            )
        return bool(found == peer_id)

    await eventually(assigned, timeout=20)
    return peer_id


async def on_a_course_and_in_a_group(pool: DatabasePool, roster: Roster, episode_id: str) -> None:
    """The episode's citizen holds a seat on a course term (sessions past, next and later;
    the term's place) and is a member of a peer group with a session planned: My bridge
    lists the next session of each. A cancelled seat on another term is not listed."""
    coordinator = courses.Actor(role="coordinator", actor_id=roster.coordinator)
    ward = EnrolledBy(role="ward", actor_id=roster.ward_nurse)
    starts = [datetime(2030, 1, day, 16, 0, tzinfo=UTC) for day in (7, 14)]
    async with pool.acquire() as conn:
        term_id = await course_term(
            conn,
            coordinator,
            roster.organisation_id,
            [datetime(2020, 1, 6, 16, 0, tzinfo=UTC), *starts],
            title=("Hope and everyday life", "Håb og hverdag"),
            place="Recovery House",
            opened=True,
        )
        left_id = await course_term(
            conn,
            coordinator,
            roster.organisation_id,
            starts,
            title=("Left", "Forladt"),
            opened=True,
        )
        participant = await courses.create_participant(
            conn,
            NewParticipant(
                display_name="Borger",
                email=unique_email(),
                kind=ParticipantKind.CITIZEN,
                episode_id=episode_id,
                consent_at=datetime.now(UTC),
            ),
        )
        await courses.enrol(conn, term_id, participant, ward)
        await courses.enrol(conn, left_id, participant, ward)
        await courses.cancel_enrolment(conn, left_id, participant, coordinator)
        group = await peer_group(conn, roster.organisation_id, roster.peers[0])
        await peer_groups.add_member(
            conn, group.group_id, date(2029, 12, 1), coordinator, episode_id=episode_id
        )
        await peer_groups.plan_session(
            conn, group.group_id, datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
        )


async def csrf_of(page: Page) -> str:
    token = await page.locator("input[name=csrf]").first.get_attribute("value")
    assert token
    return token


async def test_the_citizen_sees_their_plan_words_their_goals_and_turns_reminders_off(
    browser: Browser, web_url: str, api_as: ApiAs, open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    episode_id = await referred(api_as, db_pool, roster)
    peer_id = await peer_takes(api_as, db_pool, roster, episode_id)
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET display_name = 'Mette Peersen', phone = $2, email = $3"
            " WHERE user_id = $1",
            peer_id,
            PEER_PHONE,
            "mette@peer.example.org",
        )
    # Another citizen's plan, with a goal of its own: never on this citizen's page.
    other_id = await referred(
        api_as, db_pool, roster, goals=[{"area": "job", "text": "Andens mål"}]
    )

    await on_a_course_and_in_a_group(db_pool, roster, episode_id)

    page = await signed_in_citizen(browser, web_url, db_pool, episode_id)
    try:
        # The plan, the next step and the peer, in words.
        assert (await page.locator("#my-phase").inner_text()) == (
            "You have a peer guide. You will meet before you go home."
        )
        await page.get_by_text("You will meet your peer guide on the ward by").wait_for()
        await page.get_by_text("You take part in: Peer guide (SIND).").wait_for()
        peer = await page.locator("#my-peer").inner_text()
        assert "Your peer guide is Mette." in peer
        assert "Peersen" not in peer, "the peer's first name only"
        assert PEER_PHONE in peer and "mette@peer.example.org" in peer
        shared = await page.locator("#my-shared").inner_text()
        assert "Peer support. Your peer guide and the coordinator" in shared
        assert "The municipality. A caseworker in your municipality's social services" in shared
        assert "job centre" not in shared, "only the scopes given"
        sessions = await page.locator("#my-sessions li").all_inner_texts()
        assert sessions == [
            "The course “Hope and everyday life”: 7 Jan 2030 17:00\nPlace: Recovery House",
            "The group “Thursday group”: 10 Jan 2030 10:00\nPlace: Library, room 2",
        ]
        await page.get_by_text("No relatives have been added.").wait_for()
        goals = await page.locator("#my-goals").inner_text()
        assert "Spille fodbold igen" in goals
        main = await page.locator("main").inner_text()
        assert "Andens mål" not in main and other_id not in await page.content()
        await page.set_viewport_size({"width": 375, "height": 740})
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page is {width}px wide on a 375px phone"
        await assert_accessible(page, context="My bridge on a phone")

        # A goal: refused when empty, next to the field; then added.
        assert await send_form(page, "#form-goal-add", "Add the goal") == 422
        error = page.locator("#err-goal-add-text")
        assert (await error.inner_text()).strip() == "write your goal in a few words"
        field = page.get_by_label("My new goal")
        assert await field.get_attribute("aria-invalid") == "true"
        await assert_accessible(page, context="My bridge with an empty goal refused")
        await field.fill("Gå en tur hver dag")
        await page.get_by_label("What is the goal about?").select_option("network")
        assert await send_form(page, "#form-goal-add", "Add the goal") == 200
        await page.get_by_text(
            "Your goal has been added. Your peer guide can see it now."
        ).wait_for()
        added = page.locator("#my-goals li", has_text="Gå en tur hver dag")
        assert "About: Family, friends and community" in await added.inner_text()

        # Reworded.
        await added.get_by_text("Reword this goal").click()
        await page.get_by_label("New words for: Gå en tur hver dag").fill("Gå en tur hver morgen")
        goal_id = (await added.get_attribute("id") or "").removeprefix("goal-")
        assert await send_form(page, f"#form-change-{goal_id}", "Save the new words") == 200
        await page.get_by_text("Your goal has been reworded.").wait_for()
        assert "Gå en tur hver morgen" in await page.locator("#my-goals").inner_text()
        await assert_accessible(page, context="My bridge after a goal was reworded")

        # The episode took both as the citizen's own events.
        async with db_pool.acquire() as conn:
            actors = await conn.fetch(
                "SELECT event_type, body #>> '{actor,role}' AS role FROM events_received"
                " WHERE episode_id = $1 AND event_type IN ('goal_added', 'goal_changed')"
                " AND status = 'applied' ORDER BY received_at",
                episode_id,
            )
        assert [(r["event_type"], r["role"]) for r in actors] == [
            ("goal_added", "citizen"),
            ("goal_changed", "citizen"),
        ]

        # Reminders off, and text messages only: stored.
        await page.get_by_role("button", name="Turn reminders off").click()
        await page.get_by_text("You will get no more reminders.").wait_for()
        await page.get_by_text("You have turned reminders off.").wait_for()
        await page.get_by_label("Text message only").check()
        await page.get_by_role("button", name="Save my choice").click()
        await page.get_by_text("Your choice has been saved.").wait_for()
        assert await page.get_by_label("Text message only").is_checked()
        async with db_pool.acquire() as conn:
            prefs = await conn.fetchrow(
                "SELECT reminders_opted_out, preferred_channel FROM citizen_message_preferences"
                " WHERE citizen_id = (SELECT citizen_id FROM episodes WHERE episode_id = $1)",
                episode_id,
            )
        assert prefs is not None
        assert prefs["reminders_opted_out"] is True and prefs["preferred_channel"] == "sms"
        await assert_accessible(page, context="My bridge with reminders off")
        await screenshot(page, "my-bridge-phone")

        # In Danish too.
        await page.goto("/my/bridge?lang=da")
        await page.get_by_role("heading", name="Mine mål med mine egne ord").wait_for()
        assert "Din peer-medarbejder hedder Mette." in await page.locator("#my-peer").inner_text()
        assert (await page.locator("#my-sessions li").all_inner_texts())[0].startswith(
            "Kurset »Håb og hverdag«: 7. jan. 2030 kl. 17:00"
        )
        await assert_accessible(page, context="My bridge in Danish")

        # Another citizen's plan cannot be changed from here (as if it did not exist).
        forged = await page.request.post(
            f"/my/episodes/{other_id}/goals",
            form={
                "csrf": await csrf_of(page),
                "event_id": "web-forged-1",
                "area": "job",
                "text": "Ikke mit mål",
            },
        )
        assert forged.status == 404
    finally:
        await page.context.close()

    # The peer sees the reworded goal on their goals page at once.
    peer_page = await open_as(peer_id)
    await peer_page.goto(f"/episodes/{episode_id}?lang=en")
    await reload_until(peer_page, "#goals-title ~ table >> text=Gå en tur hver morgen")
    async with db_pool.acquire() as conn:
        texts = await conn.fetch("SELECT text FROM episode_goals WHERE episode_id = $1", other_id)
    assert [r["text"] for r in texts] == ["Andens mål"]


async def test_goal_text_with_nul_or_too_long_is_refused_naming_the_field_and_nothing_added(
    web_url: str, api_as: ApiAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    episode_id = await referred(api_as, db_pool, roster)
    cookie = await citizen_session(db_pool, episode_id)
    async with httpx.AsyncClient(base_url=web_url, cookies={CITIZEN_COOKIE: cookie}) as client:
        page = await client.get("/my/bridge?lang=en")
        assert page.status_code == 200
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        url = f"/my/episodes/{episode_id}/goals?lang=en"
        base = {"csrf": csrf, "area": "other"}
        nul = await client.post(url, data={**base, "event_id": "web-nul-1", "text": "a\x00b"})
        assert nul.status_code == 422 and "text" in nul.text
        long = await client.post(url, data={**base, "event_id": "web-long-1", "text": "x" * 501})
        assert long.status_code == 422
        assert "write at most 500 characters" in long.text
        bad_area = await client.post(
            url, data={**base, "event_id": "web-area-1", "area": "cpr", "text": "Mit mål"}
        )
        assert bad_area.status_code == 422 and "choose what the goal is about" in bad_area.text
        no_goal = await client.post(
            f"/my/episodes/{episode_id}/goals/g99/change?lang=en",
            data={**base, "event_id": "web-g99-1", "text": "Nyt"},
        )
        assert no_goal.status_code == 409 and "no such goal in this episode" in no_goal.text
        stale = await client.post(url, data={"area": "other", "text": "Mit mål", "event_id": "x"})
        assert stale.status_code == 403
    async with db_pool.acquire() as conn:
        texts = await conn.fetch("SELECT text FROM episode_goals WHERE episode_id = $1", episode_id)
    assert [r["text"] for r in texts] == ["Spille fodbold igen"]


async def test_a_citizen_with_an_earlier_plan_sees_the_open_one_and_the_earlier_listed(
    web_url: str, api_as: ApiAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    cpr = new_cpr()
    first = await referred(
        api_as, db_pool, roster, cpr=cpr, goals=[{"area": "job", "text": "Gammelt mål"}]
    )
    nurse = await api_as(roster.ward_nurse)
    cancelled = await nurse.post("/api/events", json=event_body(first, "referral_cancelled"))
    assert cancelled.status_code == 202, cancelled.text

    async def ended() -> bool:
        async with db_pool.acquire() as conn:
            phase = await conn.fetchval("SELECT phase FROM episodes WHERE episode_id = $1", first)
        return bool(phase == "cancelled")

    await eventually(ended, timeout=20)
    second = await referred(api_as, db_pool, roster, cpr=cpr)
    cookie = await citizen_session(db_pool, second)
    async with httpx.AsyncClient(base_url=web_url, cookies={CITIZEN_COOKIE: cookie}) as client:
        page = await client.get("/my/bridge?lang=en")
    assert page.status_code == 200
    assert "We are finding a peer guide for you." in page.text
    assert "Spille fodbold igen" in page.text, "the open plan's goals"
    assert "Gammelt mål" not in page.text, "the earlier plan is listed, not shown"
    older = page.text.split('id="my-older"', 1)[1]
    assert "Peer guide (SIND), from" in older
    assert f"/my/episodes/{first}/goals" not in page.text
