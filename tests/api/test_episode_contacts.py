"""Contact data belongs to the episode that recorded it, and a citizen has one open episode:
another ward's referral for the same CPR number neither rewrites what the first ward sees nor
starts a second episode, however many arrive at once."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import httpx

from command.synthetic.roster import make_roster
from db.citizens import upsert_citizen
from db.pool import DatabasePool
from tests.api.bodies import event_body, new_cpr, referral_body
from tests.api.conftest import Caller
from tests.conftest import eventually

FIRST = {"name": "Første Borger", "phone": "+45 11112222", "email": "foerste@example.org"}
SECOND = {"name": "Anden Navn", "phone": "+45 99998888", "email": "anden@example.org"}


def referral_for(roster: Any, cpr: str, contact: dict[str, str]) -> dict[str, Any]:
    body = referral_body(roster)
    body["payload"]["citizen"] = {"cpr": cpr, **contact}
    return body


async def citizen_seen(client: httpx.AsyncClient, episode_id: str) -> dict[str, Any]:
    """The citizen block of the episode as the caller gets it, once the episode is there."""
    seen: dict[str, Any] = {}

    async def shown() -> bool:
        response = await client.get(f"/api/episodes/{episode_id}")
        if response.status_code != 200:
            return False
        seen.update(response.json()["citizen"] or {})
        return True

    await eventually(shown)
    return seen


async def phase_is(client: httpx.AsyncClient, episode_id: str, phase: str) -> bool:
    response = await client.get(f"/api/episodes/{episode_id}")
    return bool(response.status_code == 200 and response.json()["phase"] == phase)


async def counts(pool: DatabasePool, cpr: str) -> tuple[int, int]:
    """(episodes with contact rows, referrals recorded) for the citizen with this CPR."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM episode_contacts k WHERE k.citizen_id = c.citizen_id)"
            " AS contacts, (SELECT count(*) FROM events_received r"
            " WHERE r.citizen_id = c.citizen_id AND r.event_type = 'referral_created')"
            " AS referrals FROM citizens c WHERE c.cpr = $1",
            cpr,
        )
    return (row["contacts"], row["referrals"]) if row else (0, 0)


async def test_another_wards_referral_for_the_same_cpr_is_refused_and_changes_nothing(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    ward_a, ward_b = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=1)
    nurse_a, nurse_b = await as_user(ward_a.ward_nurse), await as_user(ward_b.ward_nurse)
    cpr = new_cpr()
    first = referral_for(ward_a, cpr, FIRST)
    answer = await nurse_a.post("/api/events", json=first)
    assert answer.status_code == 202, answer.text
    episode_id = answer.json()["episode_id"]
    assert await citizen_seen(nurse_a, episode_id) == FIRST

    attack = referral_for(ward_b, cpr, SECOND)
    refused = await nurse_b.post("/api/events", json=attack)
    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["errors"][0]["field"] == "payload.citizen.cpr"
    assert "already has an open episode" in error["detail"]
    assert cpr not in refused.text
    assert episode_id not in refused.text, "ward B is not told which episode (not theirs)"

    assert await citizen_seen(nurse_a, episode_id) == FIRST, "ward A still sees what it recorded"
    assert await counts(db_pool, cpr) == (1, 1), "no second episode, no second referral kept"
    async with db_pool.acquire() as conn:
        stored = await conn.fetchval(
            "SELECT count(*) FROM events_received WHERE event_id = $1", attack["event_id"]
        )
        leaked = await conn.fetchval(
            "SELECT count(*) FROM episode_contacts WHERE name = $1 OR phone = $2",
            SECOND["name"],
            SECOND["phone"],
        )
        audit = await conn.fetchrow(
            "SELECT actor_id, detail::text AS detail FROM audit_log"
            " WHERE action = 'referral.refused_open_episode' AND episode_id = $1",
            episode_id,
        )
    assert stored == 0
    assert leaked == 0
    assert audit is not None and audit["actor_id"] == ward_b.ward_nurse
    assert cpr not in audit["detail"]

    # Ward A's own second referral is refused too, and is told which episode is open.
    again = await nurse_a.post("/api/events", json=referral_for(ward_a, cpr, SECOND))
    assert again.status_code == 409
    assert episode_id in again.json()["detail"]
    # The same referral sent again is still the one episode (idempotent, not refused).
    repeat = await nurse_a.post("/api/events", json=first)
    assert repeat.status_code == 202
    assert repeat.json()["episode_id"] == episode_id
    assert await citizen_seen(nurse_a, episode_id) == FIRST


