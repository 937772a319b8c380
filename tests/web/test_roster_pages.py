"""The coordinator keeps the roster in the browser: adds a peer, edits their capacity, records
an absence and a training and sees the standing per programme change (trained until, lapsing,
absent, offered or not); every roster form refuses bad input next to the field and changes
nothing; a peer still carrying an episode is deactivated only after it is handed over."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.async_api import Page

from command.synthetic.roster import Roster
from db.pool import DatabasePool
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, screenshot, web_roster
from tests.web.steps import submit
from tests.web.test_coordinator_pages import REASON, matched, send_hand_over

pytestmark = pytest.mark.browser

NEW_PEER = "Stine Frivillig"


async def roster_actions(pool: DatabasePool, peer_id: str) -> list[str]:
    """The audit lines of the roster's changes to the peer, oldest first."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT action FROM audit_log WHERE action LIKE 'roster.%'"
            " AND detail ->> 'peer_id' = $1 ORDER BY audit_no",
            peer_id,
        )
    return [r["action"] for r in rows]


async def peer_row(pool: DatabasePool, peer_id: str) -> dict[str, object]:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT p.capacity, p.programmes, p.municipalities, p.languages, p.employment,"
            " p.available, u.display_name, u.email, u.active, u.role FROM peers p"
            " JOIN users u ON u.user_id = p.peer_id WHERE p.peer_id = $1",
            peer_id,
        )
    assert row is not None
    return dict(row)


def peer_page_id(page: Page) -> str:
    found = re.search(r"/coordinator/roster/peers/([^/?#]+)", page.url)
    assert found is not None, page.url
    return found[1]


async def add_peer(page: Page, roster: Roster) -> str:
    """The add form on the roster page, filled as a coordinator would; the new peer's id."""
    await page.goto("/coordinator/roster")
    await page.get_by_label("Name", exact=True).fill(NEW_PEER)
    await page.get_by_label("E-mail", exact=True).fill("stine@example.org")
    await page.get_by_label("Employment form").select_option("volunteer")
    await page.get_by_label("Capacity (episodes at a time, 0-50)").fill("2")
    await page.get_by_label("Peer guide (SIND)", exact=True).check()
    await page.get_by_label("Municipalities", exact=True).select_option(roster.municipality_code)
    await page.get_by_label("Languages (ISO 639-1 codes)").fill("da, ar")
    assert await submit(page, "/coordinator/roster/peers", "Add the peer guide") == 200
    await page.get_by_text("The peer guide has been added.").wait_for()
    return peer_page_id(page)


async def standing(page: Page, programme: str) -> list[str]:
    """The standing row of a programme: may carry, trained until, absent, offered now."""
    cells = page.locator(f"#standing-{programme} td")
    return [t.strip() for t in await cells.all_inner_texts()]


