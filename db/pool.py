"""Connection pools for PostgreSQL."""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext

# Connections each long-running process may open (the README's "Running at scale" adds them
# up): a worker runs up to 100 activities and 8 workflow tasks, each commit holding one
# connection for its transaction; an API process serves concurrent requests and its sweeps.
WORKER_POOL_SIZE = 20
API_POOL_SIZE = 20
CODEC_POOL_SIZE = 4


class DatabasePool:
    """An asyncpg pool whose `acquire()` waits a bounded time by default.

    asyncpg waits for a free connection forever unless told otherwise. When PostgreSQL hangs,
    every pooled connection soon sits in a statement that is timing out, and further callers
    would queue behind them with no limit; here they give up (TimeoutError) after
    `acquire_within` seconds, so the API answers 503 and activities retry.

    It wraps the pool rather than subclassing it, so only what the code uses is offered and
    every way to a connection goes through the bounded `acquire()`.
    """

    def __init__(self, pool: asyncpg.Pool, *, acquire_within: float) -> None:
        self._pool = pool
        self.acquire_within = acquire_within

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext[asyncpg.Record]:
        return self._pool.acquire(timeout=self.acquire_within if timeout is None else timeout)

    async def close(self) -> None:
        await self._pool.close()

    # One statement on a connection borrowed for it (tests and one-off checks use these), as
    # asyncpg.Pool's own shortcuts do, but through the bounded acquire().
    async def execute(self, query: str, *args: object) -> str:
        async with self.acquire() as conn:
            return await conn.execute(query, *args)

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        async with self.acquire() as conn:
            return await conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: object) -> asyncpg.Record | None:
        async with self.acquire() as conn:
            return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: object) -> Any:
        async with self.acquire() as conn:
            return await conn.fetchval(query, *args)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Releasing a connection skips asyncpg's reset query (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL): a round trip on every release, about 7 % of the API's profile
    in the benchmark. Our code leaves no session state behind: no SET, no LISTEN,
    cursors only inside transactions, the migration lock released in a finally. asyncpg
    still rolls back a transaction left open."""


async def create_pool(
    url: str,
    *,
    give_up_after: float,
    min_size: int = 1,
    max_size: int = 10,
    application_name: str = "hverdagsbro",
) -> DatabasePool:
    """A pool that gives up on PostgreSQL instead of hanging when it is away or stuck.

    `give_up_after` (seconds; callers pass HVERDAGSBRO_DATABASE_TIMEOUT) bounds opening a
    connection and each statement. A statement that times out costs up to twice that, as
    asyncpg then waits as long again for its cancel request: the API's 503 comes within that
    time and activities retry. Waiting for a free connection is bounded by the same time.
    """
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        timeout=give_up_after,
        command_timeout=give_up_after,
        # No JIT: compiling a plan costs more than running the short statements of pages and
        # commits (tens of milliseconds on a year's report, measured by `hverdagsbro bench`).
        server_settings={"application_name": application_name, "jit": "off"},
        reset=_keep_session,
    )
    return DatabasePool(pool, acquire_within=give_up_after)
