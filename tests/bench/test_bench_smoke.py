"""Smoke test of the benchmark: the cheap pieces run and print; no timing is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import click
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from command.bench import PARTS, json_path_for, run_bench
from command.bench.episode_cost import TWELVE_WEEK_PROGRAMME, episode_cost
from command.bench.machine import describe_machine
from command.bench.stats import percentile, summary_ms
from command.bench.table import render_table
from command.cli.bench import bench
from command.synthetic.roster import make_roster
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from workers.worker import build_worker, episode_activities


def test_the_command_line_takes_quick_json_and_only() -> None:
    context = bench.make_context("bench", ["--quick", "--json", "out.json", "--only", "pages"])
    assert context.params == {"quick": True, "json_path": Path("out.json"), "only": ("pages",)}
    defaults = bench.make_context("bench", [])
    assert defaults.params == {"quick": False, "json_path": None, "only": ()}


def test_a_run_of_some_parts_writes_beside_the_full_runs_json() -> None:
    assert json_path_for(frozenset()) == Path("bench-results/latest.json")
    assert json_path_for(frozenset(PARTS)) == Path("bench-results/latest.json")
    assert json_path_for(frozenset({"pages", "ingest"})) == Path(
        "bench-results/only-ingest-pages.json"
    )


def test_only_refuses_a_part_it_does_not_know() -> None:
    with pytest.raises(click.BadParameter, match="pagez"):
        bench.make_context("bench", ["--only", "pagez"])


def test_percentiles_by_nearest_rank() -> None:
    samples = [n / 1000 for n in range(1, 101)]
    assert percentile(samples, 50) == 0.05
    assert summary_ms(samples) == {"p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}


def test_the_table_prints_every_figure_it_is_given() -> None:
    latency_ms = {"p50": 10.0, "p95": 20.0, "p99": 30.0, "max": 40.0}
    results = {
        "command": "hverdagsbro bench --quick",
        "machine": describe_machine(),
        "ingest": {
            "episodes": 5,
            "concurrency": 2,
            "ratio": 0.5,
            "workers_stopped": {
                "ratio": 0.5,
                "raw": {"events": 10, "events_per_s": 100.0, "latency_ms": latency_ms},
                "api": {"events": 10, "events_per_s": 50.0, "latency_ms": latency_ms},
            },
            "workers_running": {
                "ratio": 0.25,
                "raw": {"events": 10, "events_per_s": 80.0, "latency_ms": latency_ms},
                "api": {"events": 10, "events_per_s": 20.0, "latency_ms": latency_ms},
            },
            "processing": {
                "events": 10,
                "seconds": 2.0,
                "events_per_s": 5.0,
                "applying": {"events": 10, "seconds": 1.0, "events_per_s": 10.0},
            },
        },
        "latency": {
            "offered_events_per_s": 5,
            "seconds": 1,
            "visible": 5,
            "failed": 0,
            "never_visible": 0,
            "to_read_model_ms": latency_ms,
        },
        "scale": [
            {
                "open_episodes": 10_000,
                "started_now": 10_000,
                "start_seconds": 1.0,
                "settled_seconds": 2.0,
                "worker_rss_mib": 300.0,
                "worker_rss_peak_mib": 310.0,
                "max_cached_workflows": 1000,
                "rows": {
                    "episodes": 1,
                    "tasks": 2,
                    "timeline": 3,
                    "outbox": 4,
                    "audit_log": 5,
                    "database_mib": 6.0,
                },
            }
        ],
        "lifecycle": {"programme": "recovery-college", "weeks": 12, "wall_seconds": 3.0},
    }
    table = render_table(results)
    print(table)
    assert "Machine: " in table
    flat = " ".join(table.split())
    assert "workers stopped: ratio API / raw | 0.50 | >= 0.8 NOT met" in flat
    assert "workers running: ratio API / raw | 0.25 | (same 2 cores)" in flat
    assert (
        "10 events in 2.0 s = 5.0 ev/s; first to last applied 10.0 ev/s | >= 250 ev/s applied "
        "NOT met" in flat
    )
    assert "< 600 MB met" in table
    assert "recovery-college (12 weeks)" in table


async def test_a_twelve_week_episode_costs_under_a_thousand_history_events(
    time_skipping_env: WorkflowEnvironment,
    db_pool: DatabasePool,
    worker_settings: Settings,
) -> None:
    roster = await make_roster(db_pool, peers=2, capacity=50, label="bench")
    async with httpx.AsyncClient(timeout=5.0) as http:
        worker = build_worker(
            time_skipping_env.client,
            task_queue="bench-smoke",
            activities=episode_activities(db_pool, worker_settings, http),
            max_cached_workflows=10,
        )
        async with worker:
            cost = await episode_cost(
                time_skipping_env, db_pool, roster, "bench-smoke", TWELVE_WEEK_PROGRAMME
            )
    print(json.dumps(cost, indent=2))
    assert cost["final_phase"] == "closed"
    assert cost["runs"] == 1
    assert 0 < cost["history_events"] < 1000
    assert 0 < cost["largest_payload_bytes"] <= cost["payload_bytes"]
    table = render_table({"episode_cost": {"programmes": [{**cost, "twelve_weeks": True}]}})
    assert "< 1000, 1 run met" in table


@pytest.mark.slow
async def test_the_quick_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    results = await run_bench(quick=True, json_path=tmp_path / "bench.json")
    written = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert written["ingest"]["workers_stopped"]["api"]["accepted"] > 0
    assert written["ingest"]["processing"]["events"] > 0
    assert written["scale"][0]["open_episodes"] == results["scale"][0]["open_episodes"]
    assert written["episode_cost"]["continue_as_new"]["runs"] > 1
