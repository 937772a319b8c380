"""Without HVERDAGSBRO_DATABASE_URL an embedded PostgreSQL starts inside the project, and stops."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from command.database import (
    DatabaseUnavailable,
    embedded_data_dir,
    migrate_and_seed,
    release_database,
    resolve_database_url,
)
from db.programmes import default_programmes
from hverdagsbro.settings import PROJECT_ROOT, Settings


@pytest.fixture
def project_data_dir() -> Iterator[Path]:
    """A data folder inside the project (as root, the embedded server widens its parents'
    permissions, so it must not live under /tmp), removed afterwards."""
    folder = PROJECT_ROOT / "data" / f"test-embedded-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def test_the_embedded_default_starts_migrates_answers_and_stops(
    project_data_dir: Path,
) -> None:
    settings = Settings(database_url=None, data_dir=project_data_dir)
    pgdata = embedded_data_dir(settings)
    url = await resolve_database_url(settings)
    try:
        assert str(pgdata) in url, "the socket lives in the data folder"
        assert "0001_core" in await migrate_and_seed(url)
        assert await migrate_and_seed(url) == []
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT current_database()") == "hverdagsbro"
            assert await conn.fetchval("SELECT count(*) FROM programmes") == len(
                default_programmes()
            )
        finally:
            await conn.close()
        assert (pgdata / "postmaster.pid").exists()
    finally:
        await release_database(settings)
    assert not (pgdata / "postmaster.pid").exists(), "the server stopped with its last user"


async def test_a_second_start_on_the_same_folder_keeps_the_data(project_data_dir: Path) -> None:
    settings = Settings(database_url=None, data_dir=project_data_dir)
    url = await resolve_database_url(settings)
    try:
        await migrate_and_seed(url)
    finally:
        await release_database(settings)
    url = await resolve_database_url(settings)
    try:
        assert await migrate_and_seed(url) == []
    finally:
        await release_database(settings)


async def test_an_unreachable_database_url_names_the_setting() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(database_url=f"postgresql://postgres@127.0.0.1:{port}/hverdagsbro")
    with pytest.raises(DatabaseUnavailable, match="HVERDAGSBRO_DATABASE_URL"):
        await resolve_database_url(settings)
