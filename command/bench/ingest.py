"""Measurement 1: events/s accepted by POST /api/events, against raw signal-with-start."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from command.bench.environment import BenchEnvironment
from command.bench.stats import summary_ms
from command.bench.trivial import TRIVIAL_SIGNAL, TrivialEntity
from db import bench as bench_queries

Send = Callable[[int], Awaitable[bool]]


def api_client(env: BenchEnvironment, concurrency: int) -> aiohttp.ClientSession:
    """An HTTP client with room for every concurrent sender, authenticated as an integration.
    aiohttp, not httpx: the load generator shares the machine with what it measures, and
    httpx spent more CPU per request than the API it called."""
    return aiohttp.ClientSession(
        base_url=env.api_url,
        headers={"Authorization": f"Bearer {env.token}"},
        connector=aiohttp.TCPConnector(limit=concurrency + 10),
        timeout=aiohttp.ClientTimeout(total=60.0),
    )


async def post_event(http: aiohttp.ClientSession, body: dict[str, Any]) -> tuple[int, Any]:
    """POST /api/events; the status and the JSON answer."""
    async with http.post("/api/events", json=body) as response:
        return response.status, await response.json()


def referral_body(env: BenchEnvironment, programme: str = "peer-guide-sind") -> dict[str, Any]:
    """A referral as a ward system sends it (a made-up, CPR-shaped number)."""
    now = datetime.now(UTC).isoformat()
    roster = env.roster
    return {
        "event_id": f"bench-ref-{secrets.token_hex(12)}",
        "type": "referral_created",
        "occurred_at": now,
        "payload": {
            "programme": programme,
            "citizen": {"cpr": f"{secrets.randbelow(10**10):010d}", "name": "Bench Borger"},
            "municipality_code": roster.municipality_code,
            "ward_id": roster.ward_id,
            "organisation_id": roster.organisation_id,
            "goals": [{"area": "network", "text": "Spille fodbold igen"}],
            "consents": [
                {"scope": "peer_support", "method": "written"},
                {"scope": "share_with_municipality", "method": "written"},
            ],
            "admitted_at": now,
        },
    }


def risk_body(episode_id: str, n: int) -> dict[str, Any]:
    """A risk change: an event no peer has to decide on, allowed for integration tokens."""
    return {
        "event_id": f"bench-risk-{secrets.token_hex(12)}",
        "type": "risk_changed",
        "occurred_at": datetime.now(UTC).isoformat(),
        "episode_id": episode_id,
        "payload": {"elevated": n % 2 == 0},
    }


@dataclass
class Sends:
    """What a number of senders achieved: how many sends, over what wall time, each one's
    latency and outcome. Rounds of the same measurement add up."""

    count: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)

    def __add__(self, other: Sends) -> Sends:
        return Sends(
            self.count + other.count,
            self.wall + other.wall,
            self.latencies + other.latencies,
            self.outcomes + other.outcomes,
        )

    def summary(self) -> dict[str, Any]:
        accepted = self.outcomes["accepted"]
        return {
            "events": self.count,
            "accepted": accepted,
            "failed": self.count - accepted,
            "failures": {k: v for k, v in self.outcomes.items() if k != "accepted"},
            "seconds": round(self.wall, 2),
            "events_per_s": round(accepted / self.wall, 1) if self.wall > 0 else 0.0,
            "latency_ms": summary_ms(self.latencies),
        }


async def run_senders(count: int, concurrency: int, send: Send, first: int = 0) -> Sends:
    """Sends number `first` to `first + count - 1` by `concurrency` senders."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(first, first + count):
        queue.put_nowait(n)
    result = Sends(count=count)

    async def sender() -> None:
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            began = time.monotonic()
            try:
                ok = await send(n)
            except Exception as err:
                result.outcomes[type(err).__name__] += 1
                continue
            result.latencies.append(time.monotonic() - began)
            result.outcomes["accepted" if ok else "refused"] += 1

    began = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    result.wall = time.monotonic() - began
    return result


