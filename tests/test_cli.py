"""The `hverdagsbro` command as a newcomer meets it: help for everything, migrate, the README."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from api.passwords import verify_password
from command.cli import COMMANDS
from command.database import database_name
from command.demo import DEMO_PASSWORD, demo_roster, load_demo_roster
from db.pool import create_pool
from hverdagsbro.settings import PROJECT_ROOT, Settings
from tests.conftest import ADMIN_URL

HVERDAGSBRO = str(Path(sys.executable).parent / "hverdagsbro")


def hverdagsbro(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HVERDAGSBRO, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_help_lists_every_command_and_where_to_start() -> None:
    result = hverdagsbro("--help")
    assert result.returncode == 0, result.stderr
    for name in COMMANDS:
        assert name in result.stdout
    assert "make run" in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_explains_itself(name: str) -> None:
    result = hverdagsbro(name, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: hverdagsbro {name}" in result.stdout


def test_an_unknown_command_is_refused_with_usage() -> None:
    result = hverdagsbro("fly")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


@pytest.fixture
async def fresh_database_url() -> AsyncIterator[str]:
    """The URL of a database that does not exist yet on the test server; dropped afterwards."""
    name = f"hverdagsbro_cli_{uuid.uuid4().hex[:10]}"
    base, _, _ = ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def test_migrate_creates_the_database_applies_every_migration_then_nothing(
    fresh_database_url: str,
) -> None:
    env = {"HVERDAGSBRO_DATABASE_URL": fresh_database_url}

    first = hverdagsbro("migrate", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "applied 0001_core" in first.stdout
    assert database_name(fresh_database_url) in first.stdout

    again = hverdagsbro("migrate", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already up to date" in again.stdout

    conn = await asyncpg.connect(fresh_database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM programmes") == 6
    finally:
        await conn.close()


def test_migrate_against_an_unreachable_server_says_which_setting_to_fix() -> None:
    result = hverdagsbro(
        "migrate", env={"HVERDAGSBRO_DATABASE_URL": "postgresql://postgres@127.0.0.1:9/nowhere"}
    )
    assert result.returncode == 1
    assert "HVERDAGSBRO_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


async def test_the_demo_roster_loads_twice_without_duplicates(fresh_database_url: str) -> None:
    assert (
        hverdagsbro("migrate", env={"HVERDAGSBRO_DATABASE_URL": fresh_database_url}).returncode == 0
    )
    roster = demo_roster()
    pool = await create_pool(fresh_database_url, max_size=2)
    try:
        await load_demo_roster(pool, roster)
        await pool.execute("UPDATE peers SET active_load = 1 WHERE peer_id = 'peer-demo-anna'")
        await load_demo_roster(pool, roster)
        assert await pool.fetchval("SELECT count(*) FROM users") == len(roster.users)
        assert await pool.fetchval("SELECT count(*) FROM peers") == len(roster.peers)
        # A reload refreshes the roster but leaves what the running episodes hold.
        assert (
            await pool.fetchval("SELECT active_load FROM peers WHERE peer_id = 'peer-demo-anna'")
            == 1
        )
        roles = {r["role"] for r in await pool.fetch("SELECT DISTINCT role FROM users")}
        assert roles == {"ward", "peer", "coordinator", "caseworker", "operator"}
        hashes = [r["password_hash"] for r in await pool.fetch("SELECT password_hash FROM users")]
        assert all(verify_password(h, DEMO_PASSWORD) for h in hashes), "demo users can log in"
        assert DEMO_PASSWORD not in hashes, "only hashes are stored"
    finally:
        await pool.close()


def test_the_demo_roster_has_every_role_and_only_fictional_people() -> None:
    roster = demo_roster()
    assert all(u.email.endswith("@example.org") for u in roster.users)
    peers = roster.peers
    assert 4 <= len(peers) <= 5
    assert {p.peer.employment for p in peers if p.peer} == {"employed", "volunteer"}
    assert any(p.peer and not p.peer.trained for p in peers)
    caseworkers = {(u.municipality_code, u.service) for u in roster.users if u.role == "caseworker"}
    assert len(caseworkers) == len(roster.municipalities) * 3
    running_peers = {p.organisation_id for p in peers}
    coordinated = {u.organisation_id for u in roster.users if u.role == "coordinator"}
    assert running_peers <= coordinated


def test_readme_lists_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"HVERDAGSBRO_{name.upper()}"
        for name in Settings.model_fields
        if f"`HVERDAGSBRO_{name.upper()}`" not in readme
    ]
    assert missing == [], f"add these settings to the README's configuration table: {missing}"


def test_demo_without_a_running_dev_stack_says_to_start_it_first(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = hverdagsbro(
        "demo",
        env={
            "HVERDAGSBRO_TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
            "HVERDAGSBRO_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 1
    assert "make run" in result.stderr
    assert "Traceback" not in result.stderr


async def test_token_create_prints_a_working_secret_once_and_revoke_stops_it(
    database_url: str,
) -> None:
    from db.access import token_record
    from db.pool import create_pool

    env = {"HVERDAGSBRO_DATABASE_URL": database_url}
    created = hverdagsbro(
        "token", "create", "--role", "medcom_gateway", "--name", "Region test gateway", env=env
    )
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    token_id = lines[0].split()[1]
    secret = lines[1].strip()
    assert secret.startswith("hb_")
    pool = await create_pool(database_url, max_size=1)
    try:
        async with pool.acquire() as conn:
            record = await token_record(conn, secret)
            assert record is not None
            assert record["role"] == "medcom_gateway"
            assert (
                await conn.fetchval("SELECT count(*) FROM api_tokens WHERE token_hash = $1", secret)
                == 0
            ), "only the hash is stored"
        revoked = hverdagsbro("token", "revoke", token_id, env=env)
        assert revoked.returncode == 0, revoked.stderr
        async with pool.acquire() as conn:
            assert await token_record(conn, secret) is None
    finally:
        await pool.close()
    again = hverdagsbro("token", "revoke", token_id, env=env)
    assert again.returncode == 1
