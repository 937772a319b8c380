"""A hospital fact's identity is its stay's (issue 16): MessageHeader ids reused across stays
and across citizens, as MedCom's own test set reuses them, never hide or move another stay's
fact; a repeat is the same Bundle.id and MessageHeader.id; a message that collides with
another is kept, acknowledged `ok` and listed for an operator; an admission to a somatic ward
carries psychiatric=False."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from command.synthetic.roster import Roster, make_roster
from db.medcom import messages_needing_a_look
from db.pool import DatabasePool
from tests.api.conftest import Caller, TokenCaller
from tests.api.test_medcom_api import URL, as_new_message, from_sender, with_cpr
from tests.api.test_medcom_senders import refer
from tests.medcom.bundles import example, header_id, resource
from tests.medcom.received import Recorded, events_under_header, listed_for_an_operator

# What the examples share: the admission (STIN, STAA) their revisions point to, and the
# hospital's local episode-of-care id of the one stay they all speak about.
STIN_HEADER = "b9b4818e-02de-4cc4-b418-d20cbc7b5404"
STAA_HEADER = "i50fc5fe-2d11-4ef3-acac-2e2e5c6c0029"
EXAMPLE_STAY = "bd481c38-a921-11ed-afa1-0242ac120002"


def message(
    prefix: str,
    cpr: str,
    sender_sor: str,
    *,
    header: str | None = None,
    stay: str | None = None,
    earlier: str | None = None,
) -> dict[str, Any]:
    """A MedCom example as a new message for this citizen from this sender, optionally under a
    given MessageHeader.id, about another stay (its episode-of-care id), and for a revision or
    cancellation, pointing at another earlier MessageHeader than the example's admission."""
    bundle = from_sender(with_cpr(as_new_message(example(prefix)), cpr), sender_sor)
    text = json.dumps(bundle)
    if header is not None:
        text = text.replace(header_id(bundle), header)
    if stay is not None:
        text = text.replace(EXAMPLE_STAY, stay)
    if earlier is not None:
        text = text.replace(STIN_HEADER, earlier).replace(STAA_HEADER, earlier)
    changed: dict[str, Any] = json.loads(text)
    return changed


def later(bundle: dict[str, Any], start: str) -> dict[str, Any]:
    resource(bundle, "Encounter")["period"]["start"] = start
    return bundle


async def applied(pool: DatabasePool, header: str, count: int) -> list[Recorded]:
    """The events recorded under the header, once `count` of them are in the read model."""
    for _ in range(400):
        events = await events_under_header(pool, header)
        if len(events) >= count and all(e.status == "applied" for e in events):
            return events
        await asyncio.sleep(0.05)
    raise AssertionError(f"not applied: {await events_under_header(pool, header)}")


async def timeline_kinds(pool: DatabasePool, episode_id: str) -> list[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT kind FROM timeline WHERE episode_id = $1 ORDER BY at, entry_id", episode_id
        )
    return [r["kind"] for r in rows]


async def until_timeline(pool: DatabasePool, episode_id: str, kind: str, count: int) -> None:
    for _ in range(400):
        if (await timeline_kinds(pool, episode_id)).count(kind) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{kind} x{count} never on {await timeline_kinds(pool, episode_id)}")


async def send(gateway: Any, bundle: dict[str, Any]) -> None:
    answer = await gateway.post(URL, json=bundle)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "ok", answer.text
    assert answer.json()["bundle_id"] == bundle["id"]


async def gateway_of(as_token: TokenCaller, roster: Roster) -> Any:
    return await as_token("medcom_gateway", sor_codes=[roster.ward_sor])


