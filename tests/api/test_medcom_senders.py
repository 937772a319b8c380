"""Attack tests: a MedCom gateway token speaks only for the senders it is bound to, and a
sender only for episodes of its own organisation's wards (issue 13, findings 1 and 3)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.medcom import MedcomError, parse_hospital_notification
from command.synthetic.roster import Roster, make_roster
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from schemas.medcom import SOR_SYSTEM
from tests.api.bodies import referral_body
from tests.api.conftest import Caller, TokenCaller
from tests.api.steps import referred
from tests.api.test_medcom_api import (
    URL,
    as_new_message,
    from_sender,
    phase_of,
    until_phase,
    with_cpr,
)
from tests.medcom.bundles import example, header_id, resource
from tests.medcom.received import events_under_header

SENDER_FIELD = "Bundle.entry[MessageHeader].sender"


async def refer(as_user: Caller, pool: DatabasePool, roster: Roster) -> tuple[str, str]:
    """(episode id, CPR) of a new episode at the roster's ward, committed to the read model."""
    body = referral_body(roster, admitted_at=None)
    episode_id = await referred(await as_user(roster.ward_nurse), body)
    return episode_id, body["payload"]["citizen"]["cpr"]


def death_of(cpr: str, sender_sor: str) -> dict[str, Any]:
    """MedCom's MORS example (Patient.deceasedBoolean) for this citizen, as a new message
    from the ward with this SOR code."""
    return from_sender(with_cpr(as_new_message(example("g099")), cpr), sender_sor)


async def traces(pool: DatabasePool, bundle: dict[str, Any]) -> dict[str, int]:
    """What the message left behind: its transmission row, its events, its audit rows."""
    events = await events_under_header(pool, header_id(bundle))
    async with pool.acquire() as conn:
        return {
            "medcom_messages": await conn.fetchval(
                "SELECT count(*) FROM medcom_messages WHERE bundle_id = $1", bundle["id"]
            ),
            "events_received": len(events),
            "refusals": await conn.fetchval(
                "SELECT count(*) FROM audit_log WHERE action = 'medcom_refused'"
                " AND detail->>'bundle_id' = $1 AND actor_role = 'medcom_gateway'"
                " AND actor_id LIKE 'tok-%' AND reason = $2",
                bundle["id"],
                SENDER_FIELD,
            ),
        }


def assert_refused_naming_the_sender(answer: httpx.Response, cpr: str) -> None:
    assert answer.status_code == 422, answer.text
    ack = answer.json()
    assert ack["outcome"] == "fatal-error"
    assert ack["reasons"][0].startswith(f"{SENDER_FIELD}: "), ack
    assert cpr not in answer.text


async def test_a_forged_deceased_from_a_sender_the_token_is_not_bound_to_is_refused(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    home, elsewhere = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=0)
    episode_id, cpr = await refer(as_user, db_pool, home)
    # A valid gateway token of another hospital claims to be the citizen's ward.
    stranger = await as_token("medcom_gateway", sor_codes=[elsewhere.ward_sor])
    forged = death_of(cpr, home.ward_sor)

    answer = await stranger.post(URL, json=forged)

    assert_refused_naming_the_sender(answer, cpr)
    await asyncio.sleep(0.3)
    assert await phase_of(db_pool, episode_id) != "deceased", "the episode stays open"
    assert await traces(db_pool, forged) == {
        "medcom_messages": 0,
        "events_received": 0,
        "refusals": 1,
    }
    async with db_pool.acquire() as conn:
        detail = await conn.fetchval(
            "SELECT detail::text FROM audit_log WHERE detail->>'bundle_id' = $1", forged["id"]
        )
    assert cpr not in detail and "name" not in json.loads(detail)


async def test_a_bound_sender_of_another_organisation_cannot_end_this_citizens_episode(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    home, elsewhere = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=0)
    episode_id, cpr = await refer(as_user, db_pool, home)
    # The other hospital's own gateway, sending as itself: its token is bound to its sender,
    # but the citizen's open episode belongs to a ward of another organisation.
    other_gateway = await as_token("medcom_gateway", sor_codes=[elsewhere.ward_sor])
    message = death_of(cpr, elsewhere.ward_sor)

    answer = await other_gateway.post(URL, json=message)

    assert_refused_naming_the_sender(answer, cpr)
    assert "open episode" in answer.json()["reasons"][0]
    await asyncio.sleep(0.3)
    assert await phase_of(db_pool, episode_id) != "deceased"
    assert await traces(db_pool, message) == {
        "medcom_messages": 0,
        "events_received": 0,
        "refusals": 1,
    }
    async with db_pool.acquire() as conn:
        audited_episode = await conn.fetchval(
            "SELECT episode_id FROM audit_log WHERE detail->>'bundle_id' = $1", message["id"]
        )
    assert audited_episode == episode_id


