"""Replies from the municipality: a CareCommunication answering one we sent is taken once,
acknowledged, and shown on the episode's timeline with its text to those who may read it (each
read audited); refused, never 500, when it answers nothing we sent, comes from anyone but the
municipality we wrote to, or is malformed; its text goes with the citizen."""

from __future__ import annotations

import copy
import functools
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from activities.care_communication.bundle import (
    BuiltBundle,
    CareCommunicationContent,
    Citizen,
    Party,
    build_care_communication,
)
from api.medcom.acknowledgement_bundle import MEDIA_TYPE
from command.synthetic.roster import Roster, make_roster
from db.erasure import erase
from db.medcom_outbox import prepare
from db.medcom_replies import episode_replies
from db.pool import DatabasePool
from tests.api.bodies import referral_body
from tests.api.conftest import Caller, TokenCaller, api_app, as_token, as_user  # noqa: F401
from tests.api.steps import matched, referred, shown
from tests.conftest import eventually
from tests.medcom.fake_municipality import reply_to

URL = "/api/medcom/care-communications"
FHIR = {"Accept": MEDIA_TYPE}
REPLY = "Vi har modtaget udskrivningen.\nBorgeren får bostøtte fra mandag."

Json = dict[str, Any]


@dataclass(frozen=True)
class Scene:
    roster: Roster
    episode_id: str
    cpr: str
    municipality_sor: str
    municipality_org: str
    sent: BuiltBundle
    gateway: httpx.AsyncClient


async def municipality_with_sor(db_pool: DatabasePool, roster: Roster) -> tuple[str, str]:
    """The roster's municipality gets a SOR code and an organisation a token can be bound to."""
    sor = str(10**14 + secrets.randbelow(9 * 10**14))
    org = f"org-kommune-{uuid.uuid4().hex[:12]}"
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO organisations (organisation_id, name, kind)"
            " VALUES ($1, 'Testkommune', 'municipality')",
            org,
        )
        await conn.execute(
            "UPDATE municipalities SET sor_code = $1, organisation_id = $2"
            " WHERE municipality_code = $3",
            sor,
            org,
            roster.municipality_code,
        )
    return sor, org


async def sent_message(
    db_pool: DatabasePool, roster: Roster, episode_id: str, cpr: str, municipality_sor: str
) -> BuiltBundle:
    """The CareCommunication the episode sent its municipality, and its outbox row as the
    sender leaves it."""
    message_id = f"{episode_id}-cc9"  # not one the episode numbers its own messages with
    sent = build_care_communication(
        CareCommunicationContent(
            message_id=message_id,
            sender=Party(sor=roster.ward_sor, name="Psykiatrisk afsnit"),
            receiver=Party(sor=municipality_sor, name="Testkommune"),
            citizen=Citizen(cpr=cpr, family="Borger", given=("Testa",)),
            category="psychiatry-social-disability",
            topic="Udskrivning",
            text="Borgeren udskrives i dag og følges af en peer-medarbejder.",
            written_at=datetime.now(UTC).replace(microsecond=0),
        )
    )
    async with db_pool.acquire() as conn:
        await prepare(
            conn,
            message_id=message_id,
            episode_id=episode_id,
            kind="discharge",
            bundle_id=sent.bundle_id,
            message_header_id=sent.message_header_id,
            receiver_sor=municipality_sor,
        )
    return sent


async def scene(db_pool: DatabasePool, as_user: Caller, as_token: TokenCaller) -> Scene:  # noqa: F811
    """An episode, the CareCommunication we sent its municipality (the outbox row as the
    sender leaves it), and the municipality's gateway token."""
    roster = await make_roster(db_pool, peers=1)
    sor, org = await municipality_with_sor(db_pool, roster)
    body = referral_body(roster)
    cpr = body["payload"]["citizen"]["cpr"]
    episode_id = await referred(await as_user(roster.ward_nurse), body)
    sent = await sent_message(db_pool, roster, episode_id, cpr, sor)
    gateway = await as_token("medcom_gateway", organisations=[org])
    return Scene(roster, episode_id, cpr, sor, org, sent, gateway)


