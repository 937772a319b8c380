"""Measurement: a course term opens and people enrol at once through the public enrolment page
/enrol/<term_id>, each a person of their own from an address of their own.

The load generator stands in for the TLS proxy in front of the API (the benchmark's API trusts
127.0.0.1, as production trusts its proxy: HVERDAGSBRO_TRUSTED_PROXIES) and passes each
person's address in X-Forwarded-For. The page's throttling (db/login_attempts, ENROL_POLICY in
api/web/courses.py) is left as production has it: whoever it turns away is counted and shown."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

import aiohttp

from command.bench.environment import BenchEnvironment
from command.bench.progress import Progress
from command.bench.stats import summary_ms
from db import courses
from db.audit import Actor
from schemas.courses import (
    EnrolmentStatus,
    NewCourse,
    NewSession,
    NewTerm,
    ParticipantKind,
)
from workers.course_starter import ensure_term_workflow

COURSE_PROGRAMME = "recovery-college"
ENROL_COOKIE = "hb_enrol"
TARGET_SECONDS = 60.0
_HIDDEN = re.compile(r'<input type="hidden" name="(enrol_token|key)" value="([^"]+)">')


@dataclass
class Enrolments:
    """What the people achieved: each one's outcome and the latency of their submission."""

    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0


async def open_term(env: BenchEnvironment, seats: int) -> str:
    """A course of the roster's organisation with a term of eight weekly sessions and
    `seats` seats, opened for enrolment, its workflow started as the pages start it."""
    who = Actor(role="coordinator", actor_id=env.roster.coordinator)
    first = datetime.combine(
        datetime.now(UTC).date() + timedelta(days=14), clock(10, 0), tzinfo=UTC
    )
    starts = [first + timedelta(weeks=w) for w in range(8)]
    async with env.pool.acquire() as conn:
        course_id = await courses.create_course(
            conn,
            NewCourse(
                programme=COURSE_PROGRAMME,
                organisation_id=env.roster.organisation_id,
                title="Recovery and everyday life",
                title_da="Recovery og hverdagsliv",
                participant_kinds=(ParticipantKind.CITIZEN, ParticipantKind.RELATIVE),
                sessions_to_complete=6,
            ),
            who,
        )
        term_id = await courses.create_term(
            conn,
            NewTerm(
                course_id=course_id,
                starts_on=first.date(),
                place="Recovery-skolen, lokale 2",
                seats=seats,
                sessions=tuple(
                    NewSession(starts_at=s, ends_at=s + timedelta(hours=2)) for s in starts
                ),
            ),
            who,
        )
        await courses.open_term(conn, term_id, who)
    await ensure_term_workflow(env.client, term_id, task_queue=env.settings.task_queue)
    return term_id


def address(n: int) -> str:
    """Person n's own address (10.0.0.1 onwards)."""
    n += 1
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


async def _enrol_one(http: aiohttp.ClientSession, term_id: str, n: int, done: Enrolments) -> None:
    """Person n opens the page, fills it in and sends it; the outcome as the page says it."""
    forwarded = {"X-Forwarded-For": address(n)}
    async with http.get(f"/enrol/{term_id}?lang=en", headers=forwarded) as page:
        text = await page.text()
        cookie = page.cookies.get(ENROL_COOKIE)
    hidden = dict(_HIDDEN.findall(text))
    if page.status != 200 or cookie is None or len(hidden) != 2:
        done.outcomes[f"page http {page.status}"] += 1
        return
    form = {
        "enrol_token": hidden["enrol_token"],
        "key": hidden["key"],
        "display_name": f"Deltager {n}",
        "email": f"deltager{n}@example.dk",
        "phone": "",
        "kind": ParticipantKind.RELATIVE.value if n % 3 else ParticipantKind.CITIZEN.value,
        "consent": "yes",
    }
    began = time.monotonic()
    async with http.post(
        f"/enrol/{term_id}?lang=en",
        data=form,
        headers={**forwarded, "Cookie": f"{ENROL_COOKIE}={cookie.value}"},
    ) as answer:
        await answer.read()
    done.latencies.append(time.monotonic() - began)
    if answer.status == 200:
        done.outcomes["taken"] += 1
    elif answer.status == 429:
        done.outcomes["throttled (429)"] += 1
    else:
        done.outcomes[f"http {answer.status}"] += 1


async def _enrol_all(
    env: BenchEnvironment, term_id: str, people: int, concurrency: int
) -> Enrolments:
    done = Enrolments()
    queue = list(range(people))
    connector = aiohttp.TCPConnector(limit=concurrency + 10)
    async with aiohttp.ClientSession(
        base_url=env.api_url,
        connector=connector,
        # Every person keeps their own cookie: sent by hand, never shared through a jar.
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=120.0),
    ) as http:

        async def person() -> None:
            while queue:
                n = queue.pop(0)
                try:
                    await _enrol_one(http, term_id, n, done)
                except (aiohttp.ClientError, TimeoutError) as err:
                    done.outcomes[type(err).__name__] += 1

        began = time.monotonic()
        await asyncio.gather(*(person() for _ in range(concurrency)))
        done.wall = time.monotonic() - began
    return done


async def course_opening(
    env: BenchEnvironment, people: int, seats: int, concurrency: int, say: Progress
) -> dict[str, Any]:
    """`people` enrol at once in a term of `seats` seats; seats and the waiting list are
    checked against what the people were told."""
    term_id = await open_term(env, seats)
    say(f"8 course: {people} people enrol at once in a term of {seats} seats (public page)")
    done = await _enrol_all(env, term_id, people, concurrency)
    async with env.pool.acquire() as conn:
        counted = await courses.seats(conn, term_id)
        listed = await courses.enrolments(conn, term_id)
    positions = sorted(
        e.position for e in listed if e.status == EnrolmentStatus.WAITING and e.position is not None
    )
    taken = done.outcomes["taken"]
    right = (
        counted.enrolled == min(seats, taken)
        and counted.waiting == max(0, taken - seats)
        and positions == list(range(1, counted.waiting + 1))
    )
    result = {
        "people": people,
        "seats": seats,
        "concurrency": concurrency,
        "taken": taken,
        "outcomes": dict(done.outcomes),
        "enrolled": counted.enrolled,
        "waiting": counted.waiting,
        "seats_and_waiting_list_right": right,
        "seconds": round(done.wall, 2),
        "enrolments_per_s": round(taken / done.wall, 1) if done.wall > 0 else 0.0,
        "submit_ms": summary_ms(done.latencies),
        "target_seconds": TARGET_SECONDS,
        "met": taken == people and right and done.wall <= TARGET_SECONDS,
    }
    say(
        f"  {taken} of {people} taken in {done.wall:.1f} s ({dict(done.outcomes)}); "
        f"{counted.enrolled} seats, {counted.waiting} waiting"
    )
    return result
