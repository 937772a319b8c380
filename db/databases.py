"""Creating and dropping whole databases on a server (run from its `postgres` database)."""

from __future__ import annotations

import asyncpg


def _identifier(name: str) -> str:
    # CREATE/DROP DATABASE take no parameters, so the one name is quoted here, and only here.
    return '"' + name.replace('"', '""') + '"'


async def database_exists(conn: asyncpg.Connection, name: str) -> bool:
    found = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    return found is not None


async def create_database(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute(f"CREATE DATABASE {_identifier(name)}")


async def drop_database(conn: asyncpg.Connection, name: str) -> None:
    """Gone even while connections are open (they are ended); no error if it is missing."""
    await conn.execute(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)")
