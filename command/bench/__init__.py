"""`hverdagsbro bench`: what the engine costs on top of plain Temporal, measured on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from command.process import in_event_loop
from hverdagsbro.settings import Settings

DEFAULT_JSON = Path("bench-results/latest.json")


@click.command(
    "bench",
    short_help="measure throughput, latency, scale and episode cost against raw Temporal",
    help="Start an isolated system on this machine (its own Temporal dev server, a throw-away "
    "PostgreSQL database, a worker process, the API and a local SMTP server), measure event "
    "ingest against raw signal-with-start, event-to-read-model latency, open episodes at "
    "scale and the history cost of every programme, print a table and write JSON. "
    "--quick finishes in under 3 minutes; the full run takes about 10.",
)
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
    await run_bench(quick=quick, json_path=json_path)
    return 0


async def run_bench(quick: bool, json_path: Path = DEFAULT_JSON) -> dict[str, Any]:
    """Run every measurement, print progress and the table, write JSON to `json_path`."""
    from command.bench.runner import run_bench as run

    return await run(quick, json_path)