async def test_the_coordinator_adds_a_peer_and_keeps_their_capacity_absence_and_training(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    page = await open_as(roster.coordinator)
    await page.get_by_role("link", name="Peer roster").first.click()
    listed = await page.locator(f"#peer-{roster.peers[0]}").inner_text()
    assert "Test peer 0" in listed and "Volunteer" in listed
    assert "Peer guide (SIND): trained until" in listed
    await assert_accessible(page, context="the roster")

    peer_id = await add_peer(page, roster)
    assert await page.get_by_role("heading", level=1).inner_text() == NEW_PEER
    assert await peer_row(db_pool, peer_id) == {
        "capacity": 2,
        "programmes": ["peer-guide-sind"],
        "municipalities": [roster.municipality_code],
        "languages": ["da", "ar"],
        "employment": "volunteer",
        "available": True,
        "display_name": NEW_PEER,
        "email": "stine@example.org",
        "active": True,
        "role": "peer",
    }
    assert await standing(page, "peer-guide-sind") == ["Yes", "not trained", "No", "No"]

    # Training a little under the refresher period ago: valid, lapsing soon, offered.
    today = date.today()
    completed = today.replace(year=today.year - 2) + timedelta(days=10)
    await page.get_by_label("Course", exact=True).select_option("peer-guide")
    await page.get_by_label("Completed on").fill(completed.isoformat())
    await page.get_by_label("Trained by (trainer or institution)").fill("SIND Peer-uddannelse")
    assert await submit(page, "/trainings", "Record training") == 200
    await page.get_by_text("The training has been recorded.").wait_for()
    training = await page.locator("#training table").inner_text()
    assert "Peer guide training (SIND)" in training and completed.isoformat() in training
    may, until, absent, offered = await standing(page, "peer-guide-sind")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \(lapses in \d+ days\)", until), until
    assert (may, absent, offered) == ("Yes", "No", "Yes")

    # Capacity below the load is allowed; here simply raised.
    capacity = page.get_by_label("Capacity (episodes at a time, 0-50)")
    await capacity.fill("4")
    assert await submit(page, f"/coordinator/roster/peers/{peer_id}", "Save the changes") == 200
    await page.get_by_text("The changes have been saved.").wait_for()
    assert "0 / 4" in await page.locator("dl.facts").inner_text()

    # Away from today for a week: not offered; a later absence is removed again.
    await page.get_by_label("First day").fill(today.isoformat())
    await page.get_by_label("Last day").fill((today + timedelta(days=7)).isoformat())
    await page.get_by_label("Kind", exact=True).select_option("holiday")
    assert await submit(page, "/absences", "Record an absence") == 200
    await page.get_by_text("The absence has been recorded.").wait_for()
    assert (await standing(page, "peer-guide-sind"))[2:] == ["Yes", "No"]
    await page.get_by_label("First day").fill((today + timedelta(days=30)).isoformat())
    await page.get_by_label("Last day").fill((today + timedelta(days=40)).isoformat())
    assert await submit(page, "/absences", "Record an absence") == 200
    later = (today + timedelta(days=30)).isoformat()
    remove = page.get_by_role("button", name=re.compile(f"Remove the absence {later}"))
    async with page.expect_navigation():
        await remove.click()
    await page.get_by_text("The absence has been removed.").wait_for()
    assert later not in await page.locator("#absence").inner_text()
    assert "under way" in await page.locator("#absence table").inner_text()
    await assert_accessible(page, context="a peer on the roster")
    await screenshot(page, "roster-peer")

    await page.goto("/coordinator/roster")
    row = await page.locator(f"#peer-{peer_id}").inner_text()
    assert "0 / 4" in row and "absent" in row and "Away" in row, row
    assert "da, ar" in row
    await page.goto("/coordinator/roster?programme=ark-course&lang=da")
    assert await page.locator(f"#peer-{peer_id}").count() == 0, "serves no ARK course"
    assert (
        "Peer-guide (SIND): uddannet til"
        in await page.locator(f"#peer-{roster.peers[0]}").inner_text()
    )
    await assert_accessible(page, context="the roster in Danish")

    assert await roster_actions(db_pool, peer_id) == [
        "roster.peer_added",
        "roster.training_recorded",
        "roster.peer_changed",
        "roster.absence_added",
        "roster.absence_added",
        "roster.absence_removed",
    ]


async def test_each_roster_form_refuses_bad_input_next_to_the_field_and_changes_nothing(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    peer_id = roster.peers[0]
    before = await peer_row(db_pool, peer_id)
    page = await open_as(roster.coordinator)

    # Add: a negative capacity; what was typed stays.
    await page.goto("/coordinator/roster")
    await page.get_by_label("Name", exact=True).fill(NEW_PEER)
    await page.get_by_label("E-mail", exact=True).fill("stine@example.org")
    await page.get_by_label("Capacity (episodes at a time, 0-50)").fill("-1")
    assert await submit(page, "/coordinator/roster/peers", "Add the peer guide") == 422
    await page.get_by_role("alert").wait_for()
    assert (
        "Input should be greater than or equal to 0"
        in await page.locator("#err-add-capacity").inner_text()
    )
    assert await page.get_by_label("Name", exact=True).input_value() == NEW_PEER
    capacity = page.get_by_label("Capacity (episodes at a time, 0-50)")
    assert await capacity.get_attribute("aria-invalid") == "true"
    await assert_accessible(page, context="a refused new peer")
    async with db_pool.acquire() as conn:
        assert not await conn.fetchval(
            "SELECT count(*) FROM users WHERE display_name = $1 AND organisation_id = $2",
            NEW_PEER,
            roster.organisation_id,
        )

    # Edit: an e-mail address that is none.
    await page.goto(f"/coordinator/roster/peers/{peer_id}")
    await page.get_by_label("E-mail", exact=True).fill("not an address")
    assert await submit(page, f"/coordinator/roster/peers/{peer_id}", "Save the changes") == 422
    assert "write an e-mail address" in await page.locator("#err-edit-email").inner_text()
    assert await page.get_by_label("E-mail", exact=True).input_value() == "not an address"

    # Absence: ends before it starts (in Danish, too).
    today = date.today()
    for lang, said in (
        ("en", "the absence ends before it starts"),
        ("da", "fraværet slutter, før det begynder"),
    ):
        await page.goto(f"/coordinator/roster/peers/{peer_id}?lang={lang}")
        await page.locator("#absence-starts_on").fill((today + timedelta(days=5)).isoformat())
        await page.locator("#absence-ends_on").fill((today + timedelta(days=2)).isoformat())
        async with page.expect_navigation() as sent:
            await page.locator("form[action$='/absences'] button").click()
        response = await sent.value
        assert response is not None and response.status == 422
        assert said in await page.locator("#err-absence-ends_on").inner_text()
        await assert_accessible(page, context=f"a refused absence in {lang}")
    await page.goto(f"/coordinator/roster/peers/{peer_id}?lang=en")

    # Training: completed in the future.
    await page.get_by_label("Course", exact=True).select_option("peer-basic")
    await page.get_by_label("Completed on").fill((today + timedelta(days=3)).isoformat())
    await page.get_by_label("Trained by (trainer or institution)").fill("Region H")
    assert await submit(page, "/trainings", "Record training") == 422
    error = await page.locator("#err-training-completed_on").inner_text()
    assert "a course cannot be completed in the future" in error
    assert await page.get_by_label("Trained by (trainer or institution)").input_value() == (
        "Region H"
    )
    await assert_accessible(page, context="a refused training record")

    assert await peer_row(db_pool, peer_id) == before
    assert await roster_actions(db_pool, peer_id) == []
    async with db_pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM peer_absences WHERE peer_id = $1", peer_id)
            == 0
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM peer_trainings"
                " WHERE peer_id = $1 AND trained_by = 'Region H'",
                peer_id,
            )
            == 0
        )


