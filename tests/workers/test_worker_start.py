"""A worker started while Temporal is away waits for it instead of exiting."""

from __future__ import annotations

import asyncio
import base64

from temporalio.runtime import Runtime
from temporalio.testing import WorkflowEnvironment

from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from tests.conftest import free_port
from tests.test_keys import TEST_KEYS
from workers.worker import build_worker, compile_workflow_modules, connect_patiently


def _settings(address: str) -> Settings:
    keys = f"test1:{base64.b64encode(TEST_KEYS.current.secret).decode()}"
    return Settings(temporal_address=address, encryption_keys=keys)


async def test_while_temporal_is_away_the_worker_waits_until_told_to_stop(
    db_pool: DatabasePool,
) -> None:
    stop = asyncio.Event()
    waiting = asyncio.create_task(
        connect_patiently(_settings(f"127.0.0.1:{free_port()}"), db_pool, Runtime.default(), stop)
    )
    await asyncio.sleep(1.5)
    assert not waiting.done(), "still waiting for Temporal, not exited"
    stop.set()
    assert await asyncio.wait_for(waiting, 5) is None


async def test_the_worker_connects_once_temporal_answers(
    db_pool: DatabasePool, time_skipping_env: WorkflowEnvironment
) -> None:
    address = time_skipping_env.client.service_client.config.target_host
    client = await connect_patiently(
        _settings(address), db_pool, Runtime.default(), asyncio.Event()
    )
    assert client is not None
    assert client.service_client.config.target_host == address


def test_workflow_modules_get_their_bytecode_written() -> None:
    assert compile_workflow_modules() is True


async def test_the_worker_runs_as_many_workflow_tasks_at_once_as_configured(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    settings = Settings(workflow_task_slots=3)
    worker = build_worker(
        time_skipping_env.client,
        task_queue="slots",
        activities=[],
        max_cached_workflows=settings.max_cached_workflows,
        workflow_task_slots=settings.workflow_task_slots,
    )
    assert worker.config()["max_concurrent_workflow_tasks"] == 3
    assert Settings().workflow_task_slots == 8, "the default the README's table states"
