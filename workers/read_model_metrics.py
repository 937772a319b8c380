"""Gauges and histograms read from the read model: episodes by phase, overdue tasks,
hours from discharge to first contact."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import asyncpg
import structlog

from db.pool import DatabasePool
from hverdagsbro.metrics import Metrics
from schemas.episode import Phase

log = structlog.get_logger(__name__)


async def collect_once(pool: DatabasePool, metrics: Metrics, since: datetime) -> datetime:
    """Refresh the gauges; observe first contacts recorded since `since`; returns the new mark."""
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        phases = await conn.fetch("SELECT phase, count(*) AS n FROM episodes GROUP BY phase")
        overdue = await conn.fetchval(
            "SELECT count(*) FROM tasks WHERE status = 'open' AND overdue"
        )
        contacts = await conn.fetch(
            "SELECT first_contact_at - discharged_at AS waited FROM episodes"
            " WHERE first_contact_at IS NOT NULL AND discharged_at IS NOT NULL"
            " AND first_contact_at > $1 AND first_contact_at <= $2",
            since,
            now,
        )
    counts = {phase: 0 for phase in Phase}
    counts.update({Phase(r["phase"]): r["n"] for r in phases})
    metrics.set_episodes_by_phase(counts)
    metrics.set_tasks_overdue(int(overdue))
    for row in contacts:
        metrics.first_contact_after(row["waited"])
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
