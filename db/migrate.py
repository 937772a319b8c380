"""Applies the versioned SQL migrations in db/migrations, each once, in file-name order."""

from __future__ import annotations

from importlib import resources

import structlog

from db.connection import PooledConnection

log = structlog.get_logger(__name__)

# Any constant works; it only keeps two migrators from running at the same time.
_MIGRATION_LOCK = 72_202_611


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) for every migration shipped with the package, oldest first."""
    folder = resources.files("db") / "migrations"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


async def migrate(conn: PooledConnection) -> list[str]:
    """Apply what is missing; returns the versions applied now."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for version, sql in migration_files():
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            log.info("migration applied", version=version)
            applied_now.append(version)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now
