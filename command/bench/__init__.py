"""`hverdagsbro bench`: what the engine costs on top of plain Temporal, measured on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Standard library only up here: the workflow sandbox imports this package with the baseline
# workflow in command/bench/trivial.py, and third-party modules would load (or fail) in it on
# every run. The command line is in command/cli/bench.py.

DEFAULT_JSON = Path("bench-results/latest.json")
# The parts `--only` can pick, in the order a run measures them (measurements 1-2, 3, 4-5,
# 6-8, 9).
PARTS = ("ingest", "scale", "cost", "medcom", "pages")
SUMMARY = "measure throughput, latency, scale and episode cost against raw Temporal"
DESCRIPTION = (
    "Start an isolated system on this machine (its own Temporal dev server, a throw-away "
    "PostgreSQL database, a worker process, the API and a local SMTP server), measure event "
    "ingest against raw signal-with-start, event-to-read-model latency, open episodes at "
    "scale, the history cost of every programme, and each role's pages and the reports over a "
    "generated region of 100,000 episodes; print a table (beside the previous run's figures) "
    "and write JSON. --quick finishes in about 3 minutes; the full run takes about 30. "
    "--only measures some parts (repeat it), with their JSON beside the full run's."
)


def json_path_for(only: frozenset[str]) -> Path:
    """Where a run of some parts writes its JSON: beside the full run's, not over it, so a
    full run's previous figures stay the full run's."""
    if not only or only == frozenset(PARTS):
        return DEFAULT_JSON
    return DEFAULT_JSON.with_name("only-" + "-".join(p for p in PARTS if p in only) + ".json")


async def run_bench(
    quick: bool, json_path: Path = DEFAULT_JSON, only: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Run the measurements (every one, or the `only` parts), print progress and the table,
    write JSON to `json_path`."""
    from command.bench.runner import run_bench as run

    return await run(quick, json_path, only)
