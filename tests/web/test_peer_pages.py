"""The peer guide's whole job in the browser, with the citizen's own goals at the centre: the
offer card (no name before accepting), the first meeting (hope, network, goals), goals added,
reworded and dropped, a follow-up reviewing each goal, a step, asking to close and the
outcome questionnaire; each form refused once, keeping what was typed and naming the field.

The follow-up needs a week to pass: this module has a time-skipping Temporal server, worker
and app of its own, so skipping time here moves no other module's clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.async_api import Page
from starlette.datastructures import FormData
from temporalio.testing import WorkflowEnvironment

from api.web.task_forms import outcome
from db.pool import DatabasePool
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, reload_until, web_roster
from tests.web.own_app import web_app, web_url
from tests.web.steps import (
    CITIZEN,
    open_task_of,
    refer,
    send_form,
    without_browser_checks,
)

pytestmark = pytest.mark.browser

# Fixtures: this module's own app on its own time-skipping server.
__all__ = ["web_app", "web_url"]


async def card(page: Page, task_id: str) -> None:
    """The peer's page, once it shows the task's card."""
    if not page.url.endswith("/peer"):
        await page.goto("/peer")
    await reload_until(page, f"li#task-{task_id}")


async def complete(page: Page, task_id: str) -> int:
    return await send_form(page, f"#task-{task_id} form", "Complete task")


async def field_error(page: Page, selector: str) -> str:
    return (await page.locator(selector).inner_text()).strip()


async def test_the_peer_carries_the_citizens_goals_from_offer_to_closing(
    open_as: OpenAs, db_pool: DatabasePool, own_env: WorkflowEnvironment
) -> None:
    roster = await web_roster(db_pool, peers=1)
    ward = await open_as(roster.ward_nurse)
    episode_id = await refer(ward, roster, db_pool)
    await reload_until(ward, f"#episode-{episode_id}")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    row = ward.locator(f"#episode-{episode_id}")
    await row.get_by_label("Planned discharge date").fill(tomorrow)
    await row.get_by_role("button", name="Plan discharge").click()
    await ward.get_by_text("Saved.").wait_for()
    async with db_pool.acquire() as conn:
        municipality = await conn.fetchval(
            "SELECT name FROM municipalities WHERE municipality_code = $1",
            roster.municipality_code,
        )

    # The offer: what matters for deciding, never who.
    peer = await open_as(roster.peers[0])
    offer = await open_task_of(db_pool, episode_id, "peer_offer")
    await card(peer, offer)
    facts = await peer.locator(f"#offer-facts-{offer}").inner_text()
    for shown in ("Peer guide (SIND)", municipality, "Danish", f"Planned for {tomorrow}"):
        assert shown in facts, shown
    assert f"Yes, on the ward before the discharge on {tomorrow}" in facts
    assert "peer-guide-sind" not in facts, "the programme by name, not code"
    inbox = await peer.locator("main").inner_text()
    assert CITIZEN not in inbox, "no name before the offer is accepted"
    await assert_accessible(peer, context="the peer's offer card")
    await peer.locator(f"#task-{offer}").get_by_role("button", name="Accept").click()
    await peer.get_by_text("Your decision has been recorded.").wait_for()

    # The first meeting: hope 11 is refused by name, and everything typed stays.
    meeting = await open_task_of(db_pool, episode_id, "first_meeting")
    await card(peer, meeting)
    first = peer.locator(f"#task-{meeting}")
    await first.get_by_label("Hope (1-10)").fill("11")
    await first.get_by_label("Network (number of people)").fill("4")
    await first.get_by_label("Area of goal 1").select_option("job")
    await first.get_by_label("Goal 1 in the citizen's words").fill("Finde et fritidsjob")
    await first.get_by_label("Area of goal 2").select_option("network")
    await first.get_by_label("Goal 2 in the citizen's words").fill("Løbe med en ven")
    await first.get_by_label("Note (optional)").fill("Godt første møde")
    await without_browser_checks(peer)
    assert await complete(peer, meeting) == 422
    first = peer.locator(f"#task-{meeting}")
    assert "less than or equal to 10" in await field_error(peer, f"#err-hope_score-{meeting}")
    assert await first.get_by_label("Hope (1-10)").get_attribute("aria-invalid") == "true"
    assert await first.get_by_label("Hope (1-10)").input_value() == "11"
    assert await first.get_by_label("Network (number of people)").input_value() == "4"
    assert await first.get_by_label("Area of goal 1").input_value() == "job"
    assert (
        await first.get_by_label("Goal 2 in the citizen's words").input_value() == "Løbe med en ven"
    )
    assert await first.get_by_label("Note (optional)").input_value() == "Godt første møde"
    await assert_accessible(peer, context="a refused first meeting")
    await first.get_by_label("Hope (1-10)").fill("6")
    assert await complete(peer, meeting) == 200
    await peer.get_by_text("Your decision has been recorded.").wait_for()

    # The goals on the episode page: the referral's two and the meeting's two.
    await peer.goto(f"/episodes/{episode_id}")
    await reload_until(peer, "#goals-title ~ table >> text=Løbe med en ven")
    goals = await peer.locator("#goals-title ~ table").inner_text()
    for text in ("Spille fodbold igen", "Hjælp til at finde en bolig", "Finde et fritidsjob"):
        assert text in goals, text
    own_notes = await peer.locator("#own-notes-title ~ ul").inner_text()
    assert "Godt første møde" in own_notes, "the peer's own decision note"

    # Add: an empty text is refused by name, the area chosen stays.
    await peer.get_by_label("Area of the new goal").select_option("education")
    await without_browser_checks(peer)
    assert await send_form(peer, "#form-goal-add", "Add a goal") == 422
    assert await peer.locator("#err-goal-add-text").count() == 1
    assert await peer.get_by_label("Area of the new goal").input_value() == "education"
    assert (
        await peer.get_by_label("The new goal in the citizen's words").get_attribute("aria-invalid")
        == "true"
    )
    await assert_accessible(peer, context="a refused new goal on the peer's episode page")
    await peer.get_by_label("The new goal in the citizen's words").fill("Tage et kursus")
    assert await send_form(peer, "#form-goal-add", "Add a goal") == 200
    await peer.get_by_text("The goal has been added.").wait_for()
    assert "Tage et kursus" in await peer.locator("#goals-title ~ table").inner_text()

    # Reword the first goal; drop the second with a reason.
    await peer.get_by_text("Change or drop: Spille fodbold igen").click()
    await peer.get_by_label("New wording: Spille fodbold igen").fill("Spille fodbold hver uge")
    assert await send_form(peer, "#form-change-g2", "Save the change") == 200
    await peer.get_by_text("The goal has been changed.").wait_for()
    await peer.get_by_text("Change or drop: Hjælp til at finde en bolig").click()
    await peer.get_by_label("Why (optional): Hjælp til at finde en bolig").fill("Har fået bolig")
    assert await send_form(peer, "#form-drop-g1", "Drop the goal") == 200
    await peer.get_by_text("The goal has been dropped.").wait_for()
    table = peer.locator("#goals-title ~ table")
    assert "Spille fodbold hver uge" in await table.inner_text()
    assert "Dropped" in await table.locator("#goal-g1").inner_text()
    await peer.goto(f"/episodes/{episode_id}?lang=da")
    danish = await peer.locator("#peer-title ~ *").all_inner_texts()
    for words in ("Borgerens mål", "Droppet", "Meld et skridt", "Bed om at afslutte forløbet"):
        assert any(words in part for part in danish), words
    await peer.goto(f"/episodes/{episode_id}?lang=en")

    # Discharged; the first contact; a week on, the first follow-up.
    await ward.reload()
    await (
        ward.locator(f"#episode-{episode_id}")
        .get_by_role("button", name="Confirm discharge now")
        .click()
    )
    await ward.get_by_text("Saved.").wait_for()
    contact = await open_task_of(db_pool, episode_id, "first_contact")
    await card(peer, contact)
    first_contact = peer.locator(f"#task-{contact}")
    await first_contact.get_by_label("Hope (1-10)").fill("6")
    await first_contact.get_by_label("Network (number of people)").fill("4")
    assert await complete(peer, contact) == 200
    await own_env.sleep(timedelta(days=7, hours=1))
    follow_up = await open_task_of(db_pool, episode_id, "follow_up")
    await card(peer, follow_up)
    review = peer.locator(f"#task-{follow_up}")
    assert await review.locator("fieldset.goal-review").count() == 4, "one per active goal"
    async with db_pool.acquire() as conn:
        goal_reads = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'read.goals' AND episode_id = $1"
            " AND actor_role = 'peer' AND actor_id = $2",
            episode_id,
            roster.peers[0],
        )
    assert goal_reads >= 1, "the citizen's goals on the card were read, and that is audited"
    await review.get_by_label("Progress: Spille fodbold hver uge").select_option("much")
    await review.get_by_label("Reached: Spille fodbold hver uge").select_option("yes")
    await review.get_by_label("Progress: Finde et fritidsjob").select_option("some")
    await review.get_by_label("Progress: Løbe med en ven").select_option("none")
    await review.get_by_label("Still relevant: Løbe med en ven").select_option("no")
    await review.get_by_label("Note (optional)").fill("Fodbold går godt")
    await without_browser_checks(peer)
    assert await complete(peer, follow_up) == 422, "one goal without a review"
    review = peer.locator(f"#task-{follow_up}")
    missing = review.get_by_label("Progress: Tage et kursus")
    assert await missing.get_attribute("aria-invalid") == "true"
    assert "choose the progress" in await field_error(peer, f"#err-progress_g5-{follow_up}")
    assert await review.get_by_label("Progress: Spille fodbold hver uge").input_value() == "much"
    assert await review.get_by_label("Reached: Spille fodbold hver uge").input_value() == "yes"
    assert await review.get_by_label("Still relevant: Løbe med en ven").input_value() == "no"
    assert await review.get_by_label("Note (optional)").input_value() == "Fodbold går godt"
    await assert_accessible(peer, context="a refused follow-up review")
    await missing.select_option("some")
    assert await complete(peer, follow_up) == 200

    # A step, refused once without a choice.
    await peer.goto(f"/episodes/{episode_id}")
    await without_browser_checks(peer)
    assert await send_form(peer, "#form-step", "Report the step") == 422
    assert await peer.get_by_label("Which step").get_attribute("aria-invalid") == "true"
    await peer.get_by_label("Which step").select_option("job_step:interview")
    assert await send_form(peer, "#form-step", "Report the step") == 200
    await peer.get_by_text("The step has been recorded.").wait_for()
    reviewed = await peer.locator("#goals-title ~ table").inner_text()
    assert "Reached" in reviewed and "Much progress" in reviewed

    # Ask to close: without a reason refused, the confirmation kept.
    await peer.get_by_label("I confirm that the episode should be closed").check()
    await without_browser_checks(peer)
    assert await send_form(peer, "#form-close", "Ask to close") == 422
    assert await peer.locator("#err-close-reason").count() == 1
    assert await peer.get_by_label("I confirm that the episode should be closed").is_checked()
    await assert_accessible(peer, context="a refused request to close")
    await peer.get_by_label("Reason", exact=True).fill("Borgeren har nået sine mål")
    assert await send_form(peer, "#form-close", "Ask to close") == 200
    await peer.get_by_text("The episode is now moving on to closing.").wait_for()

    # The outcome questionnaire: the start was measured, so it is not asked again.
    questionnaire = await open_task_of(db_pool, episode_id, "outcome_questionnaire")
    await peer.goto("/peer")
    await card(peer, questionnaire)
    outcome = peer.locator(f"#task-{questionnaire}")
    assert await outcome.get_by_label("Hope at start (1-10)").count() == 0
    assert await outcome.get_by_label("Network at start (people)").count() == 0
    await outcome.get_by_label("Hope now (1-10)").fill("8")
    await outcome.get_by_label("Network now (people)").fill("7")
    await outcome.get_by_label("Job or education").select_option("in_process")
    await outcome.get_by_label("Your closing words (for the summary, optional)").fill(
        "Et godt forløb"
    )
    assert await complete(peer, questionnaire) == 200

    async def closed_out() -> bool:
        async with db_pool.acquire() as conn:
            end = await conn.fetchval(
                "SELECT hope_score_end FROM episodes WHERE episode_id = $1", episode_id
            )
        return bool(end == 8)

    await eventually(closed_out, timeout=20.0)
    async with db_pool.acquire() as conn:
        episode = await conn.fetchrow(
            "SELECT hope_score_start, network_size_start, network_size_end, job_or_education,"
            " milestones FROM episodes WHERE episode_id = $1",
            episode_id,
        )
        assert episode is not None
        statuses = {
            r["goal_id"]: (r["status"], r["text"])
            for r in await conn.fetch(
                "SELECT goal_id, status, text FROM episode_goals WHERE episode_id = $1",
                episode_id,
            )
        }
    assert episode["hope_score_start"] == 6
    assert episode["network_size_start"] == 4
    assert episode["network_size_end"] == 7
    assert episode["job_or_education"] == "in_process"
    assert "job_step" in episode["milestones"]
    assert statuses["g2"] == ("reached", "Spille fodbold hver uge")
    assert statuses["g1"][0] == "dropped"
    assert statuses["g4"][0] == "dropped", "no longer relevant"
    assert statuses["g3"][0] == "active" and statuses["g5"][0] == "active"


def test_the_questionnaire_sends_start_values_only_when_it_asked_for_them() -> None:
    asked = FormData(
        [("hope_score_start", "3"), ("network_size_start", "1"), ("hope_score_end", "7")]
    )
    not_asked = FormData([("hope_score_end", "7"), ("network_size_end", "2"), ("job", "none")])
    assert outcome(asked)["hope_score_start"] == "3"
    assert outcome(asked)["network_size_start"] == "1"
    assert "hope_score_start" not in outcome(not_asked)
    assert "network_size_start" not in outcome(not_asked)
