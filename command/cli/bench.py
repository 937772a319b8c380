"""The `bench` command: its options, and the benchmark run on an event loop of its own."""

from __future__ import annotations

from pathlib import Path

import click

from command.bench import DEFAULT_JSON, DESCRIPTION, SUMMARY, run_bench
from command.process import in_event_loop
from hverdagsbro.dev_secrets import refuse_in_production
from hverdagsbro.settings import Settings


@click.command("bench", short_help=SUMMARY, help=DESCRIPTION)
@click.option("--quick", is_flag=True, help="smaller numbers, under 3 minutes (every figure)")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=DEFAULT_JSON,
    show_default=True,
    metavar="PATH",
    help="where the results go as JSON",
)
@in_event_loop()
async def bench(settings: Settings, quick: bool, json_path: Path) -> int:
    refuse_in_production(
        settings,
        "`hverdagsbro bench` (a Temporal dev server and generated keys)",
        remedy="measure on a development machine",
    )
    await run_bench(quick=quick, json_path=json_path)
    return 0
