"""Operators see episodes by phase and overdue tasks as Prometheus gauges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import generate_latest

from db.pool import DatabasePool
from hverdagsbro.metrics import Metrics
from workers.read_model_metrics import collect_once


async def test_gauges_follow_the_read_model(db_pool: DatabasePool) -> None:
    async with db_pool.acquire() as conn:
        expected = dict(await conn.fetch("SELECT phase, count(*) FROM episodes GROUP BY phase"))
    metrics = Metrics()
    await collect_once(db_pool, metrics, datetime.now(UTC) - timedelta(days=3650))
    text = generate_latest(metrics.registry).decode()
    for phase, count in expected.items():
        assert f'hverdagsbro_episodes{{phase="{phase}"}} {float(count)}' in text
    assert 'hverdagsbro_episodes{phase="closed"}' in text
    assert "hverdagsbro_tasks_overdue" in text
