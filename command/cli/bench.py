"""The `bench` command: its options, and the benchmark run on an event loop of its own."""

from __future__ import annotations

from pathlib import Path

import click

from command.bench import DEFAULT_JSON, DESCRIPTION, PARTS, SUMMARY, json_path_for, run_bench
from command.process import in_event_loop
from hverdagsbro.dev_secrets import refuse_in_production
from hverdagsbro.settings import Settings


@click.command("bench", short_help=SUMMARY, help=DESCRIPTION)
@click.option("--quick", is_flag=True, help="smaller numbers, under 3 minutes (every figure)")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    metavar="PATH",
    help=f"where the results go as JSON [default: {DEFAULT_JSON}; with --only, beside it]",
)
@click.option(
    "--only",
    type=click.Choice(PARTS),
    multiple=True,
    help="measure only this part (repeatable): ingest and latency, scale, cost, medcom "
    "(MedCom and courses), pages (the generated region's pages and reports)",
)
@in_event_loop()
async def bench(
    settings: Settings, quick: bool, json_path: Path | None, only: tuple[str, ...]
) -> int:
    refuse_in_production(
        settings,
        "`hverdagsbro bench` (a Temporal dev server and generated keys)",
        remedy="measure on a development machine",
    )
    parts = frozenset(only)
    await run_bench(quick=quick, json_path=json_path or json_path_for(parts), only=parts)
    return 0
