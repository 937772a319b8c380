"""The caseworker in the browser: their list names the citizens who consented to sharing with
their service (programme by name, phase in words, discharge, what is due), the episode shows
only their service's slice (never the phone or the concern), and the confirm form offers only
their own service's offers; an empty or a foreign offer is refused with the field named and
the choice kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from command.synthetic.roster import Roster
from db.pool import DatabasePool
from schemas.services import offers_of
from tests.api.bodies import event_body, referral_body
from tests.api.steps import matched, post
from tests.conftest import eventually
from tests.web.axe import assert_accessible
from tests.web.conftest import ApiAs, OpenAs, reload_until, screenshot, web_roster

pytestmark = pytest.mark.browser

NAME = "Testa Borger"
PHONE = "+4512345678"
CONCERN_NOTE = "Sover dårligt, ring hende op"
HOUSING_GOAL = "Hjælp til at finde en bolig"
JOB_GOAL = "Arbejde i en butik"
NETWORK_GOAL = "Spille fodbold igen"
NOTE = "Startet i dag"


async def episode_for_social_services(api_as: ApiAs, roster: Roster) -> tuple[str, str]:
    """A matched episode with a concern, goals of three areas and a planned discharge, shared
    with the municipality's social services and the jobcenter; returns (episode id,
    planned discharge date)."""
    ward = await api_as(roster.ward_nurse)
    peer = await api_as(roster.peers[0])
    body = referral_body(
        roster,
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
    planned = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    await post(ward, event_body(episode_id, "discharge_planned", {"planned_for": planned}))
    return episode_id, planned


async def confirm_task(pool: DatabasePool, episode_id: str, service: str) -> tuple[str, str]:
    """The service's confirm_service task and its status, once its commit is in."""

    async def found() -> bool:
        async with pool.acquire() as conn:
            return bool(
                await conn.fetchval(
                    "SELECT 1 FROM tasks WHERE episode_id = $1 AND kind = 'confirm_service'"
                    " AND assignee_service = $2",
                    episode_id,
                    service,
                )
            )

    await eventually(found)
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT task_id, status FROM tasks WHERE episode_id = $1"
            " AND kind = 'confirm_service' AND assignee_service = $2",
            episode_id,
            service,
        )
    assert row is not None
    return row["task_id"], row["status"]


