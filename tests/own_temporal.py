"""A module's own time-skipping Temporal server, worker and task queue.

A test that skips days or weeks on the shared time-skipping server moves the clock for every
later test (a later test's "now" is then weeks ahead of the wall clock, so notes written with
the wall clock sort before those stamped by the workflow). Modules that must skip time import
these fixtures and run on a server of their own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.pool import DatabasePool
from hverdagsbro.search_attributes import register_search_attributes
from hverdagsbro.settings import Settings
from tests.temporal_servers import TEST_SERVER
from tests.test_keys import TEST_CONVERTER
from workers.worker import build_worker, episode_activities


@pytest.fixture(scope="module")
def own_queue(request: pytest.FixtureRequest) -> str:
    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    return f"episodes-{module.replace('_', '-')}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
async def own_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER, test_server_existing_path=TEST_SERVER
    )
    await register_search_attributes(env.client)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="module")
async def own_worker(
    own_env: WorkflowEnvironment, own_queue: str, db_pool: DatabasePool, worker_settings: Settings
) -> AsyncIterator[Worker]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        worker = build_worker(
            own_env.client,
            task_queue=own_queue,
            activities=episode_activities(db_pool, worker_settings, http),
            max_cached_workflows=20,
        )
        async with worker:
            yield worker
