"""The API app on the test database and the time-skipping server, and callers with roles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Protocol

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import SESSION_COOKIE
from db.access import create_session, create_token
from db.pool import DatabasePool
from hverdagsbro.settings import Settings

Caller = Callable[[str], Awaitable[httpx.AsyncClient]]


class TokenCaller(Protocol):
    """Makes a client with a fresh API token of a role, bound to ward SOR codes and
    organisations (unbound, it speaks for nobody)."""

    def __call__(
        self, role: str, *, sor_codes: Sequence[str] = (), organisations: Sequence[str] = ()
    ) -> Awaitable[httpx.AsyncClient]: ...


@pytest.fixture(scope="session")
def api_app(
    db_pool: DatabasePool,
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
) -> FastAPI:
    settings = Settings(task_queue=task_queue)
    return create_app(settings, pool=db_pool, temporal=time_skipping_env.client)


@pytest.fixture
async def as_user(api_app: FastAPI, db_pool: DatabasePool) -> AsyncIterator[Caller]:
    """A client logged in as the given user (a real session in the database)."""
    clients: list[httpx.AsyncClient] = []

    async def make(user_id: str) -> httpx.AsyncClient:
        async with db_pool.acquire() as conn:
            secret, _ = await create_session(conn, user_id, timedelta(hours=1))
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api_app),
            base_url="http://test",
            cookies={SESSION_COOKIE: secret},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def as_token(api_app: FastAPI, db_pool: DatabasePool) -> AsyncIterator[TokenCaller]:
    """A client holding a fresh API token of the given role and binding."""
    clients: list[httpx.AsyncClient] = []

    async def make(
        role: str, *, sor_codes: Sequence[str] = (), organisations: Sequence[str] = ()
    ) -> httpx.AsyncClient:
        async with db_pool.acquire() as conn:
            _, secret = await create_token(
                conn,
                name=f"test {role}",
                role=role,
                ttl=None,
                sor_codes=sor_codes,
                organisations=organisations,
            )
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api_app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {secret}"},
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def anonymous(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api_app), base_url="http://test"
    ) as client:
        yield client
