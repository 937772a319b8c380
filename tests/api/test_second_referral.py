"""One open episode per citizen and programme: a second referral in the same programme is
refused naming the open episode, one in another programme starts, and an explicit transfer
cancels the first episode before the second starts, however many arrive at once and even if
the API stops in between."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from api.dependencies import services_of
from api.errors import ApiError
from api.intake import EventIntake
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from tests.api.bodies import new_cpr, referral_body
from tests.api.conftest import Caller
from tests.api.steps import referred, shown
from tests.api.test_episode_contacts import phase_is
from tests.conftest import eventually

OTHER_PROGRAMME = "bro-til-hverdagslivet"


def referral_for(roster: Any, cpr: str, **payload: Any) -> dict[str, Any]:
    body = referral_body(roster, **payload)
    body["payload"]["citizen"]["cpr"] = cpr
    return body


async def open_episodes(pool: DatabasePool, cpr: str) -> dict[str, str]:
    """programme by episode id of the citizen's episodes in the read model that have not ended."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT e.episode_id, e.programme FROM episodes e JOIN citizens c USING (citizen_id)"
            " WHERE c.cpr = $1 AND e.phase NOT IN ('closed', 'withdrawn', 'cancelled', 'deceased')",
            cpr,
        )
    return {r["episode_id"]: r["programme"] for r in rows}


async def stored(pool: DatabasePool, event_id: str) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM events_received WHERE event_id = $1", event_id
        )
    return count