def resources(bundle: Json, resource_type: str) -> list[Json]:
    return [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type
    ]


def header(bundle: Json) -> Json:
    (found,) = resources(bundle, "MessageHeader")
    return found


def new_text_segment(bundle: Json) -> Json:
    segment: Json = resources(bundle, "Communication")[0]["payload"][-1]
    return segment


def org_of(bundle: Json, reference: str) -> Json:
    org_id = reference.rsplit("/", 1)[-1]
    return next(o for o in resources(bundle, "Organization") if o["id"] == org_id)


def with_sender_sor(bundle: Json, sor: str) -> Json:
    changed = copy.deepcopy(bundle)
    sender = org_of(changed, header(changed)["sender"]["reference"])
    for identifier in sender["identifier"]:
        if identifier["system"] == "urn:oid:1.2.208.176.1.1":
            identifier["value"] = sor
    header(changed)["source"]["endpoint"] = f"https://sor2.sum.dsdn.dk/#id={sor}"
    return changed


async def timeline_of(client: httpx.AsyncClient, episode_id: str) -> list[Json]:
    response = await client.get(f"/api/episodes/{episode_id}")
    assert response.status_code == 200, response.text
    lines: list[Json] = response.json()["timeline"]
    return [line for line in lines if line["kind"] == "municipality_reply"]


async def audit_actions(db_pool: DatabasePool, episode_id: str, action: str) -> list[Json]:
    async with db_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT actor_role, reason, detail FROM audit_log"
            " WHERE episode_id = $1 AND action = $2 ORDER BY audit_no",
            episode_id,
            action,
        )
    return [{**dict(r), "detail": json.loads(r["detail"])} for r in rows]


async def test_a_reply_is_stored_once_acknowledged_and_shown_to_the_coordinator_with_its_text(
    db_pool: DatabasePool,
    as_user: Caller,  # noqa: F811
    as_token: TokenCaller,  # noqa: F811
) -> None:
    s = await scene(db_pool, as_user, as_token)
    reply = reply_to(s.sent.body, REPLY)

    answer = await s.gateway.post(URL, json=reply, headers=FHIR)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(MEDIA_TYPE)
    ack = header(answer.json())
    assert ack["response"] == {"identifier": header(reply)["id"], "code": "ok"}
    assert ack["destination"][0]["endpoint"] == header(reply)["source"]["endpoint"]
    assert s.cpr not in answer.text and "bostøtte" not in answer.text

    again = await s.gateway.post(URL, json=reply)
    assert again.status_code == 200
    assert again.json()["outcome"] == "ok", "a repeat is acknowledged"
    async with db_pool.acquire() as conn:
        (stored,) = await episode_replies(conn, s.episode_id)
    assert stored.text == REPLY and stored.replied_to_header == s.sent.message_header_id
    assert stored.sender_sor == s.municipality_sor
    assert stored.category == "psychiatry-social-disability" and stored.topic == "Udskrivning"

    coordinator = await as_user(s.roster.coordinator)
    (line,) = await timeline_of(coordinator, s.episode_id)
    assert line["text"] == REPLY and line["topic"] == "Udskrivning"
    assert line["summary"] == "The municipality replied (psychiatry-social-disability)"
    assert line["params"] == {"category": "psychiatry-social-disability"}
    ward = await as_user(s.roster.ward_nurse)
    (ward_line,) = await timeline_of(ward, s.episode_id)
    assert ward_line["text"] == REPLY, "the reply is addressed to the ward"
    reads = await audit_actions(db_pool, s.episode_id, "read.medcom_replies")
    assert [(r["actor_role"], r["detail"]) for r in reads] == [
        ("coordinator", {"replies": 1}),
        ("ward", {"replies": 1}),
    ]
    assert all(REPLY not in json.dumps(r) for r in reads)


