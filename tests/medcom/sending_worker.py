"""A real episode worker whose MedCom transport is HTTP to a fake municipality (for the tests
that follow a CareCommunication out and its Acknowledgement back)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.medcom_transport.http import HttpTransport
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from tests.medcom.fake_municipality import TOKEN, FakeMunicipality
from workers.worker import build_worker, episode_activities


@asynccontextmanager
async def worker_sending_to(
    municipality: FakeMunicipality,
    env: WorkflowEnvironment,
    task_queue: str,
    pool: DatabasePool,
    settings: Settings,
    *,
    max_cached_workflows: int,
) -> AsyncIterator[Worker]:
    async with httpx.AsyncClient(timeout=5.0) as http:
        transport = HttpTransport(municipality.url, http, token=SecretStr(TOKEN), timeout=5.0)
        worker = build_worker(
            env.client,
            task_queue=task_queue,
            activities=episode_activities(pool, settings, http, medcom=transport),
            max_cached_workflows=max_cached_workflows,
        )
        async with worker:
            yield worker
