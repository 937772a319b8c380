"""Connection pools for PostgreSQL."""

from __future__ import annotations

import asyncpg

from hverdagsbro.settings import get_settings


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
    time and activities retry.
    """
    seconds = get_settings().database_timeout if give_up_after is None else give_up_after
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        timeout=seconds,
        command_timeout=seconds,
        server_settings={"application_name": application_name},
        reset=_keep_session,
    )
    assert pool is not None
    return pool