async def test_others_see_only_that_the_municipality_replied_and_a_caseworker_not_at_all(
    db_pool: DatabasePool,
    as_user: Caller,  # noqa: F811
    as_token: TokenCaller,  # noqa: F811
) -> None:
    s = await scene(db_pool, as_user, as_token)
    answer = await s.gateway.post(URL, json=reply_to(s.sent.body, REPLY))
    assert answer.status_code == 200, answer.text

    integration = await as_token("integration", organisations=[s.roster.organisation_id])
    (line,) = await timeline_of(integration, s.episode_id)
    assert line["summary"] == "The municipality replied"
    assert line["text"] is None and line["topic"] is None and line["params"] == {}
    assert REPLY not in json.dumps(line)

    caseworker = await as_user(s.roster.caseworkers["social_services"])
    view = await caseworker.get(f"/api/episodes/{s.episode_id}")
    assert view.status_code == 200, view.text
    assert "bostøtte" not in view.text and "municipality_reply" not in view.text
    reads = await audit_actions(db_pool, s.episode_id, "read.medcom_replies")
    assert reads == [], "nobody read the text"


async def test_a_reply_to_a_message_we_never_sent_is_refused(
    db_pool: DatabasePool,
    as_user: Caller,  # noqa: F811
    as_token: TokenCaller,  # noqa: F811
) -> None:
    s = await scene(db_pool, as_user, as_token)
    reply = reply_to(s.sent.body, REPLY)
    provenance = next(
        p
        for p in resources(reply, "Provenance")
        if p["activity"]["coding"][0]["code"] == "reply-message"
    )
    for entity in provenance["entity"]:
        if entity["role"] == "revision":
            entity["what"]["reference"] = f"MessageHeader/{uuid.uuid4()}"

    answer = await s.gateway.post(URL, json=reply)
    assert answer.status_code == 422
    assert answer.json()["reasons"] == [
        "Bundle.entry[Provenance].entity[revision]: refers to an unknown message"
    ]
    fhir = await s.gateway.post(URL, json=reply, headers=FHIR)
    assert header(fhir.json())["response"]["code"] == "fatal-error"
    async with db_pool.acquire() as conn:
        assert await episode_replies(conn, s.episode_id) == []


async def test_a_reply_from_another_sender_or_token_is_refused_and_audited(
    db_pool: DatabasePool,
    as_user: Caller,  # noqa: F811
    as_token: TokenCaller,  # noqa: F811
) -> None:
    s = await scene(db_pool, as_user, as_token)
    reply = reply_to(s.sent.body, REPLY)

    elsewhere = await make_roster(db_pool, peers=0)
    other_sor, other_org = await municipality_with_sor(db_pool, elsewhere)
    other_gateway = await as_token("medcom_gateway", organisations=[other_org])
    foreign = await other_gateway.post(URL, json=with_sender_sor(reply, other_sor))
    assert foreign.status_code == 422
    assert foreign.json()["reasons"] == [
        "Bundle.entry[MessageHeader].sender: not the municipality the message replied to was"
        " sent to"
    ]

    ward_token = await as_token("medcom_gateway", sor_codes=[s.roster.ward_sor])
    unbound = await ward_token.post(URL, json=reply)
    assert unbound.status_code == 422
    assert unbound.json()["reasons"] == [
        "Bundle.entry[MessageHeader].sender: this token may not send for this sender's SOR code"
    ]

    refusals = await audit_actions(db_pool, s.episode_id, "medcom_refused")
    assert [r["detail"]["sender_sor"] for r in refusals] == [other_sor, s.municipality_sor]
    assert {r["reason"] for r in refusals} == {"Bundle.entry[MessageHeader].sender"}
    assert all(REPLY not in json.dumps(r) and s.cpr not in json.dumps(r) for r in refusals)
    async with db_pool.acquire() as conn:
        assert await episode_replies(conn, s.episode_id) == []

    assert (await s.gateway.post(URL, json=reply)).status_code == 200, "the right one is taken"


