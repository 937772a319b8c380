"""Measurement: a course term opens and people enrol at once, on the public enrolment page
/enrol/<term_id> (each a person of their own from an address of their own) and, on a second
term, through the staff form /courses/enrol (staff enrolling people who ring or come by).

The load generator stands in for the TLS proxy in front of the API (the benchmark's API trusts
127.0.0.1, as production trusts its proxy: HVERDAGSBRO_TRUSTED_PROXIES) and passes each
person's address in X-Forwarded-For. The public page's throttling (db/login_attempts,
ENROL_POLICY in api/web/courses.py: one term 200 submissions an hour from everywhere) is left
as production has it: whoever it turns away is counted and shown. The staff form is not
throttled; it shows what the enrolment itself takes."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

import aiohttp

from api.auth import SESSION_COOKIE
from command.bench.environment import BenchEnvironment
from command.bench.progress import Progress
from command.bench.stats import summary_ms
from db import courses
from db.access import create_session
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


def _person(n: int) -> dict[str, str]:
    """Person n as a form describes them (a made-up name and address; every third one a
    citizen, the others relatives)."""
    return {
        "display_name": f"Deltager {n}",
        "email": f"deltager{n}@example.dk",
        "phone": "",
        "kind": ParticipantKind.RELATIVE.value if n % 3 else ParticipantKind.CITIZEN.value,
        "consent": "yes",
    }


def _outcome(status: int, taken: int, done: Enrolments) -> None:
    if status == taken:
        done.outcomes["taken"] += 1
    elif status == 429:
        done.outcomes["throttled (429)"] += 1
    else:
        done.outcomes[f"http {status}"] += 1


async def _enrol_in_public(
    http: aiohttp.ClientSession, term_id: str, n: int, done: Enrolments
) -> None:
    """Person n opens the public page, fills it in and sends it; the outcome as the page
    says it. The submission is what is timed."""
    forwarded = {"X-Forwarded-For": address(n)}
    async with http.get(f"/enrol/{term_id}?lang=en", headers=forwarded) as page:
        text = await page.text()
        cookie = page.cookies.get(ENROL_COOKIE)
    hidden = dict(_HIDDEN.findall(text))
    if page.status != 200 or cookie is None or len(hidden) != 2:
        done.outcomes[f"page http {page.status}"] += 1
        return
    form = {"enrol_token": hidden["enrol_token"], "key": hidden["key"], **_person(n)}
    began = time.monotonic()
    async with http.post(
        f"/enrol/{term_id}?lang=en",
        data=form,
        headers={**forwarded, "Cookie": f"{ENROL_COOKIE}={cookie.value}"},
    ) as answer:
        await answer.read()
    done.latencies.append(time.monotonic() - began)
    _outcome(answer.status, 200, done)


@dataclass(frozen=True)
class StaffSession:
    cookie: str
    csrf: str


async def _staff_sessions(env: BenchEnvironment) -> list[StaffSession]:
    """Signed-in staff who enrol people who ring or come by: the coordinator, the ward nurse
    and the peers, one session each."""
    roster = env.roster
    sessions = []
    async with env.pool.acquire() as conn:
        for user_id in (roster.coordinator, roster.ward_nurse, *roster.peers):
            secret, csrf = await create_session(conn, user_id, timedelta(hours=1))
            sessions.append(StaffSession(cookie=secret, csrf=csrf))
    return sessions


Enrol = Callable[[aiohttp.ClientSession, str, int, Enrolments], Awaitable[None]]


def _by_staff(sessions: list[StaffSession]) -> Enrol:
    async def enrol(http: aiohttp.ClientSession, term_id: str, n: int, done: Enrolments) -> None:
        """Staff member n % len(sessions) enrols person n with the staff form; timed."""
        staff = sessions[n % len(sessions)]
        form = {
            "csrf": staff.csrf,
            "term_id": term_id,
            "episode_id": "",
            "key": f"cp-{secrets.token_hex(16)}",
            **_person(n),
            "kind": ParticipantKind.RELATIVE.value,
        }
        began = time.monotonic()
        async with http.post(
            "/courses/enrol?lang=en",
            data=form,
            headers={"Cookie": f"{SESSION_COOKIE}={staff.cookie}"},
            allow_redirects=False,
        ) as answer:
            await answer.read()
        done.latencies.append(time.monotonic() - began)
        _outcome(answer.status, 303, done)

    return enrol


async def _everyone(
    env: BenchEnvironment, term_id: str, people: int, concurrency: int, enrol: Enrol
) -> Enrolments:
    """`people` enrolments by `concurrency` at once, as fast as each is answered."""
    done = Enrolments()
    queue = list(range(people))
    async with aiohttp.ClientSession(
        base_url=env.api_url,
        connector=aiohttp.TCPConnector(limit=concurrency + 10),
        # Every person keeps their own cookie: sent by hand, never shared through a jar.
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=120.0),
    ) as http:

        async def person() -> None:
            while queue:
                n = queue.pop(0)
                try:
                    await enrol(http, term_id, n, done)
                except (aiohttp.ClientError, TimeoutError) as err:
                    done.outcomes[type(err).__name__] += 1

        began = time.monotonic()
        await asyncio.gather(*(person() for _ in range(concurrency)))
        done.wall = time.monotonic() - began
    return done


async def _opening(
    env: BenchEnvironment, people: int, seats: int, concurrency: int, enrol: Enrol
) -> dict[str, Any]:
    """A term of `seats` opens and `people` enrol at once; seats and the waiting list are
    checked against what the people were told."""
    term_id = await open_term(env, seats)
    done = await _everyone(env, term_id, people, concurrency, enrol)
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
    return {
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


async def course_opening(
    env: BenchEnvironment, people: int, seats: int, concurrency: int, say: Progress
) -> dict[str, Any]:
    """A term opening on the public page (throttled as in production), and the same opening
    through the staff form, each on a term of its own."""
    result: dict[str, Any] = {}
    for path, enrol in (
        ("public", _enrol_in_public),
        ("staff", _by_staff(await _staff_sessions(env))),
    ):
        say(f"8 course: {people} people enrol at once in a term of {seats} seats ({path})")
        result[path] = one = await _opening(env, people, seats, concurrency, enrol)
        say(
            f"  {one['taken']} of {people} taken in {one['seconds']:.1f} s ({one['outcomes']}); "
            f"{one['enrolled']} seats, {one['waiting']} waiting"
        )
    return result
