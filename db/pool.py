"""Connection pools for PostgreSQL."""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext

from hverdagsbro.settings import get_settings


class BoundedPool(asyncpg.Pool):
    """An asyncpg pool whose `acquire()` waits a bounded time by default.

    asyncpg waits for a free connection forever unless told otherwise. When PostgreSQL hangs,
    every pooled connection soon sits in a statement that is timing out, and further callers
    would queue behind them with no limit; here they give up (TimeoutError) after
    `acquire_within` seconds, so the API answers 503 and activities retry.
    """

    def __init__(self, *args: Any, acquire_within: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_within = acquire_within

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        return super().acquire(timeout=self.acquire_within if timeout is None else timeout)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Releasing a connection skips asyncpg's reset query (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL): a round trip on every release, about 7 % of the API's profile
    in the benchmark. Our code leaves no session state behind: no SET, no LISTEN,
    cursors only inside transactions, the migration lock released in a finally. asyncpg
    still rolls back a transaction left open."""


async def create_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    give_up_after: float | None = None,
    application_name: str = "hverdagsbro",
) -> asyncpg.Pool:
    """A pool that gives up on PostgreSQL instead of hanging when it is away or stuck.

    `give_up_after` (seconds; default HVERDAGSBRO_DATABASE_TIMEOUT) bounds opening a
    connection and each statement. A statement that times out costs up to twice that, as
    asyncpg then waits as long again for its cancel request: the API's 503 comes within that
    time and activities retry. Waiting for a free connection is bounded by the same time.
    """
    seconds = get_settings().database_timeout if give_up_after is None else give_up_after
    pool = BoundedPool(
        url,
        acquire_within=seconds,
        min_size=min_size,
        max_size=max_size,
        timeout=seconds,
        command_timeout=seconds,
        server_settings={"application_name": application_name},
        reset=_keep_session,
        # What asyncpg.create_pool passes when not told otherwise (Pool itself insists).
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
    )
    await pool  # opens min_size connections, as asyncpg.create_pool does
    return pool
