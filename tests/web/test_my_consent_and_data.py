"""My consent, my data, in the browser on a phone-sized screen: the citizen withdraws sharing
with the municipality (a confirm step) and the municipality's caseworker, who could open the
episode a moment before, is refused it on their very next request; the citizen sees that
caseworker's earlier read in words on "who has read my record"; downloads their data as JSON
(goals and contact in it) and opens the printable page. Refused: a scope not given, a forged
scope in the form, a foreign episode id, a page number that is not one: each a clear page,
never a 500. axe on every page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.async_api import Browser

from db.pool import DatabasePool
from tests.web.axe import assert_accessible
from tests.web.citizen import refer_citizen, signed_in_citizen
from tests.web.conftest import ApiAs, OpenAs, screenshot, web_roster

pytestmark = pytest.mark.browser

PHONE = "+4512345678"
GOAL = "Spille fodbold igen"
CONSENTS = [
    {"scope": "peer_support", "method": "written"},
    {"scope": "share_with_municipality", "method": "written"},
]


async def municipality_name(pool: DatabasePool, code: str) -> str:
    async with pool.acquire() as conn:
        name: str = await conn.fetchval(
            "SELECT name FROM municipalities WHERE municipality_code = $1", code
        )
    return name


async def test_the_citizen_withdraws_sharing_and_the_caseworker_loses_access_at_once(
    browser: Browser, web_url: str, open_as: OpenAs, api_as: ApiAs, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    # An episode shared with the municipality, with a goal and a phone.
    episode_id = await refer_citizen(
        await api_as(roster.ward_nurse),
        db_pool,
        roster,
        {"phone": PHONE},
        goals=[{"area": "network", "text": GOAL}],
        consents=CONSENTS,
    )
    place = await municipality_name(db_pool, roster.municipality_code)

    # The caseworker opens the episode: allowed (and audited).
    caseworker = await open_as(roster.caseworkers["social_services"])
    response = await caseworker.goto(f"/episodes/{episode_id}?lang=en")
    assert response is not None and response.status == 200

    citizen = await signed_in_citizen(browser, web_url, db_pool, episode_id)
    try:
        await citizen.goto("/my/consent?lang=en")
        scope = citizen.locator("li.scope", has_text="Sharing with the municipality")
        assert f"Caseworkers in social services in {place}" in await scope.inner_text()
        await assert_accessible(citizen, context="My consent")
        await screenshot(citizen, "my-consent")

        # The confirm step says what happens; a scope forged into its form is refused,
        # naming the field, and nothing changes.
        await scope.get_by_role("link", name="Withdraw: Sharing with the municipality").click()
        await citizen.get_by_role("heading", name="Withdraw your consent?").wait_for()
        assert "they lose access" in await citizen.locator("main").inner_text()
        await assert_accessible(citizen, context="the confirm step of a withdrawal")
        await citizen.locator("input[name=scope]").evaluate(
            "input => input.value = 'share_with_jobcenter'"
        )
        async with citizen.expect_navigation() as sent:
            await citizen.get_by_role("button", name="Yes, withdraw my consent").click()
        refused = await sent.value
        assert refused is not None and refused.status == 422
        alert = await citizen.get_by_role("alert").inner_text()
        assert "you have not given this consent in this bridge" in alert
        await assert_accessible(citizen, context="a refused withdrawal")
        async with db_pool.acquire() as conn:
            consents = await conn.fetchval(
                "SELECT consents FROM episodes WHERE episode_id = $1", episode_id
            )
        assert "share_with_municipality" in consents, "the refusal changed nothing"

        # Now for real.
        await citizen.goto(f"/my/consent/{episode_id}/withdraw?scope=share_with_municipality")
        async with citizen.expect_navigation() as sent:
            await citizen.get_by_role("button", name="Yes, withdraw my consent").click()
        done = await sent.value
        assert done is not None and done.status == 200
        assert citizen.url.endswith("/my/consent?notice=my_consent_withdrawn")
        status = await citizen.get_by_role("status").inner_text()
        assert status == "Your consent has been withdrawn. It applies from now."
        assert await citizen.locator("li.scope", has_text="municipality").count() == 0

        # The caseworker's very next request: refused, as for an episode that does not exist.
        response = await caseworker.goto(f"/episodes/{episode_id}?lang=en")
        assert response is not None and response.status == 404

        # Withdrawing it again: not given any more, a clear page naming the consent.
        response = await citizen.goto(
            f"/my/consent/{episode_id}/withdraw?scope=share_with_municipality"
        )
        assert response is not None and response.status == 422
        assert "nothing to withdraw" in await citizen.get_by_role("alert").inner_text()
        # A foreign episode id and a made-up scope: a "not found" page and a clear refusal.
        response = await citizen.goto("/my/consent/episode-not-yours/withdraw?scope=peer_support")
        assert response is not None and response.status == 404
        await citizen.get_by_role("heading", name="Page not found").wait_for()
        response = await citizen.goto(f"/my/consent/{episode_id}/withdraw?scope=everything")
        assert response is not None and response.status == 422
        alert = await citizen.get_by_role("alert").inner_text()
        assert "choose one of the consents shown on the page" in alert

        # Who has read my record: the caseworker's read, in words, by role and place.
        await citizen.goto("/my/reads?lang=en")
        lines = await citizen.locator("#my-reads li").all_inner_texts()
        read = f"A social services caseworker at {place} saw your name and how to reach you on "
        assert any(line.startswith(read) for line in lines), lines
        assert any("referred you to the bridge" in line for line in lines), lines
        assert not any(roster.caseworkers["social_services"] in line for line in lines)
        await assert_accessible(citizen, context="who has read my record")
        await screenshot(citizen, "my-reads")
        response = await citizen.goto("/my/reads?page=zero")
        assert response is not None and response.status == 422
        assert "page" in await citizen.locator("main").inner_text()

        # Download my data: a JSON file with the goal and the contact.
        await citizen.goto("/my/data?lang=en")
        await assert_accessible(citizen, context="my data, printable")
        async with citizen.expect_download() as info:
            await citizen.get_by_role("link", name="Download my data (JSON)").click()
        download = await info.value
        assert re.fullmatch(
            r"hverdagsbro-my-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename
        )
        data = json.loads(Path(await download.path()).read_text(encoding="utf-8"))
        (episode,) = data["episodes"]
        assert [g["text"] for g in episode["goals"]] == [GOAL]
        assert episode["contact"]["phone"] == PHONE
        assert episode["consents_given"] == ["Peer support"]
        assert "citizen_id" not in json.dumps(data)
        assert any("withdrawn" in line["what"] for line in episode["timeline"])

        # The printable page: the same content, its buttons left off the paper.
        assert GOAL in await citizen.locator("main").inner_text()
        await citizen.emulate_media(media="print")
        assert not await citizen.get_by_role("link", name="Download my data (JSON)").is_visible()
        assert await citizen.get_by_role("heading", name="Your goals").is_visible()
        await citizen.emulate_media(media="screen")
        async with db_pool.acquire() as conn:
            forms = await conn.fetch(
                "SELECT detail->>'form' AS form FROM audit_log WHERE episode_id = $1"
                " AND action = 'citizen.exported_data' AND actor_role = 'citizen'",
                episode_id,
            )
        assert sorted(r["form"] for r in forms) == ["json", "page"]
    finally:
        await citizen.context.close()
