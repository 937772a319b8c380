"""The municipality's reply, in the browser: the coordinator reads it on the episode's timeline
(topic, text, line breaks kept) in English and Danish, the page passes axe; the caseworker's
page of the same episode shows nothing of it."""

from __future__ import annotations

import httpx
import pytest

from db.access import create_token
from db.pool import DatabasePool
from tests.api.bodies import referral_body
from tests.api.steps import referred
from tests.medcom.fake_municipality import reply_to
from tests.medcom.test_care_communication_replies import (
    FHIR,
    URL,
    municipality_with_sor,
    sent_message,
)
from tests.web.axe import assert_accessible
from tests.web.conftest import ApiAs, OpenAs, screenshot, web_roster

pytestmark = pytest.mark.browser

FIRST, SECOND = "Tak for beskeden.", "Borgeren får bostøtte fra mandag."


async def test_the_coordinator_reads_the_municipalitys_reply_on_the_episode_page(
    open_as: OpenAs, api_as: ApiAs, web_url: str, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=1)
    sor, organisation = await municipality_with_sor(db_pool, roster)
    body = referral_body(roster)
    episode_id = await referred(await api_as(roster.ward_nurse), body)
    sent = await sent_message(db_pool, roster, episode_id, body["payload"]["citizen"]["cpr"], sor)
    async with db_pool.acquire() as conn:
        _, secret = await create_token(
            conn,
            name="kommunens gateway",
            role="medcom_gateway",
            ttl=None,
            organisations=[organisation],
        )
    async with httpx.AsyncClient(
        base_url=web_url, headers={"Authorization": f"Bearer {secret}"}
    ) as gateway:
        answer = await gateway.post(
            URL, json=reply_to(sent.body, f"{FIRST}\n{SECOND}"), headers=FHIR
        )
    assert answer.status_code == 200, answer.text

    coordinator = await open_as(roster.coordinator)
    await coordinator.goto(f"/episodes/{episode_id}?lang=en")
    line = coordinator.locator("table.timeline tr", has_text="The municipality replied")
    shown = await line.inner_text()
    assert "The municipality replied (psychiatry, social services and disability)" in shown
    assert "Topic: Udskrivning" in shown
    assert f"{FIRST}\n{SECOND}" in shown, "the line break is kept"
    await assert_accessible(coordinator, context="episode page with a municipality reply")
    await screenshot(coordinator, "episode-municipality-reply")

    await coordinator.goto(f"/episodes/{episode_id}?lang=da")
    danish = await coordinator.locator("table.timeline").inner_text()
    assert "Kommunen har svaret (psykiatri, socialområdet og handicap)" in danish
    assert "Emne: Udskrivning" in danish

    caseworker = await open_as(roster.caseworkers["social_services"])
    await caseworker.goto(f"/episodes/{episode_id}?lang=en")
    page = await caseworker.content()
    assert "municipality replied" not in page and SECOND not in page
