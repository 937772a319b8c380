"""The episode worker: activity instances wired to their dependencies, and the worker itself."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
import httpx
import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.episode_store import EpisodeStore
from activities.matching import PeerMatcher
from activities.notifications import EmailSender, Notifier, SmsSender
from db.pool import create_pool
from hverdagsbro.metrics import Metrics, sdk_runtime, start_metrics_endpoint
from hverdagsbro.settings import Settings
from hverdagsbro.temporal_client import converter
from workers.read_model_metrics import collect_forever
from workflows.episode import EpisodeWorkflow

log = structlog.get_logger(__name__)


def episode_activities(
    pool: asyncpg.Pool,
    settings: Settings,
    http: httpx.AsyncClient,
    metrics: Metrics | None = None,
) -> list[Callable[..., Any]]:
    """Every activity the episode workflow calls, bound to real dependencies."""
    sms = SmsSender(settings.sms_webhook_url, http) if settings.sms_webhook_url else None
    email = EmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender, timeout=10.0)
    store = EpisodeStore(pool, sms_enabled=sms is not None)
    matcher = PeerMatcher(pool)
    notifier = Notifier(pool, email, sms, settings.public_url, metrics)
    return [
        store.commit_episode,
        matcher.reserve_peer,
        matcher.release_peer,
        notifier.deliver_notification,
    ]


def build_worker(
    client: Client,
    *,
    task_queue: str,
    activities: Sequence[Callable[..., Any]],
    max_cached_workflows: int,
) -> Worker:
    """The worker for EpisodeWorkflow; the sticky cache is bounded so memory stays flat."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[EpisodeWorkflow],
        activities=activities,
        max_cached_workflows=max_cached_workflows,
        max_concurrent_activities=100,
    )


async def run_worker(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """Run the worker until `stop` is set, then finish running tasks and shut down.

    Serves the Temporal SDK's metrics and our own on two Prometheus endpoints."""
    runtime = sdk_runtime(f"{settings.metrics_host}:{settings.sdk_metrics_port}")
    pool = await create_pool(database_url, max_size=20)
    client = await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=converter(settings, pool),
        runtime=runtime,
    )
    metrics = Metrics()
    endpoint = start_metrics_endpoint(
        metrics, host=settings.metrics_host, port=settings.metrics_port
    )
    try:
        async with httpx.AsyncClient(timeout=10.0) as http:
            worker = build_worker(
                client,
                task_queue=settings.task_queue,
                activities=episode_activities(pool, settings, http, metrics),
                max_cached_workflows=settings.max_cached_workflows,
            )
            async with worker:
                collector = asyncio.create_task(collect_forever(pool, metrics, stop))
                log.info(
                    "worker started",
                    task_queue=settings.task_queue,
                    metrics_port=endpoint.port,
                )
                await stop.wait()
                log.info("worker stopping")
                await collector
    finally:
        await pool.close()
        endpoint.close()
