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

from api import housekeeping, security, web
from api.dependencies import Services, services_of, wire
from api.errors import (
    ApiError,
    api_error_handler,
    unavailable_handler,
    validation_error_handler,
)
from api.routes import (
    closing_summary,
    episodes,
    events,
    hand_over,
    health,
    inbox,
    medcom,
    medcom_acknowledgements,
    medcom_replies,
    metrics,
    tasks,
)
from db.connection import CONNECTION_LOST
from db.pool import API_POOL_SIZE, DatabasePool, create_pool
from hverdagsbro.settings import Settings
from hverdagsbro.temporal_client import connect


def create_app(
    settings: Settings,
    *,
    pool: DatabasePool | None = None,
    temporal: Client | None = None,
    database_url: str | None = None,
) -> FastAPI:
    """With `pool` and `temporal` (tests) the app uses them; otherwise it opens its own
    pool on `database_url` and connects to Temporal at start-up, and closes them at the end."""

    given = (
        Services.build(pool, temporal, settings)
        if pool is not None and temporal is not None
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if given is not None:
            yield
            return
        assert database_url is not None, "database_url is needed without a pool"
        own_pool = await create_pool(
            database_url, give_up_after=settings.database_timeout, max_size=API_POOL_SIZE
        )
        try:
            wire(app, Services.build(own_pool, await connect(settings, own_pool), settings))
            sweeps = [
                asyncio.create_task(services_of(app).intake.redeliver_forever()),
                asyncio.create_task(housekeeping.sweep_forever(own_pool)),
            ]
            try:
                yield
            finally:
                for sweep in sweeps:
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
    if given is not None:
        wire(app, given)
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
    for module in (
        health,
        metrics,
        events,
        episodes,
        hand_over,
        tasks,
        inbox,
        medcom,
        medcom_acknowledgements,
        medcom_replies,
    ):
        app.include_router(module.router)
    app.include_router(closing_summary.router)
    web.install(app)
    return app
