"""Peer groups in the browser: the coordinator creates a group (its workflow starts and plans
the first session), changes it and deactivates it; a peer adds a citizen whose episode they
follow and removes them again; the facilitating peer records who came to a past session; every
group form refuses bad input next to the field and changes nothing; axe on each page."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from command.synthetic.roster import Roster
from db import peer_groups as groups
from db.pool import DatabasePool
from db.supervision import Actor
from schemas.consent import ConsentScope
from schemas.peer_groups import PeerGroup, peer_group_workflow_id
from schemas.roster import SupervisionSchedule
from tests.builders import peer_group
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, web_roster
from tests.web.long_running import end_running
from tests.web.steps import submit

pytestmark = pytest.mark.browser

SCHEDULE = SupervisionSchedule(weekday=4, time=time(10, 0), every_weeks=1, duration_minutes=120)


@pytest.fixture
async def ended_after(
    time_skipping_env: WorkflowEnvironment, db_pool: DatabasePool
) -> AsyncIterator[list[str]]:
    """Organisations whose group workflows are terminated after the test (the shared server
    would wake them whenever a later test skips time)."""
    organisations: list[str] = []
    yield organisations
    async with db_pool.acquire() as conn:
        made = [row for o in organisations for row in await groups.organisation_groups(conn, o)]
    await end_running(
        time_skipping_env.client, [peer_group_workflow_id(row.group_id) for row in made]
    )


async def only_group(pool: DatabasePool, organisation_id: str) -> PeerGroup:
    async with pool.acquire() as conn:
        made = await groups.organisation_groups(conn, organisation_id)
    assert len(made) == 1, made
    return made[0]


async def planned_sessions(pool: DatabasePool, group_id: str) -> list[object]:
    # Any date: the shared time-skipping server's clock has moved on by however much earlier
    # tests skipped, and the group's workflow plans from that clock.
    async with pool.acquire() as conn:
        rows = await groups.sessions_of(
            conn, group_id, datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
        )
    return [r["starts_at"] for r in rows if r["status"] == "planned"]


async def an_episode(
    pool: DatabasePool, roster: Roster, peer_id: str, consents: tuple[str, ...] = ()
) -> str:
    """An episode in follow-up assigned to the peer (its read-model row)."""
    episode_id = f"ep-{uuid.uuid4().hex[:12]}"
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO episodes (episode_id, citizen_id, programme, phase, peer_id,"
            " municipality_code, ward_id, organisation_id, risk_elevated, consents, referred_at,"
            " commit_seq) VALUES ($1, $2, 'municipal-peer-support', 'follow_up', $3, $4, $5,"
            " $6, false, $7, now(), 1)",
            episode_id,
            f"cit-{uuid.uuid4().hex[:10]}",
            peer_id,
            roster.municipality_code,
            roster.ward_id,
            roster.organisation_id,
            list(consents),
        )
    return episode_id


async def test_the_coordinator_creates_changes_and_deactivates_a_group(
    open_as: OpenAs,
    db_pool: DatabasePool,
    time_skipping_env: WorkflowEnvironment,
    ended_after: list[str],
) -> None:
    roster = await web_roster(db_pool, peers=2)
    ended_after.append(roster.organisation_id)
    page = await open_as(roster.coordinator)
    await page.get_by_role("link", name="Groups", exact=True).first.click()
    await page.get_by_text("Your organisation has no groups yet.").wait_for()
    await assert_accessible(page, context="the groups page")

    # Refused: the facilitator, the time and the seats, each next to its field.
    await page.get_by_label("Group name").fill("Torsdagsgruppen")
    await page.get_by_label("Time (HH:MM)").fill("25:99")
    await page.get_by_label("Seats (1-100)").fill("0")
    assert await submit(page, "/groups/new", "Create the group") == 422
    for reason in (
        "choose the facilitating peer from the list",
        "write the time as hours and minutes, such as 14:00",
        "write a whole number of seats from 1 to 100",
    ):
        assert await page.locator(".field-error", has_text=reason).count() == 1, reason
    assert await page.get_by_label("Group name").input_value() == "Torsdagsgruppen"
    await assert_accessible(page, context="the refused group form")
    async with db_pool.acquire() as conn:
        assert await groups.organisation_groups(conn, roster.organisation_id) == []

    await page.get_by_label("Facilitating peer").select_option(label="Test peer 0")
    await page.get_by_label("Time (HH:MM)").fill("10:00")
    await page.get_by_label("Seats (1-100)").fill("8")
    await page.get_by_label("Place").fill("Biblioteket, lokale 2")
    assert await submit(page, "/groups/new", "Create the group") == 200
    await page.get_by_text("The group has been created.").wait_for()
    assert await page.get_by_role("heading", level=1).inner_text() == "Torsdagsgruppen"
    group = await only_group(db_pool, roster.organisation_id)
    assert group.facilitator_id == roster.peers[0] and group.schedule == SCHEDULE
    assert group.programme == "municipal-peer-support" and group.absent_in_a_row == 3

    async def first_session_planned() -> bool:
        return len(await planned_sessions(db_pool, group.group_id)) == 1

    await eventually(first_session_planned, timeout=60)
    await assert_accessible(page, context="a group")

    # Refused edit: seats that are no number; nothing changes.
    await page.get_by_label("Seats (1-100)").fill("otte")
    assert await submit(page, f"/groups/{group.group_id}", "Save the changes") == 422
    await page.locator(".field-error", has_text="write a whole number of seats").wait_for()
    assert (await only_group(db_pool, roster.organisation_id)).seats == 8
    await page.get_by_label("Seats (1-100)").fill("10")
    assert await submit(page, f"/groups/{group.group_id}", "Save the changes") == 200
    await page.get_by_text("The changes have been saved.").wait_for()
    assert (await only_group(db_pool, roster.organisation_id)).seats == 10

    # Deactivated in one tab; the second tab's deactivation is refused.
    other = await page.context.new_page()
    await other.goto(page.url)
    assert await submit(page, "/deactivate", "Deactivate the group") == 200
    await page.get_by_text("The group has been deactivated.").wait_for()
    handle = time_skipping_env.client.get_workflow_handle(peer_group_workflow_id(group.group_id))

    async def ended() -> bool:
        return (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED

    await eventually(ended, timeout=60)
    assert await planned_sessions(db_pool, group.group_id) == []
    assert await submit(other, "/deactivate", "Deactivate the group") == 409
    await other.locator(".field-error", has_text="the group is deactivated").wait_for()
    await assert_accessible(other, context="a refused deactivation")


async def _group_with_a_past_session(pool: DatabasePool, roster: Roster) -> tuple[str, str]:
    """A group facilitated by the roster's first peer, with a session yesterday."""
    async with pool.acquire() as conn:
        group = await peer_group(
            conn,
            roster.organisation_id,
            roster.peers[0],
            schedule=SCHEDULE,
            seats=1,
            name="Onsdagsgruppen",
            municipality_code=roster.municipality_code,
        )
        yesterday = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        session_id = await groups.plan_session(conn, group.group_id, yesterday)
    return group.group_id, session_id


