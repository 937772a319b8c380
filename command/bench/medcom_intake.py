"""Measurement: MedCom HospitalNotifications in, against `POST /api/events` with the same
events (a leave starting or ending in each citizen's stay), in turns at the same concurrency."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from command.bench.cpu import CpuUse
from command.bench.environment import BenchEnvironment
from command.bench.hospital_notification import Stay, leave_notification
from command.bench.ingest import (
    Sends,
    post_event,
    referral_body,
    run_senders,
    wait_for_rows,
)
from command.bench.progress import Progress
from db.access import create_token
from schemas.medcom import ActivityCode

HOSPITAL_NOTIFICATIONS = "/api/medcom/hospital-notifications"
# MedCom and the API take turns, API-MedCom-MedCom-API twice, a quarter of each side's events
# a turn (measurement 1's raw/API pair takes such turns once): the machine's load varies over
# a run, and on a shared machine within it, so short turns spread it evenly over both sides.
TURNS = ("api", "medcom", "medcom", "api") * 2


@dataclass(frozen=True)
class Referred:
    """A citizen referred through the API for this measurement and their hospital stay."""

    episode_id: str
    stay: Stay


async def refer_citizens(
    env: BenchEnvironment, http: aiohttp.ClientSession, count: int, concurrency: int
) -> list[Referred]:
    """`count` citizens referred through the API (admitted a day ago), each with the stay the
    ward's HospitalNotifications speak of; returns once every episode is in the read model."""
    referred: list[Referred] = []
    admitted_at = datetime.now(UTC) - timedelta(days=1)

    async def refer(_: int) -> bool:
        body = referral_body(env)
        body["payload"]["admitted_at"] = admitted_at.isoformat()
        status, answer = await post_event(http, body)
        if status != 202:
            return False
        stay = Stay(
            cpr=body["payload"]["citizen"]["cpr"],
            ward_sor=env.roster.ward_sor,
            stay_id=secrets.token_hex(12),
            admitted_at=admitted_at,
        )
        referred.append(Referred(episode_id=answer["episode_id"], stay=stay))
        return True

    await run_senders(count, concurrency, refer)
    await wait_for_rows(env, [r.episode_id for r in referred])
    return referred


def _leave(n: int, citizens: int) -> ActivityCode:
    """Each citizen's messages alternate: a leave starts, the leave ends."""
    if (n // citizens) % 2 == 0:
        return ActivityCode.START_LEAVE_INPATIENT
    return ActivityCode.END_LEAVE_INPATIENT


_EVENT_TYPE = {
    ActivityCode.START_LEAVE_INPATIENT: "leave_started",
    ActivityCode.END_LEAVE_INPATIENT: "leave_ended",
}


async def gateway_client(env: BenchEnvironment, concurrency: int) -> aiohttp.ClientSession:
    """An HTTP client holding the region's MedCom gateway token, bound to the ward's SOR
    code as a real gateway's token is."""
    async with env.pool.acquire() as conn:
        _, secret = await create_token(
            conn,
            name="benchmark region gateway",
            role="medcom_gateway",
            ttl=timedelta(days=1),
            sor_codes=[env.roster.ward_sor],
        )
    return aiohttp.ClientSession(
        base_url=env.api_url,
        headers={"Authorization": f"Bearer {secret}"},
        connector=aiohttp.TCPConnector(limit=concurrency + 10),
        timeout=aiohttp.ClientTimeout(total=60.0),
    )


# Both sides' bodies are made and encoded before their turn: what a hospital system or a
# gateway spends on making a message is not ours, and on these two cores it would be taken
# from the system measured (a Bundle costs more to make than an event).
JSON = {"Content-Type": "application/json"}
FHIR_JSON = {"Content-Type": "application/fhir+json"}


def _event(citizens: Sequence[Referred], n: int) -> bytes:
    body = {
        "event_id": f"bench-leave-{secrets.token_hex(12)}",
        "type": _EVENT_TYPE[_leave(n, len(citizens))],
        "occurred_at": datetime.now(UTC).isoformat(),
        "episode_id": citizens[n % len(citizens)].episode_id,
        "payload": {},
    }
    return json.dumps(body).encode()


def _notification(citizens: Sequence[Referred], n: int) -> bytes:
    stay = citizens[n % len(citizens)].stay
    return json.dumps(
        leave_notification(stay, _leave(n, len(citizens)), datetime.now(UTC))
    ).encode()


async def _api_turn(
    http: aiohttp.ClientSession,
    citizens: Sequence[Referred],
    events: int,
    concurrency: int,
    first: int,
) -> Sends:
    bodies = {n: _event(citizens, n) for n in range(first, first + events)}

    async def send(n: int) -> bool:
        async with http.post("/api/events", data=bodies[n], headers=JSON) as response:
            answer = await response.json()
        return response.status == 202 and answer["outcome"] == "accepted"

    return await run_senders(events, concurrency, send, first)


async def _medcom_turn(
    gateway: aiohttp.ClientSession,
    citizens: Sequence[Referred],
    events: int,
    concurrency: int,
    first: int,
) -> Sends:
    bundles = {n: _notification(citizens, n) for n in range(first, first + events)}

    async def send(n: int) -> bool:
        async with gateway.post(HOSPITAL_NOTIFICATIONS, data=bundles[n], headers=FHIR_JSON) as sent:
            answer = await sent.json()
        return sent.status == 200 and answer.get("outcome") == "ok"

    return await run_senders(events, concurrency, send, first)


async def medcom_intake(
    env: BenchEnvironment,
    http: aiohttp.ClientSession,
    citizens: Sequence[Referred],
    events: int,
    concurrency: int,
    say: Progress,
) -> dict[str, Any]:
    """`events` HospitalNotifications through the MedCom endpoint and as many equivalent
    events through `POST /api/events`, in turns; each side's rate, latency and the ratio."""
    per_turn = events // TURNS.count("api")
    sends = {"api": Sends(), "medcom": Sends()}
    cpu = {"api": CpuUse(), "medcom": CpuUse()}
    named = {p.pid: "api" for p in (env.api.process,) if p is not None}
    async with await gateway_client(env, concurrency) as gateway:
        for turn, side in enumerate(TURNS):
            first = turn * per_turn
            say(f"6 medcom: {side}, events {first}-{first + per_turn - 1}")
            async with cpu[side].measuring(named):
                if side == "api":
                    done = await _api_turn(http, citizens, per_turn, concurrency, first)
                else:
                    done = await _medcom_turn(gateway, citizens, per_turn, concurrency, first)
            sends[side] += done
            say(f"  {side}: {done.summary()['events_per_s']} events/s")
    result: dict[str, Any] = {
        "citizens": len(citizens),
        "concurrency": concurrency,
        "event_types": sorted(_EVENT_TYPE.values()),
    }
    for side, done in sends.items():
        result[side] = {**done.summary(), "cpu_percent": cpu[side].percent()}
    api_rate, medcom_rate = result["api"]["events_per_s"], result["medcom"]["events_per_s"]
    result["ratio"] = round(medcom_rate / api_rate, 2) if api_rate else 0.0
    return result
