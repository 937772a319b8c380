"""Gauges and histograms read from the read model: episodes by phase, overdue tasks,
hours from discharge to first contact."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import asyncpg
import structlog

from db import read_model_stats
from db.pool import DatabasePool
from hverdagsbro.metrics import Metrics
from schemas.episode import Phase

log = structlog.get_logger(__name__)


async def collect_once(pool: DatabasePool, metrics: Metrics, since: datetime) -> datetime:
    """Refresh the gauges; observe first contacts recorded since `since`; returns the new mark."""
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        phases = await read_model_stats.episodes_by_phase(conn)
        overdue = await read_model_stats.overdue_open_tasks(conn)
        waits = await read_model_stats.first_contact_waits(conn, since, now)
    counts = {phase: 0 for phase in Phase}
    counts.update({Phase(phase): n for phase, n in phases.items()})
    metrics.set_episodes_by_phase(counts)
    metrics.set_tasks_overdue(overdue)
    for waited in waits:
        metrics.first_contact_after(waited)
    return now


async def collect_forever(
    pool: DatabasePool, metrics: Metrics, stop: asyncio.Event, every: float = 15.0
) -> None:
    """Refresh every `every` seconds until `stop`; a failed round is logged and retried."""
    mark = datetime.now(UTC)
    while not stop.is_set():
        try:
            mark = await collect_once(pool, metrics, mark)
        except (OSError, asyncpg.PostgresError) as err:
            log.warning("read model metrics not refreshed", error=type(err).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
