"""Measurement 6: what people wait for over a region's population: each role's landing page,
an episode page and the outcome report with its CSV, fetched by concurrent signed-in users
from the benchmark's API process."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import aiohttp

from api.auth import CITIZEN_COOKIE, SESSION_COOKIE
from command.bench.environment import BenchEnvironment
from command.bench.stats import summary_ms
from command.synthetic.population import Population
from db import synthetic_population as population_db
from db.access import create_session
from db.audit import Actor
from db.citizen_sign_in import NewSession, issue_link, sign_in_with_link
from schemas.notifications import Channel

PAGE_TARGET_MS = 300.0
# Each user reads what they got before asking again: on average THINK_S, between half and
# one and a half of it (far busier than a ward nurse reloading a list; without it the users
# would measure the API's throughput, each waiting behind the 19 others).
THINK_S = 1.0
REPORT_TARGET_MS = 1000.0
SESSION_TTL = timedelta(hours=2)


@dataclass(frozen=True)
class Visit:
    """A page one role opens, with that role's session cookie; `paths` are taken in turn."""

    name: str
    cookies: dict[str, str]
    paths: tuple[str, ...]
    target_ms: float


async def _staff_cookie(env: BenchEnvironment, user_id: str) -> dict[str, str]:
    """A session as /login starts one (the same table and cookie)."""
    async with env.pool.acquire() as conn:
        secret, _ = await create_session(conn, user_id, SESSION_TTL)
    return {SESSION_COOKIE: secret}


async def _citizen_cookie(
    env: BenchEnvironment, episode_id: str, citizen_id: str
) -> dict[str, str]:
    """A citizen signed in with a link sent to them, as /my/sign-in does."""
    async with env.pool.acquire() as conn:
        link = await issue_link(
            conn,
            citizen_id=citizen_id,
            episode_id=episode_id,
            channel=Channel.EMAIL,
            asked_by=Actor(role="citizen", actor_id=citizen_id),
        )
        if link is None:
            raise RuntimeError("no sign-in link could be issued for the benchmark's citizen")
        session = await sign_in_with_link(conn, link.secret, SESSION_TTL)
    if not isinstance(session, NewSession):
        raise RuntimeError(f"the benchmark's citizen could not sign in: {session}")
    return {CITIZEN_COOKIE: session.secret}