async def test_the_caseworker_sees_their_slice_and_confirms_only_their_own_offers(
    open_as: OpenAs, api_as: ApiAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    episode_id, planned = await episode_for_social_services(api_as, roster)
    task_id, _ = await confirm_task(db_pool, episode_id, "social_services")

    caseworker = await open_as(roster.caseworkers["social_services"])
    await reload_until(caseworker, f"#episode-{episode_id}")
    row = caseworker.locator(f"#episode-{episode_id}")
    cells = [c.strip() for c in await row.locator("th, td").all_inner_texts()]
    assert cells[0] == NAME, "the citizen by name"
    assert cells[1].startswith("Peer guide"), "the programme by name, not its code"
    assert cells[2] == "Before discharge", "the phase in words"
    assert cells[3] == f"planned {planned}"
    assert cells[4].startswith("Confirm service, by "), "what is due for them"
    assert episode_id not in await row.inner_text(), "no opaque ids"
    await screenshot(caseworker, "caseworker-list")
    await assert_accessible(caseworker, context="the caseworker's list and confirm form")

    # The confirm form offers only social services' offers.
    card = caseworker.locator(f"#task-{task_id}")
    choice = card.get_by_label("Service")
    offered = await choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert offered == ["", *offers_of("social_services")]

    # An empty choice (the browser would ask first; a hand-made form need not): refused,
    # the field named, the note kept, nothing confirmed.
    await choice.evaluate("select => select.removeAttribute('required')")
    await card.get_by_label("Short note (optional)").fill(NOTE)
    async with caseworker.expect_navigation() as sent:
        await card.get_by_role("button", name="Confirm service started").click()
    response = await sent.value
    assert response is not None and response.status == 422
    alert = caseworker.get_by_role("alert")
    await alert.wait_for()
    assert "result.service" in await alert.inner_text()
    card = caseworker.locator(f"#task-{task_id}")
    choice = card.get_by_label("Service")
    assert await choice.get_attribute("aria-invalid") == "true"
    error = card.locator(f"#err-service-{task_id}")
    assert "result.service" in await error.inner_text()
    assert await choice.get_attribute("aria-describedby") == f"err-service-{task_id}"
    assert await card.get_by_label("Short note (optional)").input_value() == NOTE

    # Another service's offer, forged into the form: refused by the episode, the field named
    # and the choice kept.
    await choice.evaluate("select => select.add(new Option('IPS', 'ips'))")
    await choice.select_option("ips")
    async with caseworker.expect_navigation() as sent:
        await card.get_by_role("button", name="Confirm service started").click()
    response = await sent.value
    assert response is not None and response.status == 422
    alert = caseworker.get_by_role("alert")
    await alert.wait_for()
    assert "result.service" in await alert.inner_text()
    card = caseworker.locator(f"#task-{task_id}")
    choice = card.get_by_label("Service")
    assert await choice.get_attribute("aria-invalid") == "true"
    assert await card.get_by_label("Short note (optional)").input_value() == NOTE
    offered = await choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert "ips" not in offered, "a foreign offer is never listed, even when kept"
    assert (await confirm_task(db_pool, episode_id, "social_services"))[1] == "open"
    await screenshot(caseworker, "caseworker-refused-offer")
    await assert_accessible(caseworker, context="a refused offer on the caseworker's page")

    # A choice of their own, kept when refused once, then confirmed.
    await choice.select_option("housing_support")
    await card.get_by_role("button", name="Confirm service started").click()
    await caseworker.get_by_text("Your decision has been recorded.").wait_for()
    assert (await confirm_task(db_pool, episode_id, "social_services"))[1] == "completed"

    # The episode: their slice, and nothing of the concern or how to reach the citizen.
    await caseworker.get_by_role("link", name=NAME).click()
    await caseworker.get_by_role("heading", name="The citizen's episode").wait_for()
    main = caseworker.locator("main")
    await reload_until(caseworker, "table.milestones >> text=Housing support")
    text = await main.inner_text()
    for shown in (NAME, HOUSING_GOAL, "Before discharge", planned, "Test peer"):
        assert shown in text, shown
    async with db_pool.acquire() as conn:
        cpr = await conn.fetchval(
            "SELECT z.cpr FROM episodes e JOIN citizens z USING (citizen_id)"
            " WHERE e.episode_id = $1",
            episode_id,
        )
    assert cpr in text, "the CPR number, to find the citizen in the municipal system"
    for hidden in (PHONE, "+45", CONCERN_NOTE, JOB_GOAL, NETWORK_GOAL, "Notes", "Timeline"):
        assert hidden not in text, hidden
    assert await main.get_by_role("heading", name="Notes").count() == 0
    tasks = main.locator("section[aria-labelledby=tasks-title] tbody tr")
    assert await tasks.count() == 1, "only their own service's task"
    assert "Housing support" in await tasks.first.inner_text()
    await screenshot(caseworker, "caseworker-episode")
    await assert_accessible(caseworker, context="a caseworker's slice of an episode")

    # The same in Danish, from the catalog.
    await caseworker.goto(f"/episodes/{episode_id}?lang=da")
    await caseworker.get_by_role("heading", name="Borgerens forløb").wait_for()
    text = await caseworker.locator("main").inner_text()
    for shown in ("CPR-nummer", "Planlagt udskrivning", "Peer-guide (SIND)", "Bostøtte"):
        assert shown in text, shown
    await caseworker.goto("/caseworker?lang=da")
    row_text = await caseworker.locator(f"#episode-{episode_id}").inner_text()
    assert "Peer-guide (SIND)" in row_text and "Før udskrivning" in row_text

    # The jobcenter's caseworker sees the jobcenter's slice of the same episode.
    jobcenter = await open_as(roster.caseworkers["jobcenter"])
    await jobcenter.goto(f"/episodes/{episode_id}")
    text = await jobcenter.locator("main").inner_text()
    assert JOB_GOAL in text and HOUSING_GOAL not in text and "Housing support" not in text