async def test_a_header_id_reused_for_two_stays_of_one_citizen_is_two_facts_and_a_cancel_hits_one(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, cpr = await refer(as_user, db_pool, roster)
    gateway = await gateway_of(as_token, roster)
    header = str(uuid.uuid4())
    stay_a, stay_b = str(uuid.uuid4()), str(uuid.uuid4())
    first = message("a5e5", cpr, roster.ward_sor, header=header, stay=stay_a)
    second = later(
        message("a5e5", cpr, roster.ward_sor, header=header, stay=stay_b),
        "2022-12-20T08:00:00+01:00",
    )

    await send(gateway, first)
    await send(gateway, second)

    events = await applied(db_pool, header, 2)
    assert len({e.event_id for e in events}) == 2, "each stay's admission is a fact of its own"
    assert {e.episode_id for e in events} == {episode_id}
    await until_timeline(db_pool, episode_id, "admitted", 2)
    first_event = next(e for e in events if e.body and "2022-12-07" in e.body)

    # The stay A cancellation (MedCom's AN_STIN) names the reused header: only A's fact goes.
    cancel = message("c836", cpr, roster.ward_sor, stay=stay_a, earlier=header)
    await send(gateway, cancel)
    (cancelled,) = await applied(db_pool, header_id(cancel), 1)
    assert cancelled.payload["target_event_id"] == first_event.event_id
    await until_timeline(db_pool, episode_id, "correction", 1)
    assert (await timeline_kinds(db_pool, episode_id)).count("correction") == 1
    for bundle in (first, second, cancel):
        assert await listed_for_an_operator(db_pool, bundle["id"]) == []


async def test_a_header_id_reused_by_another_citizen_reaches_that_citizens_own_episode(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2)
    first_episode, first_cpr = await refer(as_user, db_pool, roster)
    second_episode, second_cpr = await refer(as_user, db_pool, roster)
    gateway = await gateway_of(as_token, roster)
    header = str(uuid.uuid4())
    # The same stay id too, as MedCom's examples share one: the citizen tells them apart.
    for cpr in (first_cpr, second_cpr):
        await send(gateway, message("a5e5", cpr, roster.ward_sor, header=header))
    # The first citizen's leave and the second citizen's death share a header id too.
    shared = str(uuid.uuid4())
    await send(gateway, message("d312", first_cpr, roster.ward_sor, header=shared))

    events = await applied(db_pool, header, 2)
    assert sorted(e.episode_id or "" for e in events) == sorted([first_episode, second_episode])
    for episode_id in (first_episode, second_episode):
        await until_timeline(db_pool, episode_id, "admitted", 1)
    assert all(first_cpr not in e.event_id and second_cpr not in e.event_id for e in events)

    await applied(db_pool, shared, 1)
    await send(gateway, message("g099", second_cpr, roster.ward_sor, header=shared))
    async with db_pool.acquire() as conn:
        for _ in range(400):
            phases = {
                r["episode_id"]: r["phase"]
                for r in await conn.fetch(
                    "SELECT episode_id, phase FROM episodes WHERE episode_id = ANY($1::text[])",
                    [first_episode, second_episode],
                )
            }
            if phases[second_episode] == "deceased":
                break
            await asyncio.sleep(0.05)
    assert phases[second_episode] == "deceased"
    assert phases[first_episode] != "deceased"
    assert "leave_started" in await timeline_kinds(db_pool, first_episode)


async def test_an_exact_repeat_is_acknowledged_ok_and_applied_once(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, cpr = await refer(as_user, db_pool, roster)
    gateway = await gateway_of(as_token, roster)
    admission = message("a5e5", cpr, roster.ward_sor)

    await send(gateway, admission)
    await send(gateway, admission)
    await applied(db_pool, header_id(admission), 1)
    await send(gateway, admission)

    assert len(await events_under_header(db_pool, header_id(admission))) == 1
    await until_timeline(db_pool, episode_id, "admitted", 1)
    assert (await timeline_kinds(db_pool, episode_id)).count("admitted") == 1
    assert await listed_for_an_operator(db_pool, admission["id"]) == []


async def test_a_repeat_of_a_transmission_with_other_content_is_kept_acknowledged_and_listed(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2)
    first_episode, first_cpr = await refer(as_user, db_pool, roster)
    second_episode, second_cpr = await refer(as_user, db_pool, roster)
    gateway = await gateway_of(as_token, roster)
    admission = message("a5e5", first_cpr, roster.ward_sor)
    # Same Bundle.id and MessageHeader.id, another citizen: not a repeat, a collision.
    colliding = with_cpr(json.loads(json.dumps(admission)), second_cpr)

    await send(gateway, admission)
    await send(gateway, colliding)
    await send(gateway, colliding)

    (event,) = await applied(db_pool, header_id(admission), 1)
    assert event.episode_id == first_episode
    assert await listed_for_an_operator(db_pool, admission["id"]) == ["collision"]
    async with db_pool.acquire() as conn:
        kept = await conn.fetchrow(
            "SELECT row_to_json(a)::text AS row FROM medcom_attention a WHERE bundle_id = $1",
            admission["id"],
        )
        listed = await messages_needing_a_look(conn, limit=1000)
    assert kept is not None
    assert first_cpr not in kept["row"] and second_cpr not in kept["row"]
    (shown,) = [m for m in listed if m.bundle_id == admission["id"]]
    assert (shown.reason, shown.sender_sor, shown.activity, shown.message_header_id) == (
        "collision",
        roster.ward_sor,
        "admit-inpatient",
        header_id(admission),
    )
    await asyncio.sleep(0.3)
    assert "admitted" not in await timeline_kinds(db_pool, second_episode)


async def test_a_header_id_used_again_in_the_same_stay_with_other_content_is_kept_and_listed(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, cpr = await refer(as_user, db_pool, roster)
    gateway = await gateway_of(as_token, roster)
    admission = message("a5e5", cpr, roster.ward_sor)
    # A new Bundle.id under the same MessageHeader.id in the same stay, saying another time.
    other = later(json.loads(json.dumps(admission)), "2022-12-08T08:00:00+01:00")
    other["id"] = str(uuid.uuid4())
    resent = json.loads(json.dumps(admission))
    resent["id"] = str(uuid.uuid4())

    await send(gateway, admission)
    await send(gateway, other)
    await send(gateway, resent)

    assert len(await applied(db_pool, header_id(admission), 1)) == 1
    assert await listed_for_an_operator(db_pool, other["id"]) == ["header_reused_in_stay"]
    assert await listed_for_an_operator(db_pool, resent["id"]) == [], "same content: a resend"
    async with db_pool.acquire() as conn:
        status = await conn.fetchval(
            "SELECT status FROM medcom_messages WHERE bundle_id = $1", other["id"]
        )
    assert status == "collision"
    await until_timeline(db_pool, episode_id, "admitted", 1)
    assert (await timeline_kinds(db_pool, episode_id)).count("admitted") == 1


async def test_a_cancel_of_a_message_we_do_not_have_for_the_stay_touches_no_other_stay(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    episode_id, cpr = await refer(as_user, db_pool, roster)
    gateway = await gateway_of(as_token, roster)
    header = str(uuid.uuid4())
    stay_a, stay_b = str(uuid.uuid4()), str(uuid.uuid4())
    await send(gateway, message("a5e5", cpr, roster.ward_sor, header=header, stay=stay_a))
    await applied(db_pool, header, 1)

    # Stay B's cancellation arrives before stay B's admission.
    cancel = message("c836", cpr, roster.ward_sor, stay=stay_b, earlier=header)
    await send(gateway, cancel)

    assert await listed_for_an_operator(db_pool, cancel["id"]) == ["target_not_found"]
    (held,) = await applied(db_pool, header_id(cancel), 1)
    (stay_a_admission,) = await events_under_header(db_pool, header)
    assert held.payload["target_event_id"] != stay_a_admission.event_id
    await asyncio.sleep(0.3)
    assert "correction" not in await timeline_kinds(db_pool, episode_id), "A stays admitted"

    # Stay B's admission arrives: the held cancellation applies to it, the listing resolves.
    await send(gateway, message("a5e5", cpr, roster.ward_sor, header=header, stay=stay_b))
    events = await applied(db_pool, header, 2)
    assert held.payload["target_event_id"] in {e.event_id for e in events}
    await until_timeline(db_pool, episode_id, "correction", 1)
    async with db_pool.acquire() as conn:
        open_listings = await messages_needing_a_look(conn, limit=1000)
    assert cancel["id"] not in {m.bundle_id for m in open_listings}


async def test_a_revision_of_a_message_kept_before_stays_were_told_apart_finds_it_by_sender(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster, elsewhere = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=0)
    _, cpr = await refer(as_user, db_pool, roster)
    gateway = await gateway_of(as_token, roster)
    header = str(uuid.uuid4())
    # A row as the intake kept it before migration 0012: no stay, no event id, no digest.
    async with db_pool.acquire() as conn:
        citizen_id = await conn.fetchval("SELECT citizen_id FROM citizens WHERE cpr = $1", cpr)
        for sender, bundle_id in ((roster.ward_sor, "old-1"), (elsewhere.ward_sor, "old-2")):
            await conn.execute(
                "INSERT INTO medcom_messages (bundle_id, message_header_id, citizen_id, activity,"
                " status, sender_sor) VALUES ($1, $2, $3, 'admit-inpatient', 'applied', $4)",
                f"{bundle_id}-{header}",
                header if sender == roster.ward_sor else f"{header}-x",
                citizen_id,
                sender,
            )

    revision = message("bfab", cpr, roster.ward_sor, earlier=header)
    await send(gateway, revision)
    (revised,) = await applied(db_pool, header_id(revision), 1)
    assert revised.payload["target_event_id"] == f"medcom:{header}"
    assert await listed_for_an_operator(db_pool, revision["id"]) == []

    # The other hospital's old row does not count for this sender.
    other = message("bfab", cpr, roster.ward_sor, earlier=f"{header}-x")
    await send(gateway, other)
    assert await listed_for_an_operator(db_pool, other["id"]) == ["target_not_found"]


async def test_medcoms_legacy_revision_finds_the_emergency_start_under_its_other_stay_id(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    """STAA names the stay by the hospital's local id, the 2.0.0 RE_STAA by its LPR3 id:
    different systems do not contradict, so the revision finds the start."""
    roster = await make_roster(db_pool, peers=1)
    _, cpr = await refer(as_user, db_pool, roster)
    gateway = await gateway_of(as_token, roster)
    header = str(uuid.uuid4())
    start = message("h1c8", cpr, roster.ward_sor, header=header)
    revision = message("i3c2", cpr, roster.ward_sor, earlier=header)

    await send(gateway, start)
    await send(gateway, revision)

    (started,) = await applied(db_pool, header, 1)
    (revised,) = await applied(db_pool, header_id(revision), 1)
    assert revised.payload["target_event_id"] == started.event_id
    assert await listed_for_an_operator(db_pool, revision["id"]) == []


async def test_an_admission_to_a_somatic_ward_carries_psychiatric_false(
    as_user: Caller, as_token: TokenCaller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    somatic_sor = str(uuid.uuid4().int)[:15]
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO wards (ward_id, name, organisation_id, sor_code, psychiatric)"
            " VALUES ($1, 'Somatic ward', $2, $3, false)",
            f"{roster.ward_id}-somatic",
            roster.organisation_id,
            somatic_sor,
        )
    _, cpr = await refer(as_user, db_pool, roster)
    region = await as_token("medcom_gateway", organisations=[roster.organisation_id])
    somatic = message("a5e5", cpr, somatic_sor)
    psychiatric = message("a5e5", cpr, roster.ward_sor)

    await send(region, somatic)
    await send(region, psychiatric)

    (somatic_admission,) = await applied(db_pool, header_id(somatic), 1)
    (psychiatric_admission,) = await applied(db_pool, header_id(psychiatric), 1)
    assert somatic_admission.payload["psychiatric"] is False
    assert psychiatric_admission.payload["psychiatric"] is True