def _report_periods(today: date) -> dict[str, str]:
    """The last whole quarter, and the year up to yesterday, as report queries."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_end = quarter_start - timedelta(days=1)
    q = (last_quarter_end.month - 1) // 3 + 1
    year_from = today - timedelta(days=365)
    year_to = today - timedelta(days=1)
    return {
        "quarter": f"quarter={last_quarter_end.year}-Q{q}",
        "year": f"from={year_from.isoformat()}&to={year_to.isoformat()}",
    }


async def visits(env: BenchEnvironment, population: Population, today: date) -> list[Visit]:
    """Every page measured: the busiest ward's, peer's, municipality's and the organisation's
    staff, a citizen of that ward, the busiest peer's episodes, and the coordinator's report."""
    roster = population.roster
    async with env.pool.acquire() as conn:
        peer, peer_episodes = await population_db.busiest_peer(conn, population.prefix)
        citizen_episode, citizen = await population_db.open_episode_of_ward(conn, roster.ward_id)
    ward = await _staff_cookie(env, roster.ward_nurse)
    peer_cookie = await _staff_cookie(env, peer)
    caseworker = await _staff_cookie(env, roster.caseworkers["social_services"])
    coordinator = await _staff_cookie(env, roster.coordinator)
    citizen_cookie = await _citizen_cookie(env, citizen_episode, citizen)
    episodes = tuple(f"/episodes/{e}" for e in peer_episodes[:20])
    pages = [
        Visit("ward staff: /ward", ward, ("/ward",), PAGE_TARGET_MS),
        Visit("peer guide: /peer", peer_cookie, ("/peer",), PAGE_TARGET_MS),
        Visit("caseworker: /caseworker", caseworker, ("/caseworker",), PAGE_TARGET_MS),
        Visit("coordinator: /coordinator", coordinator, ("/coordinator",), PAGE_TARGET_MS),
        Visit("citizen: /my/bridge", citizen_cookie, ("/my/bridge",), PAGE_TARGET_MS),
        Visit("peer guide: an episode page", peer_cookie, episodes, PAGE_TARGET_MS),
    ]
    periods = _report_periods(today)
    for period, query in periods.items():
        pages += [
            Visit(
                f"coordinator: /reports, a {period}",
                coordinator,
                (f"/reports?{query}",),
                REPORT_TARGET_MS,
            ),
            Visit(
                f"coordinator: /reports.csv, a {period}",
                coordinator,
                (f"/reports.csv?{query}",),
                REPORT_TARGET_MS,
            ),
        ]
    return pages


async def measure_visit(
    base_url: str, visit: Visit, users: int, requests: int, think_s: float = THINK_S
) -> dict[str, Any]:
    """`requests` fetches by `users` concurrent users (each its own client, reading each
    answer for about `think_s` before the next, the users starting at random within the
    first `think_s`); latency of every answer and how many were not 200."""
    samples: list[float] = []
    failures: list[str] = []
    counter = iter(range(requests))
    pauses = random.Random(requests)  # noqa: S311 (load shape, not secrets)

    async def user() -> None:
        await asyncio.sleep(pauses.uniform(0, think_s))
        async with aiohttp.ClientSession(
            base_url, cookies=visit.cookies, timeout=aiohttp.ClientTimeout(total=60)
        ) as http:
            for n in counter:
                if n >= users:
                    await asyncio.sleep(pauses.uniform(0.5, 1.5) * think_s)
                path = visit.paths[n % len(visit.paths)]
                began = time.monotonic()
                try:
                    async with http.get(path, allow_redirects=False) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as err:
                    failures.append(type(err).__name__)
                    continue
                if status != 200:
                    failures.append(str(status))
                    continue
                samples.append(time.monotonic() - began)

    began = time.monotonic()
    await asyncio.gather(*(user() for _ in range(users)))
    wall = time.monotonic() - began
    ms = summary_ms(samples)
    return {
        "page": visit.name,
        "users": users,
        "requests": requests,
        "think_s": think_s,
        "failed": len(failures),
        "failures": sorted(set(failures)),
        "pages_per_s": round(len(samples) / wall, 1) if wall > 0 else 0.0,
        "latency_ms": ms,
        "target_p95_ms": visit.target_ms,
        "met": not failures and ms["p95"] <= visit.target_ms,
    }


async def measure_pages(
    env: BenchEnvironment,
    population: Population,
    today: date,
    *,
    users: int,
    requests: int,
    report_users: int,
    report_requests: int,
    say: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Each page in turn, after one warm-up fetch each (the first request of a statement
    pays for its plan; a report's first fetch counts it, the later ones within
    HVERDAGSBRO_REPORT_CACHE_SECONDS get the kept report): its time is kept as `first_ms`."""
    results: list[dict[str, Any]] = []
    planned: Sequence[Visit] = await visits(env, population, today)
    for visit in planned:
        is_report = visit.target_ms == REPORT_TARGET_MS
        first = await measure_visit(env.api_url, visit, 1, 1, think_s=0)
        result = await measure_visit(
            env.api_url,
            visit,
            report_users if is_report else users,
            report_requests if is_report else requests,
        )
        result["first_ms"] = first["latency_ms"]["p50"]
        ms = result["latency_ms"]
        say(
            f"  {visit.name}: p50/p95/p99 {ms['p50']:.0f}/{ms['p95']:.0f}/{ms['p99']:.0f} ms"
            f" (first {result['first_ms']:.0f} ms)"
            + (f", {result['failed']} failed {result['failures']}" if result["failed"] else "")
        )
        results.append(result)
    return results
