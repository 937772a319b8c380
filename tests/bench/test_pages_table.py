"""The benchmark's page and report rows: each with its target and met/not met, and the
previous run's figure beside the new one."""

from __future__ import annotations

from typing import Any

from command.bench.table import render_table


def _page(name: str, p95: float, target: float, failed: int = 0) -> dict[str, Any]:
    return {
        "page": name,
        "users": 20,
        "requests": 100,
        "think_s": 1.0,
        "failed": failed,
        "failures": ["503"] if failed else [],
        "latency_ms": {"p50": p95 / 2, "p95": p95, "p99": p95 * 1.2, "max": p95 * 2},
        "target_p95_ms": target,
        "met": not failed and p95 <= target,
    }


def _results(ward_p95: float) -> dict[str, Any]:
    return {
        "command": "hverdagsbro bench --quick",
        "started_at": "2026-12-05T08:00:00+00:00",
        "population": {
            "episodes": 10_000,
            "open": 1_000,
            "wards": 12,
            "municipalities": 20,
            "peers": 400,
            "days": 730,
            "seconds": 12.5,
            "rows": {"tasks": 100, "timeline": 200, "events_received": 30},
        },
        "pages": [
            _page("ward staff: /ward", ward_p95, 300),
            {**_page("coordinator: /reports, a year", 1500, 1000), "first_ms": 3800.0},
            _page("caseworker: /caseworker", 100, 300, failed=3),
        ],
    }


def test_every_page_row_shows_its_percentiles_and_whether_it_met_its_target() -> None:
    flat = " ".join(render_table(_results(ward_p95=250)).split())
    assert "10,000 episodes, 1,000 open" in flat
    assert "ward staff: /ward (20 users, 100 requests, ~1.0 s apart) p50/p95/p99" in flat
    assert "| 125/250/300 ms | p95 <= 300 ms met |" in flat
    # A report's first fetch (its count) shows beside the kept ones.
    assert "| 750/1,500/1,800 ms; first 3,800 ms | p95 <= 1,000 ms NOT met |" in flat
    # A page that failed is not met, however fast its answers.
    assert "3 failed | p95 <= 300 ms NOT met |" in flat
    assert "previous" not in flat


def test_the_previous_runs_figures_stand_beside_the_new_ones() -> None:
    table = render_table(_results(ward_p95=250), previous=_results(ward_p95=900))
    flat = " ".join(table.split())
    assert "| measurement | figure | result | previous | target |" in flat
    assert "| 125/250/300 ms | 450/900/1,080 ms | p95 <= 300 ms met |" in flat
    assert "Previous: hverdagsbro bench --quick at 2026-12-05T08:00:00+00:00" in table


def test_a_previous_run_without_a_figure_shows_a_dash() -> None:
    older = {"command": "hverdagsbro bench", "started_at": "2026-11-01T00:00:00+00:00"}
    older["pages"] = [_page("ward staff: /ward", 400, 300)]
    flat = " ".join(render_table(_results(ward_p95=250), previous=older).split())
    assert "| 750/1,500/1,800 ms; first 3,800 ms | - | p95 <= 1,000 ms NOT met |" in flat
