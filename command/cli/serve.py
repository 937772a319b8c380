"""The commands that run the system, or one part of it, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio

import click

from command.process import CommandError, in_event_loop, stop_on_signals
from hverdagsbro.dev_secrets import refuse_in_production
from hverdagsbro.settings import Settings


@click.command(
    "dev",
    short_help="run everything locally in the foreground (what `make run` does)",
    help="Start the Temporal dev server, PostgreSQL (embedded unless HVERDAGSBRO_DATABASE_URL "
    "is set), apply migrations, catch e-mails locally, and run the worker and the web/API. "
    "State is kept in the data folder (HVERDAGSBRO_DATA_DIR), so episodes survive a "
    "restart. Ctrl-C or SIGTERM stops everything cleanly.",
)
@in_event_loop()
async def dev(settings: Settings) -> int:
    from command.api_server import dev_ui_codec_endpoint
    from command.database import database
    from command.dev_mail import mail_folder, start_mail_catcher
    from command.dev_server import start_dev_server

    refuse_in_production(
        settings,
        "`hverdagsbro dev` (a Temporal dev server, mail catcher and generated secrets)",
        remedy="run the worker, api and codec-server commands against the real services",
    )
    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: click.echo("\nStopping (this takes a few seconds)...")):
        click.echo("Starting hverdagsbro on this machine; Ctrl-C stops everything.")
        click.echo(
            f"  Temporal dev server: starting (its log: {settings.data_dir}/temporal/server.log)"
        )
        codec = dev_ui_codec_endpoint(settings)
        server = await start_dev_server(settings, extra_args=["--ui-codec-endpoint", codec])
        mail = None
        try:
            state = "already running, reused" if server.reused else "ready"
            click.echo(f"  Temporal dev server: {state} at {server.address}")
            async with database(settings) as database_url:
                await _database_step(settings, database_url)
                mail = start_mail_catcher(settings)
                if mail is not None:
                    click.echo(
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
    click.echo("Stopped.")
    return 0


async def _database_step(settings: Settings, database_url: str) -> None:
    from command.database import describe, embedded_data_dir, migrate_and_seed

    where = (
        describe(database_url)
        if settings.database_url
        else f"embedded, files in {embedded_data_dir(settings)}"
    )
    click.echo(f"  PostgreSQL: {where}")
    applied = await migrate_and_seed(database_url)
    click.echo(f"  Migrations: {'applied ' + ', '.join(applied) if applied else 'up to date'}")


def _print_ready(settings: Settings) -> None:
    from command.dev_server import ui_url

    web = f"http://{settings.api_host}:{settings.api_port}"
    namespace = settings.temporal_namespace
    click.echo(
        "\n".join(
            [
                "",
                "Ready.",
                f"  Temporal UI   {ui_url(settings)}/namespaces/{namespace}/workflows",
                f"  Web/API       {web}   (API docs: {web}/docs)",
                f"  Worker        task queue {settings.task_queue}",
                f"  Codec server  http://{settings.codec_host}:{settings.codec_port} "
                "(the UI decodes payloads through it)",
                f"  Metrics       {_metrics_where(settings)}",
                f"  State         {settings.data_dir}   (stop, then delete it to start afresh)",
                *(
                    [
                        f"  MedCom        files in {settings.medcom_directory} "
                        "(out/: sent; in/: picked up and delivered to the API)"
                    ]
                    if settings.medcom_transport == "directory"
                    else []
                ),
                "  Try it        run `.venv/bin/hverdagsbro demo` in another terminal",
                "Press Ctrl-C to stop.",
                "",
            ]
        )
    )


def _metrics_where(settings: Settings) -> str:
    """Where the worker's two metrics endpoints are: the configured ports, or the file the
    worker writes once it has picked free ones."""
    from hverdagsbro.metrics_discovery import targets_folder

    if settings.metrics_port and settings.sdk_metrics_port:
        host = f"http://{settings.metrics_host}"
        return (
            f"{host}:{settings.metrics_port}/metrics (ours), "
            f"{host}:{settings.sdk_metrics_port}/metrics (Temporal SDK)"
        )
    return (
        f"{targets_folder(settings.data_dir)}/worker-<pid>.json lists the worker's two ports "
        "(ours and the Temporal SDK's, picked free at start; also in its log)"
    )


async def _serve(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """Worker, web/API and codec server side by side until `stop`, or until one fails."""
    from command.api_server import serve_api, serve_codec
    from workers.worker import run_worker

    services = [
        asyncio.create_task(run_worker(settings, database_url, stop), name="worker"),
        asyncio.create_task(serve_api(settings, database_url, stop), name="web/API"),
        asyncio.create_task(serve_codec(settings, database_url, stop), name="codec server"),
    ]
    if settings.medcom_transport == "directory":
        from command.medcom_pickup import serve_medcom_pickup

        services.append(
            asyncio.create_task(
                serve_medcom_pickup(settings, database_url, stop), name="MedCom pick-up"
            )
        )
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({*services, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    results = await asyncio.gather(*services, return_exceptions=True)
    await stopping
    for task, result in zip(services, results, strict=True):
        if isinstance(result, BaseException):
            raise CommandError(f"the {task.get_name()} stopped: {result}") from result


@click.command(
    "dev-server",
    short_help="run only the Temporal dev server (state in the data folder)",
    help="Run `temporal server start-dev` with this project's settings: state in "
    "<data dir>/temporal/temporal.db, the UI on HVERDAGSBRO_TEMPORAL_UI_PORT, and the "
    "search attributes registered. If a Temporal server already answers on the port, says "
    "so and exits. Ctrl-C or SIGTERM stops it.",
)
@in_event_loop()
async def dev_server(settings: Settings) -> int:
    from command.dev_server import start_dev_server

    refuse_in_production(
        settings,
        "`hverdagsbro dev-server` (a Temporal dev server)",
        remedy="point HVERDAGSBRO_TEMPORAL_ADDRESS at the real Temporal cluster",
    )
    click.echo(f"Temporal dev server: starting (its log: {settings.data_dir}/temporal/server.log)")
    server = await start_dev_server(settings)
    if server.reused:
        click.echo(f"A Temporal server is already running at {server.address}; nothing to do.")
        return 0
    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: click.echo("Stopping the Temporal dev server...")):
        try:
            click.echo(
                f"Temporal dev server: {server.address}, UI {server.ui_url}; Ctrl-C stops it."
            )
            await stop.wait()
        finally:
            await asyncio.to_thread(server.stop)
    click.echo("Stopped.")
    return 0


@click.command(
    "worker",
    short_help="run only the episode worker",
    help="Run the worker that executes episode workflows and activities against the Temporal "
    "server at HVERDAGSBRO_TEMPORAL_ADDRESS and the configured PostgreSQL, until Ctrl-C or "
    "SIGTERM. Start more than one to share the load. Apply migrations first "
    "(`hverdagsbro migrate`).",
)
@in_event_loop()
async def worker(settings: Settings) -> int:
    from command.database import database
    from workers.worker import run_worker

    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: click.echo("Stopping the worker...")):
        async with database(settings) as database_url:
            click.echo(
                f"Worker: task queue {settings.task_queue} on {settings.temporal_address} "
                f"(namespace {settings.temporal_namespace}); Ctrl-C stops it."
            )
            await run_worker(settings, database_url, stop)
    click.echo("Worker stopped.")
    return 0


@click.command(
    "api",
    short_help="run only the web pages and the JSON API",
    help="Serve the pages and the JSON API (OpenAPI at /docs) on HVERDAGSBRO_API_HOST:"
    "HVERDAGSBRO_API_PORT against the configured PostgreSQL and Temporal, until Ctrl-C or "
    "SIGTERM. Several can run behind a load balancer.",
)
# Commands that only serve HTTP run on uvloop (libuv; uvicorn then also parses with
# httptools): in the benchmark the API spent about a third less CPU per request. Workers
# keep asyncio's own loop, which the Temporal SDK is tested on.
@in_event_loop(uvloop=True)
async def api(settings: Settings) -> int:
    from command.api_server import serve_api
    from command.database import database

    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: click.echo("Stopping the web/API...")):
        async with database(settings) as database_url:
            click.echo(f"Web/API: http://{settings.api_host}:{settings.api_port}; Ctrl-C stops it.")
            await serve_api(settings, database_url, stop)
    click.echo("Web/API stopped.")
    return 0


@click.command(
    "codec-server",
    short_help="run only the codec server the Temporal UI uses to decode payloads",
    help="Serve POST /decode (Temporal's codec protocol) on HVERDAGSBRO_CODEC_HOST:"
    "HVERDAGSBRO_CODEC_PORT with the payload keys of HVERDAGSBRO_ENCRYPTION_KEYS and the "
    "episode keys in the database. Callers send 'Authorization: Bearer <token>' with their "
    "own operator API token (`hverdagsbro token create --role operator`); every decode is "
    "written to the audit log. In development only: /encode, a shared token from "
    "HVERDAGSBRO_CODEC_TOKENS, and that token in the path (/t/<token>/decode) for the local "
    "UI. CORS allows HVERDAGSBRO_CODEC_ALLOWED_ORIGINS.",
)
@in_event_loop(uvloop=True)
async def codec_server(settings: Settings) -> int:
    from command.api_server import serve_codec
    from command.database import database

    stop = asyncio.Event()
    with stop_on_signals(stop, lambda: click.echo("Stopping the codec server...")):
        async with database(settings) as database_url:
            click.echo(
                f"Codec server: http://{settings.codec_host}:{settings.codec_port}; "
                "Ctrl-C stops it."
            )
            await serve_codec(settings, database_url, stop)
    click.echo("Codec server stopped.")
    return 0
