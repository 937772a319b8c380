"""The compose init script on a PostgreSQL of its own: Temporal's role owns its two databases and
nothing else; it cannot act as the superuser nor reach the application's data, nor the reverse."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from command.database import _release_embedded, _start_embedded
from hverdagsbro.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "deploy" / "postgres" / "10-create-roles-and-databases.sh"
# A password with a quote in it: psql must quote it, never splice it into the SQL.
TEMPORAL_PASSWORD = "te'mp; DROP ROLE postgres; --"


class Cluster:
    """A throw-away PostgreSQL (the embedded server, socket only) that the script has set up."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata

    async def connect(self, user: str, database: str) -> asyncpg.Connection:
        return await asyncpg.connect(host=str(self.pgdata), user=user, database=database)


@pytest.fixture(scope="module")
async def cluster() -> AsyncIterator[Cluster]:
    # Inside the project: as root, the embedded server widens its parents' permissions.
    folder = PROJECT_ROOT / "data" / f"test-roles-{uuid.uuid4().hex[:8]}"
    pgdata = (folder / "postgres").resolve()
    await asyncio.to_thread(_start_embedded, pgdata)
    try:
        env = {
            **os.environ,
            "PGHOST": str(pgdata),
            "POSTGRES_USER": "postgres",
            "TEMPORAL_DB_PASSWORD": TEMPORAL_PASSWORD,
            "APP_DB_PASSWORD": uuid.uuid4().hex,
        }
        process = await asyncio.create_subprocess_exec(
            "sh",
            str(SCRIPT),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate()
        assert process.returncode == 0, out.decode()
        yield Cluster(pgdata)
    finally:
        await asyncio.to_thread(_release_embedded, pgdata)
        shutil.rmtree(folder, ignore_errors=True)


async def test_temporal_owns_its_two_databases_and_can_build_its_schema(cluster: Cluster) -> None:
    for database in ("temporal", "temporal_visibility"):
        conn = await cluster.connect("temporal", database)
        try:
            await conn.execute("CREATE TABLE schema_version_probe (id int)")
            await conn.execute("DROP TABLE schema_version_probe")
        finally:
            await conn.close()


async def test_the_visibility_schema_s_extension_is_there_for_temporal(cluster: Cluster) -> None:
    conn = await cluster.connect("temporal", "temporal_visibility")
    try:
        # The first statement of Temporal's PostgreSQL 12 visibility schema.
        await conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        assert await conn.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'btree_gin'")
    finally:
        await conn.close()


async def test_temporal_is_no_superuser_and_cannot_make_roles_or_databases(
    cluster: Cluster,
) -> None:
    conn = await cluster.connect("temporal", "temporal")
    try:
        assert (
            await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = 'temporal'") is False
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE DATABASE stolen")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE ROLE intruder SUPERUSER")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("ALTER ROLE hverdagsbro PASSWORD 'known'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch("SELECT rolpassword FROM pg_authid")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("COPY (SELECT 1) TO PROGRAM 'true'")
    finally:
        await conn.close()


async def test_temporal_cannot_reach_the_application_database(cluster: Cluster) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="hverdagsbro"):
        await cluster.connect("temporal", "hverdagsbro")


async def test_the_application_cannot_reach_temporal_databases(cluster: Cluster) -> None:
    for database in ("temporal", "temporal_visibility"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match=database):
            await cluster.connect("hverdagsbro", database)


async def test_the_password_was_stored_as_given_not_run_as_sql(cluster: Cluster) -> None:
    conn = await cluster.connect("postgres", "postgres")
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_roles WHERE rolname = 'postgres'") == 1
        stored = await conn.fetchval("SELECT rolpassword FROM pg_authid WHERE rolname = 'temporal'")
        assert stored.startswith("SCRAM-SHA-256$")
    finally:
        await conn.close()