async def test_the_bound_sender_and_the_other_wards_of_its_region_still_reach_the_episode(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    home = await make_roster(db_pool, peers=1)
    second_ward_sor = str(uuid.uuid4().int)[:15]
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO wards (ward_id, name, organisation_id, sor_code) VALUES ($1, $2, $3, $4)",
            f"{home.ward_id}-b",
            "Ward B",
            home.organisation_id,
            second_ward_sor,
        )
    episode_id, cpr = await refer(as_user, db_pool, home)
    ward_gateway = await as_token("medcom_gateway", sor_codes=[home.ward_sor])
    region_gateway = await as_token("medcom_gateway", organisations=[home.organisation_id])

    admission = from_sender(with_cpr(as_new_message(example("a5e5")), cpr), home.ward_sor)
    answer = await ward_gateway.post(URL, json=admission)
    assert answer.json()["outcome"] == "ok", answer.text
    # Region token, sent by the region's other ward: the same organisation's episode.
    death = death_of(cpr, second_ward_sor)
    answer = await region_gateway.post(URL, json=death)
    assert answer.json()["outcome"] == "ok", answer.text
    await until_phase(db_pool, episode_id, "deceased")
    async with db_pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT episode_id FROM medcom_messages WHERE bundle_id = $1", death["id"]
            )
            == episode_id
        )


async def test_a_kept_notification_goes_only_to_an_episode_its_sender_speaks_for(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    home, elsewhere = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=0)
    cpr = referral_body(home)["payload"]["citizen"]["cpr"]
    stranger = await as_token("medcom_gateway", sor_codes=[elsewhere.ward_sor])
    own = await as_token("medcom_gateway", sor_codes=[home.ward_sor])
    # Before any referral: a death from an unrelated hospital, an admission from the ward.
    foreign_death = death_of(cpr, elsewhere.ward_sor)
    own_admission = from_sender(with_cpr(as_new_message(example("a5e5")), cpr), home.ward_sor)
    assert (await stranger.post(URL, json=foreign_death)).json()["outcome"] == "ok"
    assert (await own.post(URL, json=own_admission)).json()["outcome"] == "ok"

    ward = await as_user(home.ward_nurse)
    body = referral_body(home, admitted_at=None)
    body["payload"]["citizen"]["cpr"] = cpr
    answer = await ward.post("/api/events", json=body)
    assert answer.status_code == 202, answer.text
    episode_id = answer.json()["episode_id"]

    async with db_pool.acquire() as conn:
        rows = {
            r["bundle_id"]: (r["status"], r["episode_id"])
            for r in await conn.fetch(
                "SELECT bundle_id, status, episode_id FROM medcom_messages"
                " WHERE bundle_id = ANY($1::text[])",
                [foreign_death["id"], own_admission["id"]],
            )
        }
    (foreign_event,) = await events_under_header(db_pool, header_id(foreign_death))
    assert rows[own_admission["id"]] == ("applied", episode_id)
    assert rows[foreign_death["id"]] == ("waiting", None), "not handed to this episode"
    assert (foreign_event.status, foreign_event.episode_id) == ("parked", None)
    await asyncio.sleep(0.3)
    assert await phase_of(db_pool, episode_id) != "deceased"


async def test_a_message_to_another_receiver_or_to_no_sor_code_is_refused(
    as_token: TokenCaller,
    db_pool: DatabasePool,
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
) -> None:
    home = await make_roster(db_pool, peers=0)
    cpr = referral_body(home)["payload"]["citizen"]["cpr"]
    ours = Settings(task_queue=task_queue, medcom_receivers="111111000016001, 222222000016002")
    app = create_app(ours, pool=db_pool, temporal=time_skipping_env.client)
    gateway = await as_token("medcom_gateway", sor_codes=[home.ward_sor])
    headers = {"Authorization": gateway.headers["Authorization"]}
    receiver = "Bundle.entry[MessageHeader].destination[0].receiver"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
    ) as configured:
        # The examples are addressed to 953741000016009: not one of ours.
        elsewhere = from_sender(with_cpr(as_new_message(example("a5e5")), cpr), home.ward_sor)
        answer = await configured.post(URL, json=elsewhere)
        assert answer.status_code == 422, answer.text
        assert answer.json()["reasons"][0].startswith(f"{receiver}: "), answer.json()
        addressed = as_new_message(
            json.loads(json.dumps(elsewhere).replace("953741000016009", "222222000016002"))
        )
        answer = await configured.post(URL, json=addressed)
        assert answer.json()["outcome"] == "ok", answer.text

    # Without configured receivers, a receiver must at least carry a SOR code.
    anonymous = from_sender(with_cpr(as_new_message(example("a5e5")), cpr), home.ward_sor)
    header = resource(anonymous, "MessageHeader")
    receiver_ref = header["destination"][0]["receiver"]["reference"]
    receiver_org = next(
        e["resource"]
        for e in anonymous["entry"]
        if f"Organization/{e['resource'].get('id')}" == receiver_ref
    )
    receiver_org["identifier"] = [
        i for i in receiver_org["identifier"] if i["system"] != SOR_SYSTEM
    ]
    header["destination"][0]["endpoint"] = "https://example.org/receiver"
    answer = await gateway.post(URL, json=anonymous)
    assert answer.status_code == 422, answer.text
    assert answer.json()["reasons"][0].startswith(f"{receiver}: required"), answer.json()
    for message in (elsewhere, anonymous):
        assert (await traces(db_pool, message))["medcom_messages"] == 0


def test_a_source_endpoint_naming_another_sor_code_than_the_sender_is_refused() -> None:
    bundle = example("a5e5")
    resource(bundle, "MessageHeader")["source"]["endpoint"] = "https://sor2.sum.dsdn.dk/#id=1234567"
    with pytest.raises(MedcomError) as refused:
        parse_hospital_notification(bundle)
    assert refused.value.field == "Bundle.entry[MessageHeader].source.endpoint"
    assert "MessageHeader.sender" in refused.value.reason
