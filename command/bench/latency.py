"""Measurement 2: from sending an event to the API until the read model in PostgreSQL shows it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import aiohttp

from command.bench.environment import BenchEnvironment
from command.bench.ingest import post_event, risk_body
from command.bench.stats import summary_ms
from db import bench as bench_queries

POLL_INTERVAL = 0.01
# Audit rows are numbered at insert and may commit out of order; look this far back.
REORDER_WINDOW = 5.0
GRACE = 30.0


async def _watch_read_model(
    env: BenchEnvironment, sent: dict[str, float], seen: dict[str, float], done: asyncio.Event
) -> None:
    """Poll the audit log the episode commits write, noting when each event first shows;
    gives up on stragglers GRACE seconds after the last send."""
    async with env.pool.acquire() as conn:
        floor = await bench_queries.last_audit_no(conn)
        marks: list[tuple[float, int]] = []
        gave_up_at: float | None = None
        while not done.is_set() or len(seen) < len(sent):
            pending = [e for e in sent if e not in seen]
            if pending:
                rows = await bench_queries.risk_changes_applied(conn, floor, pending)
                now = time.monotonic()
                for row in rows:
                    seen.setdefault(row.event_id, now)
                if rows:
                    marks.append((now, max(r.audit_no for r in rows)))
                while marks and marks[0][0] < now - REORDER_WINDOW:
                    floor = max(floor, marks.pop(0)[1] - 1000)
            if done.is_set():
                gave_up_at = gave_up_at or time.monotonic() + GRACE
                if time.monotonic() > gave_up_at:
                    return
            await asyncio.sleep(POLL_INTERVAL)


async def read_model_latency(
    env: BenchEnvironment,
    http: aiohttp.ClientSession,
    episode_ids: Sequence[str],
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    """Offer `rate` events/s for `seconds` (open loop: sends do not wait for each other)."""
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    answered: list[float] = []
    failures: list[str] = []
    done = asyncio.Event()
    watcher = asyncio.create_task(_watch_read_model(env, sent, seen, done))

    async def one(n: int) -> None:
        body = risk_body(episode_ids[n % len(episode_ids)], n)
        began = time.monotonic()
        sent[body["event_id"]] = began
        try:
            status, _ = await post_event(http, body)
        except (aiohttp.ClientError, TimeoutError) as err:
            failures.append(type(err).__name__)
            sent.pop(body["event_id"], None)
            return
        if status != 202:
            failures.append(str(status))
            sent.pop(body["event_id"], None)
            return
        answered.append(time.monotonic() - began)

    total = int(rate * seconds)
    began = time.monotonic()
    jobs = []
    for n in range(total):
        delay = began + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        jobs.append(asyncio.create_task(one(n)))
    await asyncio.gather(*jobs)
    offered_for = time.monotonic() - began
    done.set()
    await watcher
    visible = [seen[e] - t for e, t in sent.items() if e in seen]
    return {
        "offered_events_per_s": rate,
        "seconds": round(offered_for, 1),
        "events": total,
        "visible": len(visible),
        "failed": len(failures),
        "never_visible": len(sent) - len(visible),
        "to_read_model_ms": summary_ms(visible),
        "http_answer_ms": summary_ms(answered),
        "poll_interval_ms": POLL_INTERVAL * 1000,
    }
