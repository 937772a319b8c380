"""The app and HTTP server of a page module that runs on its own time-skipping server, worker
and task queue (tests/own_temporal.py): a module imports `web_app` and `web_url` from here,
and its pages (`new_page`, `open_as`) then talk to this app instead of the shared one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from tests.web.conftest import serving


@pytest.fixture(scope="module")
def web_app(
    db_pool: DatabasePool, own_env: WorkflowEnvironment, own_queue: str, own_worker: Worker
) -> FastAPI:
    return create_app(Settings(task_queue=own_queue), pool=db_pool, temporal=own_env.client)


@pytest.fixture(scope="module")
async def web_url(web_app: FastAPI) -> AsyncIterator[str]:
    """This module's app behind a real HTTP server."""
    async with serving(web_app) as url:
        yield url
