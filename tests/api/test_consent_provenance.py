"""Who recorded a consent is the caller: a reporter cannot claim someone else recorded it."""

from __future__ import annotations

import functools
from typing import Any

import httpx

from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from tests.api.bodies import event_body, referral_body
from tests.api.conftest import Caller
from tests.api.test_events_api import until_applied
from tests.conftest import eventually


def consent(episode_id: str, **extra: object) -> dict[str, Any]:
    return event_body(
        episode_id,
        "consent_granted",
        {
            "scope": "share_with_jobcenter",
            "recorded_at": "2026-01-05T10:00:00+00:00",
            "method": "written",
            **extra,
        },
    )


async def grants(pool: DatabasePool, event_id: str) -> list[str]:
    """Who the recorded consent_granted events say recorded them."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT body #>> '{payload,recorded_by,id}' AS who FROM events_received"
            " WHERE event_id = $1",
            event_id,
        )
    return [r["who"] for r in rows]


async def started(ward: httpx.AsyncClient, body: dict[str, Any]) -> str:
    answer = await ward.post("/api/events", json=body)
    assert answer.status_code == 202, answer.text
    episode_id: str = answer.json()["episode_id"]
    return episode_id


async def test_a_consent_claimed_as_recorded_by_someone_else_is_refused(
    as_user: Caller, db_pool: DatabasePool
) -> None:
    roster = await make_roster(db_pool, peers=1)
    ward = await as_user(roster.ward_nurse)
    coordinator = await as_user(roster.coordinator)
    episode_id = await started(ward, referral_body(roster))

    forged = consent(episode_id, recorded_by={"role": "ward", "id": roster.ward_nurse})
    answer = await coordinator.post("/api/events", json=forged)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "payload.recorded_by"
    assert await grants(db_pool, forged["event_id"]) == [], "nothing recorded"

    # Left out, the caller is who recorded it; naming oneself is fine too.
    plain = consent(episode_id)
    assert (await coordinator.post("/api/events", json=plain)).status_code == 202
    honest = consent(episode_id, recorded_by={"role": "coordinator", "id": roster.coordinator})
    assert (await coordinator.post("/api/events", json=honest)).status_code == 202
    await until_applied(coordinator, honest["event_id"])
    assert await grants(db_pool, plain["event_id"]) == [roster.coordinator]
    assert await grants(db_pool, honest["event_id"]) == [roster.coordinator]
    await eventually(functools.partial(has_consent, db_pool, episode_id, "share_with_jobcenter"))


async def has_consent(pool: DatabasePool, episode_id: str, scope: str) -> bool:
    async with pool.acquire() as conn:
        consents = await conn.fetchval(
            "SELECT consents FROM episodes WHERE episode_id = $1", episode_id
        )
    return scope in (consents or [])