async def test_a_peer_with_an_open_episode_is_deactivated_only_after_the_hand_over(
    open_as: OpenAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=2, capacity=2)
    episode_id = await matched(open_as, db_pool, roster)
    leaving, staying = roster.peers
    page = await open_as(roster.coordinator)

    await page.goto(f"/coordinator/roster/peers/{leaving}")
    assert await submit(page, "/deactivate", "Deactivate the peer guide") == 409
    alert = await page.get_by_role("alert").inner_text()
    assert "the peer still carries open episodes; hand them over first" in alert
    carrying = page.locator(f"#carrying-{episode_id}")
    assert "Peer guide (SIND)" in await carrying.inner_text()
    await assert_accessible(page, context="a refused deactivation")
    assert (await peer_row(db_pool, leaving))["active"] is True

    # The link leads to the episode's hand-over card.
    await carrying.get_by_role("link", name="Hand over").click()
    card = page.locator(f"#hand-{episode_id}")
    await card.get_by_label("Hand over to").select_option(staying)
    await card.get_by_label("Reason (3-500 characters)").fill(REASON)
    assert await send_hand_over(page, episode_id) == 200

    async def handed() -> bool:
        async with db_pool.acquire() as conn:
            peer = await conn.fetchval(
                "SELECT peer_id FROM episodes WHERE episode_id = $1", episode_id
            )
        return bool(peer == staying)

    await eventually(handed)
    await page.goto(f"/coordinator/roster/peers/{leaving}")
    assert await submit(page, "/deactivate", "Deactivate the peer guide") == 200
    await page.get_by_text("The peer guide has been deactivated.").wait_for()
    assert (await peer_row(db_pool, leaving))["active"] is False

    await page.goto("/coordinator/roster")
    assert await page.locator(f"#peer-{leaving}").count() == 0
    await page.goto("/coordinator/roster?show=deactivated")
    assert "deactivated" in await page.locator(f"#peer-{leaving}").inner_text()

    await page.goto(f"/coordinator/roster/peers/{leaving}")
    assert await submit(page, "/reactivate", "Reactivate the peer guide") == 200
    await page.get_by_text("The peer guide is active again.").wait_for()
    assert (await peer_row(db_pool, leaving))["active"] is True
    assert await roster_actions(db_pool, leaving) == [
        "roster.peer_deactivated",
        "roster.peer_reactivated",
    ]