async def create_episodes_by_api(
    env: BenchEnvironment, http: aiohttp.ClientSession, count: int, concurrency: int
) -> tuple[list[str], dict[str, Any]]:
    """Refer `count` citizens through the API; waits until every episode is in the read model."""
    episode_ids: list[str] = []

    async def refer(_: int) -> bool:
        status, answer = await post_event(http, referral_body(env))
        if status != 202:
            return False
        episode_ids.append(answer["episode_id"])
        return True

    result = await run_senders(count, concurrency, refer)
    await wait_for_rows(env, episode_ids)
    return episode_ids, result.summary()


async def wait_for_rows(
    env: BenchEnvironment, episode_ids: Sequence[str], limit_s: float = 300
) -> None:
    """Until every episode has a read-model row (events for it are accepted only then)."""
    deadline = time.monotonic() + limit_s
    while True:
        async with env.pool.acquire() as conn:
            found = await bench_queries.episodes_present(conn, episode_ids)
        if found >= len(episode_ids):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"only {found} of {len(episode_ids)} episodes reached the read model"
            )
        await asyncio.sleep(0.2)


async def api_ingest(
    env: BenchEnvironment,
    http: aiohttp.ClientSession,
    episode_ids: Sequence[str],
    events: int,
    concurrency: int,
    first: int = 0,
) -> Sends:
    """Risk changes spread round-robin over the episodes, through POST /api/events."""

    async def send(n: int) -> bool:
        body = risk_body(episode_ids[n % len(episode_ids)], n)
        status, answer = await post_event(http, body)
        return status == 202 and answer["outcome"] == "accepted"

    return await run_senders(events, concurrency, send, first)


async def raw_ingest(
    env: BenchEnvironment, run: str, workflows: int, events: int, concurrency: int, first: int = 0
) -> Sends:
    """The same number of events as signal-with-start on a trivial workflow, no API, no codec.
    Sends of the same `run` go to the same `workflows` trivial workflows (the first send to
    each starts it)."""

    async def send(n: int) -> bool:
        await env.raw_client.start_workflow(
            TrivialEntity.run,
            f"entity {n % workflows}",
            id=f"bench-trivial-{run}-{n % workflows}",
            task_queue=env.trivial_task_queue,
            start_signal=TRIVIAL_SIGNAL,
            start_signal_args=[
                {
                    "event_id": f"bench-risk-{secrets.token_hex(12)}",
                    "type": "risk_changed",
                    "occurred_at": datetime.now(UTC).isoformat(),
                }
            ],
        )
        return True

    return await run_senders(events, concurrency, send, first)


async def wait_until_settled(env: BenchEnvironment, episodes: int, limit_s: float = 300) -> None:
    """Until the referred episodes have made their first offers and sent every message, so
    their start-up work does not run into the ingest measurement."""
    deadline = time.monotonic() + limit_s
    while True:
        async with env.pool.acquire() as conn:
            offers = await bench_queries.peer_offers(conn)
            unsent = await bench_queries.pending_messages(conn)
        if offers >= episodes and unsent == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{offers} of {episodes} offers, {unsent} messages unsent")
        await asyncio.sleep(0.2)


async def wait_until_applied(env: BenchEnvironment, limit_s: float = 600) -> int:
    """Until every event taken through the API is applied; returns how many were pending
    when the wait began."""
    async with env.pool.acquire() as conn:
        pending = await bench_queries.events_not_applied(conn)
    deadline = time.monotonic() + limit_s
    while True:
        async with env.pool.acquire() as conn:
            left = await bench_queries.events_not_applied(conn)
        if left == 0:
            return pending
        if time.monotonic() > deadline:
            raise RuntimeError(f"{left} events still not applied after {limit_s:.0f} s")
        await asyncio.sleep(0.1)