async def test_a_peer_adds_a_citizen_and_the_facilitator_records_who_came(
    open_as: OpenAs, db_pool: DatabasePool, ended_after: list[str]
) -> None:
    roster = await web_roster(db_pool, peers=3)
    ended_after.append(roster.organisation_id)  # the page starts the group's workflow
    group_id, session_id = await _group_with_a_past_session(db_pool, roster)
    followed = await an_episode(db_pool, roster, roster.peers[1])
    someone_elses = await an_episode(db_pool, roster, roster.peers[2])

    peer = await open_as(roster.peers[1])
    await peer.get_by_role("link", name="Groups", exact=True).first.click()
    await assert_accessible(peer, context="the groups page of a peer")
    # Refused: an episode the peer does not follow; nobody joins.
    await peer.get_by_label("Group", exact=True).select_option(
        label="Onsdagsgruppen (0 of 1 seats)"
    )
    await peer.get_by_label("Episode number").fill(someone_elses)
    assert await submit(peer, "/groups/join", "Add the citizen") == 422
    await peer.locator(
        ".field-error", has_text="write the number of an episode you may see"
    ).wait_for()
    assert await peer.get_by_label("Episode number").input_value() == someone_elses
    await assert_accessible(peer, context="the refused join form")
    async with db_pool.acquire() as conn:
        assert await groups.members(conn, group_id) == []

    await peer.get_by_label("Episode number").fill(followed)
    assert await submit(peer, "/groups/join", "Add the citizen") == 200
    await peer.get_by_text("The citizen has been added.").wait_for()
    async with db_pool.acquire() as conn:
        assert [m.episode_id for m in await groups.members(conn, group_id)] == [followed]

    # The one seat is taken.
    others = await open_as(roster.peers[2])
    await others.goto("/groups")
    await others.get_by_label("Group", exact=True).select_option(value=group_id)
    await others.get_by_label("Episode number").fill(someone_elses)
    assert await submit(others, "/groups/join", "Add the citizen") == 409
    await others.locator(".field-error", has_text="the group has no free seat").wait_for()

    facilitator = await open_as(roster.peers[0])
    await facilitator.goto("/groups")
    await assert_accessible(facilitator, context="the facilitator's groups")
    await facilitator.get_by_role("link", name="Record attendance").click()
    await assert_accessible(facilitator, context="the group attendance form")
    # Refused: the member not marked; nothing is stored.
    assert await submit(facilitator, f"/groups/sessions/{session_id}", "Save the attendance") == 422
    await facilitator.locator(
        ".field-error", has_text="say for every member whether they came"
    ).wait_for()
    await assert_accessible(facilitator, context="the refused attendance form")
    async with db_pool.acquire() as conn:
        assert await groups.attendance(conn, session_id) == {}

    await (
        facilitator.get_by_role("group", name=f"Episode {followed}")
        .get_by_label("Did not come")
        .check()
    )
    assert await submit(facilitator, f"/groups/sessions/{session_id}", "Save the attendance") == 200
    await facilitator.get_by_text("The attendance has been saved.").wait_for()
    async with db_pool.acquire() as conn:
        (member,) = await groups.members(conn, group_id)
        assert await groups.attendance(conn, session_id) == {member.member_id: False}
        held = await groups.session(conn, session_id)
    assert held is not None and held["status"] == "held"

    # The peer who added the citizen removes them again.
    await peer.goto("/groups")
    assert await submit(peer, f"/members/{member.member_id}/leave", "Remove from the group") == 200
    await peer.get_by_text("The citizen has been removed from the group.").wait_for()
    async with db_pool.acquire() as conn:
        assert await groups.members(conn, group_id) == []

    # The facilitator adds a relative without an account; refused first: their e-mail, and
    # their consent not ticked.
    await facilitator.goto(f"/groups/{group_id}")
    await facilitator.get_by_label("Name", exact=True).fill("Else Pårørende")
    await facilitator.get_by_label("The person is").select_option(label="Relative")
    await facilitator.get_by_label("E-mail").fill("else-at-example")
    action = f"/groups/{group_id}/participants"
    assert await submit(facilitator, action, "Add the person") == 422
    for reason in (
        "write an e-mail address such as navn@example.dk",
        "tick the box when the person agrees",
    ):
        assert await facilitator.locator(".field-error", has_text=reason).count() == 1, reason
    assert await facilitator.get_by_label("Name", exact=True).input_value() == "Else Pårørende"
    await assert_accessible(facilitator, context="the refused participant form")
    async with db_pool.acquire() as conn:
        assert await groups.members(conn, group_id) == []
    await facilitator.get_by_label("E-mail").fill("else@example.dk")
    await facilitator.get_by_label("The person agrees").check()
    assert await submit(facilitator, action, "Add the person") == 200
    await facilitator.get_by_text("The person has been added.").wait_for()
    await facilitator.locator("#members", has_text="Else Pårørende").wait_for()
    await assert_accessible(facilitator, context="a group with someone without an account")
    async with db_pool.acquire() as conn:
        (relative,) = await groups.members(conn, group_id)
    assert relative.participant_id is not None and relative.episode_id is None
    # The same page in Danish.
    await facilitator.goto(f"/groups/{group_id}?lang=da")
    await facilitator.get_by_role("heading", name="Tilføj en person uden login").wait_for()
    await assert_accessible(facilitator, context="a group in Danish")


