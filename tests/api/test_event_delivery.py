"""An event's way in: recorded, signalled to its episode, applied by the episode's commit;
and events whose sender stopped between recording and signalling are handed over again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import httpx
from fastapi import FastAPI

from api.dependencies import services_of
from api.intake import EventIntake
from command.synthetic.roster import make_roster
from db.events_received import record_event
from db.pool import DatabasePool
from schemas.events import EVENT_ADAPTER
from schemas.people import Actor, Role
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller
from tests.api.test_events_api import until_applied, wait_for_task


async def until_phase(
    client: httpx.AsyncClient, episode_id: str, phase: str, timeout: float = 10
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (await client.get(f"/api/episodes/{episode_id}")).json()["phase"] != phase:
        assert asyncio.get_running_loop().time() < deadline, f"never {phase}"
        await asyncio.sleep(0.05)


async def status_of(pool: DatabasePool, event_id: str) -> str | None:
    async with pool.acquire() as conn:
        status: str | None = await conn.fetchval(
            "SELECT status FROM events_received WHERE event_id = $1", event_id
        )
        return status


async def test_an_accepted_event_is_applied_once_and_its_status_says_so(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    ward = await as_user(roster.ward_nurse)
    episode_id = (await ward.post("/api/events", json=referral_body(roster))).json()["episode_id"]
    await wait_for_task(await as_user(roster.peers[0]), "peer_offer")

    risk = event_body(episode_id, "risk_changed", {"elevated": True})
    answer = await ward.post("/api/events", json=risk)
    assert answer.status_code == 202
    assert answer.json()["outcome"] == "accepted"
    applied = await until_applied(ward, risk["event_id"])
    assert applied["episode_id"] == episode_id
    assert applied["type"] == "risk_changed"
    assert applied["applied_at"] is not None

    again = await ward.post("/api/events", json=risk)
    assert again.json()["outcome"] == "duplicate"
    async with db_pool.acquire() as conn:
        audits = await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE episode_id = $1"
            " AND action = 'event.risk_changed' AND detail->>'event_id' = $2",
            episode_id,
            risk["event_id"],
        )
        elevated = await conn.fetchval(
            "SELECT risk_elevated FROM episodes WHERE episode_id = $1", episode_id
        )
    assert audits == 1, "one effect, however often it is sent"
    assert elevated is True


async def test_event_status_is_hidden_from_those_who_may_not_see_the_episode(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=2)
    other = await make_roster(db_pool, peers=1)
    ward = await as_user(roster.ward_nurse)
    episode_id = (await ward.post("/api/events", json=referral_body(roster))).json()["episode_id"]
    risk = event_body(episode_id, "risk_changed", {"elevated": True})
    assert (await ward.post("/api/events", json=risk)).status_code == 202

    for stranger in (other.ward_nurse, other.peers[0]):
        answer = await (await as_user(stranger)).get(f"/api/events/{risk['event_id']}")
        assert answer.status_code == 404
        assert answer.json()["detail"] == "event_id: no such event"
    unknown = await ward.get("/api/events/no-such-event")
    assert unknown.status_code == 404


async def test_an_event_recorded_but_never_signalled_is_handed_over_by_the_sweep(
    api_app: FastAPI, as_user: Caller, db_pool: DatabasePool
) -> None:
    """As if the API process died between writing the row and signalling the episode."""
    roster = await make_roster(db_pool, peers=1)
    ward = await as_user(roster.ward_nurse)
    episode_id = (await ward.post("/api/events", json=referral_body(roster))).json()["episode_id"]
    await wait_for_task(await as_user(roster.peers[0]), "peer_offer")
    body = event_body(episode_id, "risk_changed", {"elevated": True})
    fields = {k: v for k, v in body.items() if k != "episode_id"}
    event = EVENT_ADAPTER.validate_python(
        {**fields, "actor": Actor(role=Role.WARD, id=roster.ward_nurse).model_dump()}
    )
    async with db_pool.acquire() as conn:
        await record_event(conn, event, source="api", status="received", episode_id=episode_id)
        await conn.execute(
            "UPDATE events_received SET received_at = now() - interval '1 minute'"
            " WHERE event_id = $1",
            event.event_id,
        )

    intake: EventIntake = services_of(api_app).intake
    assert await intake.redeliver(older_than=timedelta(seconds=30)) >= 1
    await until_applied(ward, event.event_id)
    assert await intake.redeliver(older_than=timedelta(seconds=30)) == 0, "nothing left over"

    # A retry by the original sender now finds it delivered.
    again = await ward.post("/api/events", json=body)
    assert again.json()["outcome"] == "duplicate"


async def test_events_for_an_ended_episode_are_refused_before_they_are_recorded(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    ward = await as_user(roster.ward_nurse)
    episode_id = (await ward.post("/api/events", json=referral_body(roster))).json()["episode_id"]
    cancel = event_body(episode_id, "referral_cancelled", {"reason": "changed plans"})
    assert (await ward.post("/api/events", json=cancel)).status_code == 202
    await until_applied(ward, cancel["event_id"])
    # The episode's reaction (ending) may land in the commit after the event's own.
    await until_phase(ward, episode_id, "cancelled")

    late = event_body(episode_id, "risk_changed", {"elevated": True})
    answer = await ward.post("/api/events", json=late)
    assert answer.status_code == 409
    assert answer.json()["detail"].startswith("episode_id: the episode has ended")
    assert await status_of(db_pool, late["event_id"]) is None, "nothing half-applied"


async def test_the_sweep_outlives_a_lost_database_connection(api_app: FastAPI) -> None:
    """asyncpg says InternalClientError for a pooled connection the server terminated; the
    background sweep logs it and sweeps again instead of ending for good."""
    intake: EventIntake = services_of(api_app).intake
    calls = 0

    async def failing_once(*_: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise asyncpg.InternalClientError("cannot switch to state 12")
        return 0

    original = intake.redeliver
    intake.redeliver = failing_once  # type: ignore[method-assign]
    try:
        sweep = asyncio.create_task(intake.redeliver_forever(every=0.01))
        while calls < 3:
            assert not sweep.done(), "the sweep ended"
            await asyncio.sleep(0.01)
        sweep.cancel()
    finally:
        intake.redeliver = original  # type: ignore[method-assign]
