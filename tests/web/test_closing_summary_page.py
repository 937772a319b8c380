"""The closing summary in the browser: the caseworker opens it from their list once the
episode is closed and sees their service's slice (their area's goals with their status, the
milestones and the services they started, hope and network from start to end, the peer's
closing words), in English and in Danish, printable without the page's header; another
service sees its own slice; a service without consent gets the 404 page."""

from __future__ import annotations

import pytest

from command.synthetic.roster import Roster
from db.pool import DatabasePool
from tests.api.bodies import event_body, new_cpr, referral_body
from tests.api.steps import complete, matched, post
from tests.api.test_events_api import wait_for_task
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import ApiAs, OpenAs, reload_until, screenshot, web_roster

pytestmark = pytest.mark.browser

NAME = "Sidsel Summarum"
PHONE = "+4511223344"
HOUSING_GOAL = "Hjælp til at finde en bolig"
JOB_GOAL = "Arbejde i en butik"
NETWORK_GOAL = "Spille fodbold igen"
CONCERN_NOTE = "Sover dårligt, ring hende op"
CLOSING_NOTE = "Hun ved nu, hvor hun kan hente hjælp, og har en fast plan for ugen."


async def closed_episode(api_as: ApiAs, roster: Roster) -> str:
    """An episode shared with social services and the jobcenter, run to closed: goals of
    three areas (the job goal dropped), a municipal milestone and an IPS step, housing
    support confirmed started, a concern, hope and network measured, the closing words."""
    ward = await api_as(roster.ward_nurse)
    peer = await api_as(roster.peers[0])
    coordinator = await api_as(roster.coordinator)
    social = await api_as(roster.caseworkers["social_services"])
    body = referral_body(
        roster,
        citizen={"cpr": new_cpr(), "name": NAME, "phone": PHONE},
        goals=[
            {"area": "municipal_services", "text": HOUSING_GOAL},
            {"area": "job", "text": JOB_GOAL},
            {"area": "network", "text": NETWORK_GOAL},
        ],
        consents=[
            {"scope": "peer_support", "method": "written"},
            {"scope": "share_with_municipality", "method": "written"},
            {"scope": "share_with_jobcenter", "method": "written"},
        ],
    )
    episode_id = await matched(ward, peer, body)
    await post(peer, event_body(episode_id, "concern_flagged", {"note": CONCERN_NOTE}))
    await post(ward, event_body(episode_id, "discharged"))
    confirm = await wait_for_task(social, "confirm_service")
    await complete(
        social,
        confirm["task_id"],
        result={"kind": "service_confirmed", "service": "housing_support"},
    )
    contact = await wait_for_task(peer, "first_contact")
    await complete(
        peer,
        contact["task_id"],
        result={"kind": "first_contact", "hope_score": 3, "network_size": 2},
    )
    for kind, detail in (("municipal_service", "activity_offer"), ("job_step", "ips")):
        await post(
            peer, event_body(episode_id, "milestone_reached", {"kind": kind, "detail": detail})
        )
    await post(peer, event_body(episode_id, "goal_dropped", {"goal_id": "g2", "reason": "nyt"}))
    await post(coordinator, event_body(episode_id, "close_requested", {"reason": "done"}))
    questionnaire = await wait_for_task(peer, "outcome_questionnaire")
    answers = {
        "kind": "outcome",
        "hope_score_end": 8,
        "network_size_end": 6,
        "job_or_education": "in_process",
        "closing_note": CLOSING_NOTE,
    }
    await complete(peer, questionnaire["task_id"], result=answers)
    debrief = await wait_for_task(peer, "debrief")
    await complete(peer, debrief["task_id"])

    async def closed() -> bool:
        answer = await social.get(f"/api/episodes/{episode_id}/closing-summary")
        return answer.status_code == 200 and answer.json()["phase"] == "closed"

    await eventually(closed)
    return episode_id


async def test_the_caseworker_opens_their_slice_of_the_closing_summary_in_both_languages(
    open_as: OpenAs, api_as: ApiAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    episode_id = await closed_episode(api_as, roster)

    # From the caseworker's list, the closed episode links its summary.
    page = await open_as(roster.caseworkers["social_services"])
    await reload_until(page, f"#episode-{episode_id} a.summary-link")
    await page.locator(f"#episode-{episode_id}").get_by_role("link", name="Closing summary").click()
    await page.get_by_role("heading", name="Closing summary", level=1).wait_for()
    assert page.url.endswith(f"/episodes/{episode_id}/summary")
    main = page.locator("main")
    text = await main.inner_text()
    for shown in (
        NAME,
        "Peer guide (SIND)",
        HOUSING_GOAL,
        "Still being worked on",
        "Activity offer",
        "Housing support",
        "Social services",
        CLOSING_NOTE,
        "social services",
    ):
        assert shown in text, shown
    hope = [
        c.strip()
        for c in await page.locator("table.change tr", has_text="Hope")
        .locator("th, td")
        .all_inner_texts()
    ]
    assert hope == ["Hope (1-10)", "3", "8"]
    network = [
        c.strip()
        for c in await page.locator("table.change tr", has_text="Network")
        .locator("th, td")
        .all_inner_texts()
    ]
    assert network == ["Network (people)", "2", "6"]
    for hidden in (JOB_GOAL, NETWORK_GOAL, "IPS", CONCERN_NOTE, PHONE, "Job or education"):
        assert hidden not in text, f"social services must not see {hidden}"
    await screenshot(page, "closing-summary-social")
    await assert_accessible(page, context="the closing summary")

    # Printed: the summary without the header, the navigation or the print hint.
    await page.emulate_media(media="print")
    assert await page.locator("header.top").is_hidden()
    assert await page.get_by_text("Ctrl+P").is_hidden()
    assert await page.get_by_text(CLOSING_NOTE).is_visible()
    await page.emulate_media(media="screen")

    # The same in Danish.
    await page.goto(f"/episodes/{episode_id}/summary?lang=da")
    await page.get_by_role("heading", name="Afslutningsoversigt", level=1).wait_for()
    text = await page.locator("main").inner_text()
    for shown in (
        "Peer-guide (SIND)",
        HOUSING_GOAL,
        "Arbejdes der stadig med",
        "Aktivitetstilbud",
        "Bostøtte",
        "Peer-medarbejderens afsluttende ord",
        CLOSING_NOTE,
        "Håb (1-10)",
    ):
        assert shown in text, shown
    assert JOB_GOAL not in text and CONCERN_NOTE not in text
    await assert_accessible(page, context="the closing summary in Danish")

    # The jobcenter: its own slice, with the job at closing.
    jobcenter = await open_as(roster.caseworkers["jobcenter"])
    await jobcenter.goto(f"/episodes/{episode_id}/summary?lang=en")
    text = await jobcenter.locator("main").inner_text()
    goal = [
        c.strip()
        for c in await jobcenter.locator("table.goals tbody tr").locator("th, td").all_inner_texts()
    ]
    assert goal == [JOB_GOAL, "Job", "Dropped"]
    for shown in ("IPS", "Job or education at closing", "In process", CLOSING_NOTE):
        assert shown in text, shown
    for hidden in (HOUSING_GOAL, NETWORK_GOAL, "Housing support", "Activity offer"):
        assert hidden not in text, f"the jobcenter must not see {hidden}"

    # Education guidance has no consent: the 404 page, nothing of the citizen.
    education = await open_as(roster.caseworkers["education"])
    response = await education.goto(f"/episodes/{episode_id}/summary?lang=en")
    assert response is not None and response.status == 404
    text = await education.locator("main").inner_text()
    assert NAME not in text and CLOSING_NOTE not in text