async def test_a_caseworker_adds_a_citizen_of_their_municipality_who_consented(
    open_as: OpenAs, db_pool: DatabasePool, ended_after: list[str]
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ended_after.append(roster.organisation_id)
    group_id, _ = await _group_with_a_past_session(db_pool, roster)
    shared = await an_episode(
        db_pool, roster, roster.peers[0], consents=(ConsentScope.SHARE_WITH_MUNICIPALITY.value,)
    )
    not_shared = await an_episode(db_pool, roster, roster.peers[0])
    page = await open_as(roster.caseworkers["social_services"])
    await page.get_by_role("link", name="Groups", exact=True).first.click()
    await assert_accessible(page, context="the groups page of a caseworker")
    await page.get_by_label("Group", exact=True).select_option(value=group_id)
    await page.get_by_label("Episode number").fill(not_shared)
    assert await submit(page, "/groups/join", "Add the citizen") == 422
    await page.locator(".field-error", has_text="an episode you may see").wait_for()
    await page.get_by_label("Episode number").fill(shared)
    assert await submit(page, "/groups/join", "Add the citizen") == 200
    await page.get_by_text("The citizen has been added.").wait_for()
    await page.locator("#join", has_text=shared).wait_for()
    async with db_pool.acquire() as conn:
        assert [m.episode_id for m in await groups.members(conn, group_id)] == [shared]


async def test_nobody_else_opens_a_group_records_a_session_or_removes_a_member(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=2)
    group_id, session_id = await _group_with_a_past_session(db_pool, roster)
    followed = await an_episode(db_pool, roster, roster.peers[1])
    async with db_pool.acquire() as conn:
        member_id = await groups.add_member(
            conn,
            group_id,
            datetime.now(UTC).date(),
            Actor(role="peer", actor_id="p"),
            episode_id=followed,
        )
    stranger = await web_roster(db_pool, peers=1)
    page = await open_as(stranger.coordinator)
    for path in (f"/groups/{group_id}", f"/groups/sessions/{session_id}"):
        response = await page.goto(path)
        assert response is not None and response.status == 404, path
    # A peer who does not facilitate the group records nothing.
    member = await open_as(roster.peers[1])
    response = await member.goto(f"/groups/sessions/{session_id}")
    assert response is not None and response.status == 404
    # A stranger's peer removes nobody.
    outsider = await open_as(stranger.peers[0])
    await outsider.goto("/groups")
    csrf = await outsider.locator("input[name=csrf]").first.input_value()
    refused = await outsider.request.post(f"/groups/members/{member_id}/leave", form={"csrf": csrf})
    assert refused.status == 404
    async with db_pool.acquire() as conn:
        assert [m.member_id for m in await groups.members(conn, group_id)] == [member_id]
