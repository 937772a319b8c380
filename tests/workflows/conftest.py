"""Fixtures for episode tests: the time-skipping Temporal test server and a real worker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from hverdagsbro.search_attributes import register_search_attributes
from hverdagsbro.settings import Settings
from tests.conftest import SmtpServer
from tests.temporal_servers import TEST_SERVER
from workers.worker import build_worker, episode_activities


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=TEST_SERVER
    )
    await register_search_attributes(env.client)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def task_queue() -> str:
    return f"episodes-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def worker_settings(smtp_server: SmtpServer) -> Settings:
    return Settings(
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        public_url="http://hverdagsbro.test",
    )


@pytest.fixture(scope="session")
async def episode_worker(
    time_skipping_env: WorkflowEnvironment,
    db_pool: asyncpg.Pool,
    worker_settings: Settings,
    task_queue: str,
) -> AsyncIterator[Worker]:
    """The real worker with the real activities (PostgreSQL, SMTP) for the whole run."""
    async with httpx.AsyncClient(timeout=5.0) as http:
        worker = build_worker(
            time_skipping_env.client,
            task_queue=task_queue,
            activities=episode_activities(db_pool, worker_settings, http),
            max_cached_workflows=100,
        )
        async with worker:
            yield worker
