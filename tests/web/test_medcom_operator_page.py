"""The operator sees received MedCom messages needing a look (a collision, a correction of a
message we do not have for its stay): ids, codes and the reason in words, never the citizen."""

from __future__ import annotations

import json
import typing
import uuid

import httpx
import pytest

from api.web.labels import LANGUAGES, TEXTS, text
from db.access import create_token
from db.medcom import AttentionReason
from db.pool import DatabasePool
from tests.api.bodies import new_cpr
from tests.api.test_medcom_api import URL, as_new_message, from_sender, with_cpr
from tests.medcom.bundles import example, header_id, resource
from tests.web.axe import assert_accessible
from tests.web.conftest import OpenAs, screenshot, web_roster, with_passwords


def test_every_reason_a_message_is_listed_for_has_a_text_in_both_languages() -> None:
    for reason in typing.get_args(AttentionReason):
        assert f"medcom.reason.{reason}" in TEXTS
        assert all(text(f"medcom.reason.{reason}", lang) for lang in LANGUAGES)


@pytest.mark.browser
async def test_the_operator_sees_medcom_messages_needing_a_look_but_not_the_citizen(
    open_as: OpenAs, db_pool: DatabasePool, web_url: str
) -> None:
    roster = await web_roster(db_pool, peers=0)
    operator_id = f"operator-{uuid.uuid4().hex[:6]}"
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO users (user_id, role, display_name)"
            " VALUES ($1, 'operator', 'Test operator')",
            operator_id,
        )
        _, secret = await create_token(
            conn, name="page gateway", role="medcom_gateway", ttl=None, sor_codes=[roster.ward_sor]
        )
    await with_passwords(db_pool, roster, operator_id)
    cpr = new_cpr()
    admission = from_sender(with_cpr(as_new_message(example("a5e5")), cpr), roster.ward_sor)
    resource(admission, "Patient")["name"] = [{"family": "Zebulonsen", "given": ["Zelda"]}]
    # The same Bundle.id and MessageHeader.id again, saying another admission time.
    colliding = json.loads(json.dumps(admission))
    resource(colliding, "Encounter")["period"]["start"] = "2022-12-08T08:00:00+01:00"
    # A cancellation of a message we never had.
    unknown = str(uuid.uuid4())
    cancel = from_sender(with_cpr(as_new_message(example("c836")), cpr), roster.ward_sor)
    cancel = json.loads(json.dumps(cancel).replace("b9b4818e-02de-4cc4-b418-d20cbc7b5404", unknown))
    async with httpx.AsyncClient(
        base_url=web_url, headers={"Authorization": f"Bearer {secret}"}
    ) as gateway:
        for bundle in (admission, colliding, cancel):
            answer = await gateway.post(URL, json=bundle)
            assert answer.json()["outcome"] == "ok", answer.text

    operator = await open_as(operator_id)
    section = operator.locator("section", has_text="MedCom messages needing a look")
    collision = section.get_by_role("row").filter(has_text=header_id(admission))
    assert await collision.count() == 1
    row = await collision.inner_text()
    assert "Sent again with the same Bundle id and MessageHeader id" in row
    assert roster.ward_sor in row
    assert "admit-inpatient" in row
    correction = section.get_by_role("row").filter(has_text=header_id(cancel))
    assert "Refers to a message we do not have for this stay" in await correction.inner_text()
    assert "cancel-admit-inpatient" in await correction.inner_text()
    page_text = await operator.locator("body").inner_text()
    for personal in (cpr, "Zebulonsen", "Zelda"):
        assert personal not in page_text
    await screenshot(operator, "operator-medcom")
    await assert_accessible(operator, context="MedCom messages on the operator's page")

    await operator.goto("/operator?lang=da")
    danish = operator.locator("section", has_text="MedCom-beskeder, der skal ses på")
    assert await danish.get_by_text("Henviser til en besked, vi ikke har").count() >= 1
