"""The episode worker alone in a process of its own, so its resident memory can be measured."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.worker import Worker

from command.process import exit_quietly
from db.pool import WORKER_POOL_SIZE, create_pool
from hverdagsbro.log_setup import configure_logging
from hverdagsbro.settings import Settings
from hverdagsbro.temporal_client import converter
from workers.worker import build_worker, episode_activities


async def _stdin_closed() -> None:
    """Returns when the parent closes our stdin (or dies): the benchmark's stop signal."""
    await asyncio.to_thread(sys.stdin.buffer.read)


def tuned_worker(
    client: Client, settings: Settings, activities: Any, tuning: dict[str, Any]
) -> Worker:
    """build_worker with other knobs, to compare a tuning before it goes into workers/worker.py."""
    from temporalio.worker import PollerBehaviorAutoscaling, PollerBehaviorSimpleMaximum

    from workflows.episode import EpisodeWorkflow

    kwargs: dict[str, Any] = dict(
        max_cached_workflows=settings.max_cached_workflows,
        max_concurrent_workflow_tasks=settings.workflow_task_slots,
        max_concurrent_activities=100,
    )
    for key, value in tuning.items():
        if key == "workflow_runner":
            from temporalio.worker import UnsandboxedWorkflowRunner

            value = UnsandboxedWorkflowRunner()
        if key.endswith("_poller_behavior"):
            value = (
                PollerBehaviorAutoscaling()
                if value == "auto"
                else PollerBehaviorSimpleMaximum(int(value))
            )
        kwargs[key] = value
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[EpisodeWorkflow],
        activities=activities,
        **kwargs,
    )


async def serve(database_url: str, ready_file: Path) -> None:
    """Run the production worker (settings from HVERDAGSBRO_*) until stdin closes or SIGTERM."""
    settings = Settings()
    pool = await create_pool(
        database_url, give_up_after=settings.database_timeout, max_size=WORKER_POOL_SIZE
    )
    client = await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=converter(settings, pool),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    watcher = asyncio.create_task(_stdin_closed())
    watcher.add_done_callback(lambda _: stop.set())
    try:
        async with httpx.AsyncClient(timeout=10.0) as http:
            activities = episode_activities(pool, settings, http)
            tuning = json.loads(os.environ.get("HVERDAGSBRO_BENCH_WORKER_TUNING", "{}"))
            if tuning:
                worker = tuned_worker(client, settings, activities, tuning)
            else:
                worker = build_worker(
                    client,
                    task_queue=settings.task_queue,
                    activities=activities,
                    max_cached_workflows=settings.max_cached_workflows,
                    workflow_task_slots=settings.workflow_task_slots,
                )
            async with worker:
                await asyncio.to_thread(ready_file.write_text, "ready\n", encoding="utf-8")
                await stop.wait()
    finally:
        await pool.close()
        watcher.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--ready-file", type=Path, required=True)
    args = parser.parse_args()
    configure_logging("console", "WARNING")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.database_url, args.ready_file))
    exit_quietly(0)


if __name__ == "__main__":
    main()
