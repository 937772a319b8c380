"""Measurement 3: many open episodes waiting on timers; worker memory, rows, time to start."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from command.bench.environment import BenchEnvironment
from command.synthetic.referral import referral
from db import bench as bench_queries
from workers.starter import start_episode

START_CONCURRENCY = 50
MIB = 2**20


async def _offers(env: BenchEnvironment) -> int:
    async with env.pool.acquire() as conn:
        return await bench_queries.peer_offers(conn)


async def row_counts(env: BenchEnvironment) -> dict[str, Any]:
    """Rows per read-model table, and the database's size on disk."""
    async with env.pool.acquire() as conn:
        counts: dict[str, Any] = await bench_queries.row_counts(conn)
        size = await bench_queries.database_bytes(conn)
    counts["database_mib"] = round(size / MIB, 1)
    return counts


async def open_episodes(
    env: BenchEnvironment,
    target: int,
    already_open: int,
    say: Callable[[str], None],
    settle_timeout: float = 900,
) -> dict[str, Any]:
    """Start episodes until `target` are open (all waiting for a peer's answer: a 24 h timer)."""
    count = target - already_open
    offers_before = await _offers(env)
    rss_before = env.worker.rss_bytes()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def starter() -> None:
        while True:
            try:
                queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await start_episode(
                env.client,
                env.pool,
                referral(env.roster, admitted_ago=timedelta(days=1)),
                task_queue=env.settings.task_queue,
            )

    began = time.monotonic()
    await asyncio.gather(*(starter() for _ in range(START_CONCURRENCY)))
    started_in = time.monotonic() - began
    say(f"  {count} episodes started in {started_in:.1f} s; waiting for their peer offers")
    peak = env.worker.rss_bytes()
    deadline = began + settle_timeout
    while (offered := await _offers(env) - offers_before) < count:
        peak = max(peak, env.worker.rss_bytes())
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {offered} of {count} episodes got to their peer offer")
        await asyncio.sleep(0.5)
    settled_in = time.monotonic() - began
    await asyncio.sleep(2.0)
    rss = env.worker.rss_bytes()
    return {
        "open_episodes": target,
        "started_now": count,
        "start_seconds": round(started_in, 1),
        "starts_per_s": round(count / started_in, 1),
        "settled_seconds": round(settled_in, 1),
        "worker_rss_mib": round(rss / MIB, 1),
        "worker_rss_peak_mib": round(max(peak, rss) / MIB, 1),
        "worker_rss_delta_mib": round((rss - rss_before) / MIB, 1),
        "max_cached_workflows": env.settings.max_cached_workflows,
        "rows": await row_counts(env),
        "mails_sent": env.mail.received,
    }
