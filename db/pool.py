"""Connection pools for PostgreSQL."""

from __future__ import annotations

import asyncpg


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections give up on a stuck statement instead of hanging forever."""
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        command_timeout=30,
        server_settings={"application_name": "hverdagsbro"},
    )
    assert pool is not None
    return pool
