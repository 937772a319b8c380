"""The pool gives up instead of queueing forever when every connection is busy."""

from __future__ import annotations

import asyncio

import pytest

from db.pool import create_pool


async def test_a_caller_waiting_for_a_busy_pool_gives_up_after_the_database_timeout(
    database_url: str,
) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1, give_up_after=0.5)
    try:
        loop = asyncio.get_running_loop()
        async with pool.acquire() as held:
            started = loop.time()
            with pytest.raises(TimeoutError):
                async with pool.acquire():
                    pass
            waited = loop.time() - started
            assert 0.4 < waited < 3.0, waited
            assert await held.fetchval("SELECT 1") == 1
        # Released: the next caller gets the connection at once.
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT 2") == 2
        # A caller may still ask for a longer wait explicitly.
        async with pool.acquire(timeout=5) as conn:
            assert await conn.fetchval("SELECT 3") == 3
    finally:
        await pool.close()