async def test_a_second_referral_in_the_same_programme_is_409_naming_the_open_episode(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    nurse = await as_user(roster.ward_nurse)
    cpr = new_cpr()
    first = await referred(nurse, referral_for(roster, cpr))

    second = referral_for(roster, cpr)
    refused = await nurse.post("/api/events", json=second)

    assert refused.status_code == 409, refused.text
    error = refused.json()
    assert error["errors"][0]["field"] == "payload.citizen.cpr"
    assert first in error["detail"], "the caller sees the episode, so it is named"
    assert "transfer_from_episode_id" in error["detail"], "and told how to replace it"
    assert cpr not in refused.text
    assert await stored(db_pool, second["event_id"]) == 0
    assert await open_episodes(db_pool, cpr) == {first: "peer-guide-sind"}


async def test_a_referral_in_another_programme_starts_a_second_episode(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    nurse = await as_user(roster.ward_nurse)
    cpr = new_cpr()
    first = await referred(nurse, referral_for(roster, cpr))

    other = await referred(nurse, referral_for(roster, cpr, programme=OTHER_PROGRAMME))

    assert other != first
    assert await open_episodes(db_pool, cpr) == {
        first: "peer-guide-sind",
        other: OTHER_PROGRAMME,
    }
    # Each programme still has its one open episode.
    again = await nurse.post(
        "/api/events", json=referral_for(roster, cpr, programme=OTHER_PROGRAMME)
    )
    assert again.status_code == 409
    assert other in again.json()["detail"] and first not in again.json()["detail"]


async def test_a_transfer_cancels_the_first_episode_and_starts_the_second(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    nurse = await as_user(roster.ward_nurse)
    cpr = new_cpr()
    first = await referred(nurse, referral_for(roster, cpr))

    transfer = referral_for(roster, cpr, transfer_from_episode_id=first)
    answer = await nurse.post("/api/events", json=transfer)

    assert answer.status_code == 202, answer.text
    second = answer.json()["episode_id"]
    # The first episode took its cancellation (committed) before the second started; its
    # phase says so once its process has finished the step it was in.
    async with db_pool.acquire() as conn:
        taken = await conn.fetchval(
            "SELECT status FROM events_received WHERE event_id = $1", f"transfer:{second}"
        )
    assert taken == "applied"
    await eventually(functools.partial(phase_is, nurse, first, "cancelled"))
    await eventually(functools.partial(shown, nurse, second))
    assert await open_episodes(db_pool, cpr) == {second: "peer-guide-sind"}
    async with db_pool.acquire() as conn:
        cancellation = await conn.fetchrow(
            "SELECT status, body FROM events_received WHERE episode_id = $1"
            " AND event_type = 'referral_cancelled'",
            first,
        )
        audited = await conn.fetchval(
            "SELECT actor_id FROM audit_log WHERE episode_id = $1"
            " AND action = 'event.referral_cancelled'",
            first,
        )
    assert cancellation is not None and cancellation["status"] == "applied"
    assert '"reason": "transferred"' in cancellation["body"]
    assert audited == roster.ward_nurse, "the transfer is recorded as the caller's cancellation"

    # The same transfer sent again is the same second episode, not a refusal.
    repeat = await nurse.post("/api/events", json=transfer)
    assert repeat.status_code == 202, repeat.text
    assert repeat.json()["episode_id"] == second


async def test_a_transfer_of_an_episode_the_caller_cannot_see_is_refused_as_missing(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    ward_a, ward_b = await make_roster(db_pool, peers=1), await make_roster(db_pool, peers=1)
    nurse_a, nurse_b = await as_user(ward_a.ward_nurse), await as_user(ward_b.ward_nurse)
    cpr = new_cpr()
    first = await referred(nurse_a, referral_for(ward_a, cpr))

    attack = referral_for(ward_b, cpr, transfer_from_episode_id=first)
    refused = await nurse_b.post("/api/events", json=attack)

    assert refused.status_code == 404, refused.text
    assert refused.json()["errors"][0]["field"] == "payload.transfer_from_episode_id"
    assert cpr not in refused.text
    assert await stored(db_pool, attack["event_id"]) == 0
    assert await open_episodes(db_pool, cpr) == {first: "peer-guide-sind"}
    assert not await phase_is(nurse_a, first, "cancelled")

    # An episode the caller sees, but not this citizen's open one, is refused by name.
    elsewhere = await referred(nurse_b, referral_for(ward_b, new_cpr()))
    wrong = await nurse_b.post(
        "/api/events", json=referral_for(ward_b, cpr, transfer_from_episode_id=elsewhere)
    )
    assert wrong.status_code == 409, wrong.text
    assert wrong.json()["errors"][0]["field"] == "payload.citizen.cpr"
    assert first not in wrong.text, "ward B is not told which episode is open"
    unknown = await nurse_b.post(
        "/api/events",
        json=referral_for(ward_b, new_cpr(), transfer_from_episode_id=elsewhere),
    )
    assert unknown.status_code == 409, unknown.text
    assert unknown.json()["errors"][0]["field"] == "payload.transfer_from_episode_id"


async def test_parallel_transfers_of_one_episode_leave_one_open_episode(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    nurse = await as_user(roster.ward_nurse)
    cpr = new_cpr()
    first = await referred(nurse, referral_for(roster, cpr))

    bodies = [referral_for(roster, cpr, transfer_from_episode_id=first) for _ in range(6)]
    answers = await asyncio.gather(*(nurse.post("/api/events", json=b) for b in bodies))

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [202] + [409] * 5, [a.text for a in answers]
    (second,) = {a.json()["episode_id"] for a in answers if a.status_code == 202}
    await eventually(functools.partial(shown, nurse, second))
    await eventually(functools.partial(phase_is, nurse, first, "cancelled"))
    assert await open_episodes(db_pool, cpr) == {second: "peer-guide-sind"}


async def test_a_transfer_stopped_after_it_was_recorded_is_finished_by_the_sweep(
    api_app: FastAPI, as_user: Caller, db_pool: DatabasePool
) -> None:
    """As if the API process died after the transaction that recorded the transfer."""
    roster = await make_roster(db_pool, peers=1)
    nurse = await as_user(roster.ward_nurse)
    cpr = new_cpr()
    first = await referred(nurse, referral_for(roster, cpr))
    intake: EventIntake = services_of(api_app).intake

    async def dies(*_: object, **__: object) -> None:
        raise ApiError(503, "the process stopped")

    transfer = referral_for(roster, cpr, transfer_from_episode_id=first)
    intake.start = dies  # type: ignore[method-assign,assignment]
    try:
        stopped = await nurse.post("/api/events", json=transfer)
    finally:
        del intake.start
    assert stopped.status_code == 503
    assert await open_episodes(db_pool, cpr) == {first: "peer-guide-sind"}, "nothing started"
    async with db_pool.acquire() as conn:
        await conn.execute(
            "UPDATE events_received SET received_at = now() - interval '1 minute'"
            " WHERE event_id = $1 OR episode_id = $2",
            transfer["event_id"],
            first,
        )

    assert await intake.redeliver(older_than=timedelta(seconds=30)) >= 1

    async def transferred() -> bool:
        return set(await open_episodes(db_pool, cpr)) - {first} != set() and first not in (
            await open_episodes(db_pool, cpr)
        )

    await eventually(transferred)
    await eventually(functools.partial(phase_is, nurse, first, "cancelled"))
    # The sender's retry finds the episode the sweep started.
    again = await nurse.post("/api/events", json=transfer)
    assert again.status_code == 202, again.text
    assert set(await open_episodes(db_pool, cpr)) == {again.json()["episode_id"]}
