"""With HVERDAGSBRO_ENVIRONMENT=production no development fallback runs: no generated key or
token, no embedded PostgreSQL, no demo users, no dev server; each refusal names the setting."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import pytest
from click.testing import CliRunner, Result

from command.cli import cli
from command.demo import DEMO_NURSE
from db.pool import DatabasePool
from hverdagsbro.dev_secrets import DevelopmentOnlyError
from hverdagsbro.encryption import generate_key
from hverdagsbro.settings import PROJECT_ROOT, Settings
from hverdagsbro.temporal_client import keyring
from tests.conftest import ADMIN_URL
from tests.platform.conftest import CapturedLogs

PRODUCTION = "HVERDAGSBRO_ENVIRONMENT=production"


async def hverdagsbro(data_dir: Path, *args: str, **env: str | None) -> Result:
    """The command in production, in a thread (it runs its own event loop); no keys unless
    given, state (if any were made) under `data_dir`."""
    environment: dict[str, str | None] = {
        "HVERDAGSBRO_ENVIRONMENT": "production",
        "HVERDAGSBRO_DATA_DIR": str(data_dir),
        "HVERDAGSBRO_DATABASE_URL": None,
        "HVERDAGSBRO_ENCRYPTION_KEYS": None,
        "HVERDAGSBRO_CODEC_TOKENS": None,
        **env,
    }
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=environment)


async def serving_command(data_dir: Path, *args: str, **env: str) -> tuple[int, str]:
    """A command that serves until stopped, in a process of its own (it handles signals)."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HVERDAGSBRO_") or k == "HVERDAGSBRO_TEST_DATABASE_URL"
    }
    environment |= {
        "HVERDAGSBRO_ENVIRONMENT": "production",
        "HVERDAGSBRO_DATA_DIR": str(data_dir),
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from command.cli import main; main()",
        *args,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def database_exists(url: str) -> bool:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        name = url.rpartition("/")[2]
        return bool(await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await admin.close()


def test_production_never_generates_an_encryption_key(tmp_path: Path) -> None:
    settings = Settings(environment="production", encryption_keys=None, data_dir=tmp_path)

    with pytest.raises(DevelopmentOnlyError, match="set HVERDAGSBRO_ENCRYPTION_KEYS"):
        keyring(settings)

    assert list(tmp_path.iterdir()) == []


def test_development_still_generates_one_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings(environment="development", encryption_keys=None, data_dir=tmp_path)

    first, again = keyring(settings), keyring(settings)

    assert first.key_ids == again.key_ids == ["dev1"]
    assert (tmp_path / "encryption-keys").stat().st_mode & 0o777 == 0o600


async def test_the_codec_server_without_keys_refuses_to_start_in_production(
    tmp_path: Path, database_url: str
) -> None:
    code, output = await serving_command(
        tmp_path, "codec-server", HVERDAGSBRO_DATABASE_URL=database_url
    )

    assert code == 1, output
    assert PRODUCTION in output
    assert "set HVERDAGSBRO_ENCRYPTION_KEYS" in output
    assert "Traceback" not in output
    assert not (tmp_path / "encryption-keys").exists()


async def test_the_codec_server_refuses_a_shared_token_in_production(
    tmp_path: Path, database_url: str
) -> None:
    code, output = await serving_command(
        tmp_path,
        "codec-server",
        HVERDAGSBRO_DATABASE_URL=database_url,
        HVERDAGSBRO_ENCRYPTION_KEYS=f"k1:{generate_key()}",
        HVERDAGSBRO_CODEC_TOKENS="shared-by-everyone",
    )

    assert code == 1, output
    assert "HVERDAGSBRO_CODEC_TOKENS" in output
    assert PRODUCTION in output
    assert "Traceback" not in output


async def test_no_embedded_postgresql_in_production(
    tmp_path: Path, captured_logs: CapturedLogs
) -> None:
    result = await hverdagsbro(tmp_path, "migrate")

    assert result.exit_code == 1, result.output
    assert "the embedded PostgreSQL" in result.output
    assert "set HVERDAGSBRO_DATABASE_URL" in result.output
    assert not (tmp_path / "postgres").exists()


async def test_the_demo_refuses_production_and_adds_no_users_with_a_known_password(
    tmp_path: Path, database_url: str, db_pool: DatabasePool, captured_logs: CapturedLogs
) -> None:
    users_before = await db_pool.fetchval("SELECT count(*) FROM users")

    result = await hverdagsbro(
        tmp_path,
        "demo",
        HVERDAGSBRO_DATABASE_URL=database_url,
        HVERDAGSBRO_ENCRYPTION_KEYS=f"k1:{generate_key()}",
    )

    assert result.exit_code == 1, result.output
    assert "`hverdagsbro demo`" in result.output
    assert PRODUCTION in result.output
    assert await db_pool.fetchval("SELECT count(*) FROM users") == users_before
    assert await db_pool.fetchval("SELECT count(*) FROM users WHERE user_id = $1", DEMO_NURSE) == 0


async def test_the_demo_creates_no_database_in_production(
    tmp_path: Path, fresh_database_url: str, captured_logs: CapturedLogs
) -> None:
    result = await hverdagsbro(tmp_path, "demo", HVERDAGSBRO_DATABASE_URL=fresh_database_url)

    assert result.exit_code == 1, result.output
    assert not await database_exists(fresh_database_url)


@pytest.mark.parametrize("command", ["dev", "dev-server", "bench"])
async def test_the_development_commands_refuse_production(
    tmp_path: Path, command: str, captured_logs: CapturedLogs
) -> None:
    result = await hverdagsbro(tmp_path, command)

    assert result.exit_code == 1, result.output
    assert f"`hverdagsbro {command}`" in result.output
    assert PRODUCTION in result.output
    assert list(tmp_path.iterdir()) == [], "nothing was started or generated"