async def test_malformed_replies_are_refused_naming_the_element_never_500(
    db_pool: DatabasePool,
    as_user: Caller,  # noqa: F811
    as_token: TokenCaller,  # noqa: F811
) -> None:
    s = await scene(db_pool, as_user, as_token)
    reply = reply_to(s.sent.body, REPLY)
    text_path = "Bundle.entry[Communication].payload[1].contentString"

    def raw_with_text(text: str) -> bytes:
        return json.dumps(reply).replace(json.dumps(REPLY)[1:-1], text).encode()

    another_citizen = copy.deepcopy(reply)
    (patient,) = resources(another_citizen, "Patient")
    patient["identifier"][0]["value"] = "0101011234" if s.cpr != "0101011234" else "0202021234"
    new_message = copy.deepcopy(s.sent.body)
    cases: list[tuple[bytes, int, str]] = [
        (raw_with_text("nul \\u0000 here"), 422, text_path),
        (raw_with_text("lone \\ud800 surrogate"), 422, text_path),
        (raw_with_text("x" * 100_001), 422, text_path),
        (b"{" * 5000, 422, "Bundle"),
        (b"not json", 422, "Bundle"),
        (json.dumps(another_citizen).encode(), 422, "Bundle.entry[Patient].identifier"),
        (json.dumps(new_message).encode(), 422, "Bundle.entry[Provenance].activity"),
    ]
    for body, status, field in cases:
        answer = await s.gateway.post(
            URL, content=body, headers={"content-type": "application/json"}
        )
        assert answer.status_code == status, (field, answer.text)
        assert answer.json()["outcome"] == "fatal-error"
        assert answer.json()["reasons"][0].startswith(field + ":"), answer.json()
        assert s.cpr not in answer.text
        fhir = await s.gateway.post(
            URL, content=body, headers={"content-type": "application/json", **FHIR}
        )
        assert fhir.status_code == status, (field, fhir.text)
    huge = await s.gateway.post(
        URL, content=b" " * 2_000_001, headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413
    async with db_pool.acquire() as conn:
        assert await episode_replies(conn, s.episode_id) == []


async def test_erasing_the_citizen_erases_what_the_municipality_wrote(
    db_pool: DatabasePool,
    as_user: Caller,  # noqa: F811
    as_token: TokenCaller,  # noqa: F811
) -> None:
    s = await scene(db_pool, as_user, as_token)
    reply = reply_to(s.sent.body, REPLY)
    assert (await s.gateway.post(URL, json=reply)).status_code == 200
    async with db_pool.acquire() as conn:
        citizen_id = await conn.fetchval(
            "SELECT citizen_id FROM episodes WHERE episode_id = $1", s.episode_id
        )
        await erase(
            conn,
            citizen_id=citizen_id,
            episode_ids=[s.episode_id],
            actor_role="operator",
            actor_id=f"dpo-{uuid.uuid4().hex[:6]}",
        )
        (kept,) = await episode_replies(conn, s.episode_id)
    assert kept.text == "" and kept.topic == ""
    assert kept.message_header_id == header(reply)["id"], "the ids stay"
    coordinator = await as_user(s.roster.coordinator)
    (line,) = await timeline_of(coordinator, s.episode_id)
    assert not line["text"] and "bostøtte" not in json.dumps(line)
    again = await s.gateway.post(URL, json=reply)
    assert again.status_code == 200, "a repeat is still recognised by its ids"
    async with db_pool.acquire() as conn:
        assert len(await episode_replies(conn, s.episode_id)) == 1


async def test_the_assigned_peer_reads_the_reply_as_they_read_notes(
    db_pool: DatabasePool,
    as_user: Caller,  # noqa: F811
    as_token: TokenCaller,  # noqa: F811
) -> None:
    roster = await make_roster(db_pool, peers=1)
    sor, org = await municipality_with_sor(db_pool, roster)
    body = referral_body(roster)
    peer = await as_user(roster.peers[0])
    episode_id = await matched(await as_user(roster.ward_nurse), peer, body)
    await eventually(functools.partial(shown, peer, episode_id))
    sent = await sent_message(db_pool, roster, episode_id, body["payload"]["citizen"]["cpr"], sor)
    gateway = await as_token("medcom_gateway", organisations=[org])
    assert (await gateway.post(URL, json=reply_to(sent.body, REPLY))).status_code == 200

    (line,) = await timeline_of(peer, episode_id)
    assert line["text"] == REPLY
    reads = await audit_actions(db_pool, episode_id, "read.medcom_replies")
    assert [r["actor_role"] for r in reads] == ["peer"]
