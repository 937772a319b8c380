"""The FastAPI application: JSON API, MedCom endpoint and pages, wired to pool and Temporal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from temporalio.client import Client
from temporalio.service import RPCError

from api import security, web
from api.auth import TokenCache
from api.errors import (
    ApiError,
    api_error_handler,
    unavailable_handler,
    validation_error_handler,
)
from api.intake import EventIntake
from api.medcom_intake import MedcomIntake
from api.routes import episodes, events, health, inbox, medcom, metrics, tasks
from api.task_decisions import TaskDecisions
from db.connection import CONNECTION_LOST
from db.pool import DatabasePool, create_pool
from hverdagsbro.metrics import Metrics
from hverdagsbro.settings import Settings
from hverdagsbro.temporal_client import connect


def _wire(app: FastAPI, pool: DatabasePool, temporal: Client, settings: Settings) -> None:
    app.state.pool = pool
    app.state.temporal = temporal
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.tokens = TokenCache()
    app.state.intake = EventIntake(pool, temporal, settings.task_queue, app.state.metrics)
    app.state.decisions = TaskDecisions(pool, temporal)
    app.state.medcom = MedcomIntake(pool, app.state.intake)


def create_app(
    settings: Settings,
    *,
    pool: DatabasePool | None = None,
    temporal: Client | None = None,
    database_url: str | None = None,
) -> FastAPI:
    """With `pool` and `temporal` (tests) the app uses them; otherwise it opens its own
    pool on `database_url` and connects to Temporal at start-up, and closes them at the end."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if pool is not None and temporal is not None:
            _wire(app, pool, temporal, settings)
            yield
            return
        assert database_url is not None, "database_url is needed without a pool"
        own_pool = await create_pool(
            database_url, give_up_after=settings.database_timeout, max_size=20
        )
        try:
            _wire(app, own_pool, await connect(settings, own_pool), settings)
            sweep = asyncio.create_task(app.state.intake.redeliver_forever())
            try:
                yield
            finally:
                sweep.cancel()
        finally:
            await own_pool.close()

    app = FastAPI(
        title="hverdagsbro",
        description="Episodes from psychiatric admission to everyday life: events in, "
        "tasks and decisions out.",
        version="0.1.0",
        lifespan=lifespan,
    )
    if pool is not None and temporal is not None:
        _wire(app, pool, temporal, settings)
    security.install(app)
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    unavailable_errors: tuple[type[Exception], ...] = (
        *CONNECTION_LOST,
        asyncpg.CannotConnectNowError,
        ConnectionError,
        TimeoutError,
        RPCError,
    )
    for unavailable in unavailable_errors:
        app.add_exception_handler(unavailable, unavailable_handler)
    for module in (health, metrics, events, episodes, tasks, inbox, medcom):
        app.include_router(module.router)
    web.install(app)
    return app
