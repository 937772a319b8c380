"""`hverdagsbro bench`: what the engine costs on top of plain Temporal, measured on this machine."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hverdagsbro.settings import Settings

DEFAULT_JSON = Path("bench-results/latest.json")
SUMMARY = "measure throughput, latency, scale and episode cost against raw Temporal"
DESCRIPTION = (
    "Start an isolated system on this machine (its own Temporal dev server, a throw-away "
    "PostgreSQL database, a worker process, the API and a local SMTP server), measure event "
    "ingest against raw signal-with-start, event-to-read-model latency, open episodes at "
    "scale and the history cost of every programme, print a table and write JSON. "
    "--quick finishes in under 3 minutes; the full run takes about 10."
)


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """--quick and --json."""
    parser.add_argument(
        "--quick", action="store_true", help="smaller numbers, under 3 minutes (every figure)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="PATH",
        help=f"where the results go as JSON (default: {DEFAULT_JSON})",
    )


async def bench_handler(args: argparse.Namespace, settings: Settings | None = None) -> int:
    """The command: run the benchmark with the parsed arguments; exit code 0."""
    await run_bench(quick=args.quick, json_path=args.json)
    return 0


def add_bench_command(subparsers: Any) -> None:
    """Add `bench [--quick] [--json PATH]`; the parsed arguments carry `handler=bench_handler`."""
    parser = subparsers.add_parser("bench", help=SUMMARY, description=DESCRIPTION)
    add_bench_arguments(parser)
    parser.set_defaults(handler=bench_handler)


async def run_bench(quick: bool, json_path: Path = DEFAULT_JSON) -> dict[str, Any]:
    """Run every measurement, print progress and the table, write JSON to `json_path`."""
    from command.bench.runner import run_bench as run

    return await run(quick, json_path)