async def test_after_the_episode_ends_a_new_referral_keeps_its_own_contact_data(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    ward_a, ward_b = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=1)
    nurse_a, nurse_b = await as_user(ward_a.ward_nurse), await as_user(ward_b.ward_nurse)
    cpr = new_cpr()
    first = await nurse_a.post("/api/events", json=referral_for(ward_a, cpr, FIRST))
    episode_a = first.json()["episode_id"]
    await citizen_seen(nurse_a, episode_a)
    cancel = event_body(episode_a, "referral_cancelled", {"reason": "transferred"})
    assert (await nurse_a.post("/api/events", json=cancel)).status_code == 202
    await eventually(functools.partial(phase_is, nurse_a, episode_a, "cancelled"))

    second = await nurse_b.post("/api/events", json=referral_for(ward_b, cpr, SECOND))
    assert second.status_code == 202, second.text
    episode_b = second.json()["episode_id"]
    assert await citizen_seen(nurse_b, episode_b) == SECOND
    assert await citizen_seen(nurse_a, episode_a) == FIRST, "the ended episode keeps its record"
    assert await counts(db_pool, cpr) == (2, 2)


async def test_parallel_referrals_for_one_citizen_start_one_episode(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    rosters = [await make_roster(db_pool, peers=1) for _ in range(4)]
    nurses = [await as_user(r.ward_nurse) for r in rosters]
    for _ in range(3):
        cpr = new_cpr()
        async with db_pool.acquire() as conn:
            # Known already (as after a MedCom message or an ended episode), so nothing but
            # the lock on the citizen's row keeps the referrals apart.
            await upsert_citizen(conn, cpr=cpr)
        bodies = [referral_for(rosters[n % 4], cpr, {"name": f"Samtidig {n}"}) for n in range(8)]
        answers = await asyncio.gather(
            *(nurses[n % 4].post("/api/events", json=body) for n, body in enumerate(bodies))
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [202] + [409] * 7, [a.text for a in answers]
        assert await counts(db_pool, cpr) == (1, 1)
        started = {a.json()["episode_id"] for a in answers if a.status_code == 202}
        await eventually(functools.partial(read_model_holds, db_pool, cpr, started))


async def read_model_holds(pool: DatabasePool, cpr: str, episode_ids: set[str]) -> bool:
    """The read model's episodes of the citizen are exactly these."""
    async with pool.acquire() as conn:
        found = await conn.fetch(
            "SELECT e.episode_id FROM episodes e JOIN citizens c USING (citizen_id)"
            " WHERE c.cpr = $1",
            cpr,
        )
    return {r["episode_id"] for r in found} == episode_ids


async def test_a_correction_changes_only_its_episode_and_is_audited_without_the_values(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    ward_a, ward_b = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=1)
    nurse_a, nurse_b = await as_user(ward_a.ward_nurse), await as_user(ward_b.ward_nurse)
    peer = await as_user(ward_a.peers[0])
    answer = await nurse_a.post("/api/events", json=referral_for(ward_a, new_cpr(), FIRST))
    episode_id = answer.json()["episode_id"]
    await citizen_seen(nurse_a, episode_id)
    corrected = {**FIRST, "phone": "+45 33334444"}
    where = f"/api/episodes/{episode_id}/citizen"

    assert (await nurse_b.put(where, json=corrected)).status_code == 404, "not ward B's"
    assert (await peer.put(where, json=corrected)).status_code == 404, "not the peer's yet"
    bad = await nurse_a.put(where, json={**FIRST, "phone": "call me"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "phone"
    assert await citizen_seen(nurse_a, episode_id) == FIRST, "refusals change nothing"

    done = await nurse_a.put(where, json=corrected)
    assert done.status_code == 200, done.text
    assert await citizen_seen(nurse_a, episode_id) == corrected
    async with db_pool.acquire() as conn:
        audit = await conn.fetchrow(
            "SELECT actor_id, detail, row_to_json(a)::text AS everything FROM audit_log a"
            " WHERE action = 'citizen.contact_corrected' AND episode_id = $1",
            episode_id,
        )
    assert audit is not None
    assert audit["actor_id"] == ward_a.ward_nurse
    assert audit["detail"] == '{"fields": ["phone"]}'
    for value in (*FIRST.values(), corrected["phone"]):
        assert value not in audit["everything"], "the audit names fields, never values"
