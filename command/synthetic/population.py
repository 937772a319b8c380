"""A region's years of episodes, made up: one organisation with its wards, municipalities and
peers, and episodes spread over the bridge programmes and about two years, each with the
tasks, timeline lines, goals, milestones, contact and received events its phase implies.
Written in bulk straight into the read model (no workflows), for the benchmark's pages and
reports. Deterministic for a seed, apart from the ids' random tag."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache

from command.synthetic.roster import BRIDGE_PROGRAMMES, Roster, make_roster
from db import synthetic_population as rows_db
from db.connection import PooledConnection
from db.pool import DatabasePool
from db.programmes import default_programmes
from schemas import timeline_texts
from schemas.consent import ConsentScope
from schemas.episode import Phase
from schemas.programme import MilestoneKind
from schemas.tasks import JobStatus, TaskKind, TaskStatus

Record = rows_db.Record

# Where open episodes stand (weights), and how closed ones ended.
OPEN_PHASES = {
    Phase.MATCHING: 5,
    Phase.UNMATCHED: 1,
    Phase.PRE_DISCHARGE: 15,
    Phase.DISCHARGED: 5,
    Phase.FOLLOW_UP: 68,
    Phase.READMITTED: 3,
    Phase.CLOSING: 3,
}
ENDED_PHASES = {Phase.CLOSED: 80, Phase.WITHDRAWN: 10, Phase.CANCELLED: 8, Phase.DECEASED: 2}
# (task kind, who holds it) in order; follow-ups come between the first contact and closing.
# (Plain strings: the loop below runs for every task of 100,000 episodes.)
_STEPS = tuple(
    (kind.value, role)
    for kind, role in (
        (TaskKind.PEER_OFFER, "peer"),
        (TaskKind.DISCHARGE_AGREEMENT, "ward"),
        (TaskKind.COORDINATION_PLAN, "ward"),
        (TaskKind.NETWORK_MEETING, "ward"),
        (TaskKind.FIRST_CONTACT, "peer"),
        (TaskKind.FOLLOW_UP, "peer"),
        (TaskKind.OUTCOME_QUESTIONNAIRE, "peer"),
        (TaskKind.DEBRIEF, "coordinator"),
    )
)
_PEER_OFFER = TaskKind.PEER_OFFER.value
_NETWORK_MEETING = TaskKind.NETWORK_MEETING.value
_FIRST_CONTACT = TaskKind.FIRST_CONTACT.value
_FOLLOW_UP = TaskKind.FOLLOW_UP.value
_OPEN = TaskStatus.OPEN.value
_ACCEPTED = TaskStatus.ACCEPTED.value
_COMPLETED = TaskStatus.COMPLETED.value
CONSENTS = (
    (ConsentScope.PEER_SUPPORT.value, ConsentScope.SHARE_WITH_MUNICIPALITY.value),
    (ConsentScope.PEER_SUPPORT.value,),
    (
        ConsentScope.PEER_SUPPORT.value,
        ConsentScope.SHARE_WITH_MUNICIPALITY.value,
        ConsentScope.SHARE_WITH_JOBCENTER.value,
    ),
)
MILESTONES = tuple(
    m.value
    for m in (
        MilestoneKind.MUNICIPAL_SERVICE,
        MilestoneKind.JOB_STEP,
        MilestoneKind.EDUCATION_STEP,
        MilestoneKind.NETWORK_ACTIVITY,
    )
)
JOBS = tuple(j.value for j in JobStatus)
COPY_CHUNK = 20_000


@dataclass(frozen=True)
class PopulationPlan:
    """How many episodes (and of them open), over how many wards, municipalities and peers."""

    episodes: int
    open: int
    wards: int = 12
    municipalities: int = 20
    peers: int = 400
    days: int = 730
    seed: int = 20


@dataclass
class Population:
    """What was made: the organisation's roster (its first ward and municipality are the
    busiest), the other wards and municipalities, the ids' prefix and the rows per table."""

    roster: Roster
    prefix: str
    wards: list[str]
    municipalities: list[str]
    episodes: int
    open: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def caseworker(self, municipality_code: str) -> str:
        """The social-services caseworker of a municipality of the population."""
        if municipality_code == self.roster.municipality_code:
            return self.roster.caseworkers["social_services"]
        return f"cw-pop-{municipality_code}"


@cache
def _line_text(key: str, params: tuple[str, ...]) -> tuple[str, str]:
    """A timeline line's English summary and its params as JSON (names and values in turn);
    the same few lines recur, so each is made once."""
    named = dict(zip(params[::2], params[1::2], strict=True))
    return timeline_texts.english(key, named), json.dumps(named)


def _weights(n: int) -> list[float]:
    """Zipf-like: the first is the busiest, as a region's biggest ward or municipality."""
    return [1 / (k + 1) ** 0.7 for k in range(n)]


class _Episodes:
    """The rows of every episode, built in memory table by table."""

    def __init__(self, plan: PopulationPlan, population: Population, now: datetime) -> None:
        self.plan = plan
        self.pop = population
        self.now = now
        self.rnd = random.Random(plan.seed)  # noqa: S311 (made-up data, repeatable)
        self.tables: dict[str, list[Record]] = {t: [] for t in rows_db.TABLES}
        self.citizens: list[str] = []
        programmes = {p.code: p for p in default_programmes()}
        self.programmes = [programmes[c] for c in BRIDGE_PROGRAMMES]
        self.ward_weights = _weights(len(population.wards))
        self.municipality_weights = _weights(len(population.municipalities))

    def build(self) -> None:
        opens = set(self.rnd.sample(range(self.plan.episodes), self.plan.open))
        for n in range(self.plan.episodes):
            self._episode(n, n in opens)

    def _episode(self, n: int, is_open: bool) -> None:
        rnd, pop = self.rnd, self.pop
        episode_id = f"{pop.prefix}{n:06d}"
        citizen_id = f"{pop.prefix}c{rnd.getrandbits(64):016x}"
        programme = rnd.choice(self.programmes)
        ward = rnd.choices(pop.wards, self.ward_weights)[0]
        municipality = rnd.choices(pop.municipalities, self.municipality_weights)[0]
        if is_open:
            phase = rnd.choices(list(OPEN_PHASES), list(OPEN_PHASES.values()))[0]
            referred = self.now - timedelta(days=rnd.uniform(0.5, 150))
        else:
            phase = rnd.choices(list(ENDED_PHASES), list(ENDED_PHASES.values()))[0]
            referred = self.now - timedelta(days=rnd.uniform(20, self.plan.days))
        follow_ups = rnd.randint(2, 8)
        plan = [*_STEPS[:5], *[_STEPS[5]] * follow_ups, *_STEPS[6:]]
        done_steps = self._steps_done(phase, follow_ups, len(plan))
        peer = rnd.choice(pop.roster.peers) if done_steps >= 1 else None
        holders = {
            "peer": peer or pop.roster.coordinator,
            "ward": ward,
            "coordinator": pop.roster.organisation_id,
        }
        at = referred
        seq = 0
        timeline = self.tables["timeline"]

        def line(kind: str, key: str, params: tuple[str, ...], task_id: str | None = None) -> None:
            nonlocal seq
            seq += 1
            summary, params_json = _line_text(key, params)
            timeline.append(
                (
                    f"{episode_id}:e{seq}",
                    episode_id,
                    at,
                    kind,
                    None,
                    None,
                    summary,
                    task_id,
                    seq,
                    key,
                    params_json,
                )
            )

        line("referral", "timeline.referred", ("programme", programme.name or programme.code))
        discharged_at = first_contact_at = closed_at = next_due = None
        next_kind = None
        overdue = follow_ups_done = 0
        for number, (kind, role) in enumerate(plan[: done_steps + (1 if is_open else 0)]):
            task_id = f"{episode_id}:t{number}"
            created = at
            due = created + timedelta(days=rnd.uniform(1, 14))
            if is_open:
                # An ended episode keeps each task's decision line, not its "new task" line
                # too: it is shown rarely, and its lines are most of the population's rows.
                line("task", "timeline.task_new", ("task", kind), task_id)
            still_open = is_open and number == done_steps
            if phase == Phase.UNMATCHED and still_open:
                kind, role = TaskKind.MANUAL_MATCH.value, "coordinator"
            if still_open:
                late = due < self.now or rnd.random() < 0.1
                if late:
                    due = min(due, self.now - timedelta(hours=rnd.uniform(1, 72)))
                    overdue += 1
                next_due, next_kind = due, kind
                self._task(task_id, episode_id, kind, role, holders[role], number, created, due)
                break
            decided = min(created + timedelta(days=rnd.uniform(0.1, 10)), self.now)
            at = decided
            status = _ACCEPTED if kind == _PEER_OFFER else _COMPLETED
            self._task(
                task_id, episode_id, kind, role, holders[role], number, created, due, status, at
            )
            line("decision", "timeline.decision", ("task", kind, "status", status))
            if kind == _NETWORK_MEETING:
                discharged_at = at
                line("phase", "timeline.phase", ("phase", Phase.DISCHARGED.value))
            if kind == _FIRST_CONTACT:
                first_contact_at = at
            if kind == _FOLLOW_UP:
                follow_ups_done += 1
        if not is_open:
            closed_at = at
            line("phase", "timeline.phase", ("phase", phase.value))
        elif phase != Phase.MATCHING:
            line("phase", "timeline.phase", ("phase", phase.value))
        milestones: list[str] = []
        if first_contact_at is not None and rnd.random() < 0.5:
            milestones = rnd.sample(MILESTONES, rnd.randint(1, 2))
        if first_contact_at is not None and rnd.random() < 0.3:
            self._caseworker_task(episode_id, municipality, is_open, first_contact_at, seq)
        goals = rnd.randint(1, 2)
        reached = rnd.randint(0, goals) if phase == Phase.CLOSED else 0
        ended = phase == Phase.CLOSED
        self.tables["episodes"].append(
            (
                episode_id,
                citizen_id,
                programme.code,
                phase.value,
                peer,
                municipality,
                ward,
                pop.roster.organisation_id,
                rnd.random() < 0.15,
                list(rnd.choice(CONSENTS)),
                referred,
                discharged_at,
                first_contact_at,
                next_due,
                next_kind,
                overdue,
                follow_ups_done,
                follow_ups,
                1 if phase == Phase.READMITTED else 0,
                milestones,
                rnd.randint(1, 6) if first_contact_at else None,
                rnd.randint(3, 10) if ended else None,
                rnd.randint(0, 4) if first_contact_at else None,
                rnd.randint(1, 8) if ended else None,
                rnd.choice(JOBS) if ended else None,
                goals,
                reached,
                closed_at,
                "" if is_open else phase.value,
                seq,
                "admitted",
            )
        )
        self.citizens.append(citizen_id)
        self.tables["episode_contacts"].append(
            (
                episode_id,
                citizen_id,
                f"Borger {n}",
                f"{citizen_id}@example.org",
                "ward",
                pop.roster.ward_nurse,
                referred,
            )
        )
        for g in range(goals):
            self.tables["episode_goals"].append(
                (
                    episode_id,
                    g,
                    f"g{g + 1}",
                    "network" if g == 0 else "job",
                    "Meet people again" if g == 0 else "Find work I can manage",
                    "reached" if g < reached else "active",
                    referred,
                    follow_ups_done,
                )
            )
        self._events(episode_id, citizen_id, programme.code, referred, discharged_at, milestones)

    def _steps_done(self, phase: Phase, follow_ups: int, steps: int) -> int:
        """How many of the episode's steps are done in its phase (an open episode's next
        step is its open task)."""
        rnd = self.rnd
        match phase:
            case Phase.MATCHING | Phase.UNMATCHED:
                return 0
            case Phase.PRE_DISCHARGE:
                return rnd.randint(1, 3)
            case Phase.DISCHARGED:
                return 4
            case Phase.FOLLOW_UP | Phase.READMITTED:
                return 5 + rnd.randint(0, follow_ups - 1)
            case Phase.CLOSING:
                return 5 + follow_ups
            case Phase.CLOSED:
                return steps
        return rnd.randint(1, 4 + follow_ups)

    def _task(
        self,
        task_id: str,
        episode_id: str,
        kind: str,
        role: str,
        holder: str,
        number: int,
        created: datetime,
        due: datetime,
        status: str = _OPEN,
        decided: datetime | None = None,
    ) -> None:
        is_open = status == _OPEN
        self.tables["tasks"].append(
            (
                task_id,
                episode_id,
                kind,
                role,
                holder,
                None,
                status,
                number,
                created,
                due,
                is_open and due < self.now,
                decided,
                None if is_open else holder,
                number + 1,
            )
        )

    def _caseworker_task(
        self, episode_id: str, municipality: str, is_open: bool, at: datetime, seq: int
    ) -> None:
        """The municipality confirms a service: open while the episode is."""
        due = at + timedelta(days=10)
        self.tables["tasks"].append(
            (
                f"{episode_id}:cs",
                episode_id,
                TaskKind.CONFIRM_SERVICE.value,
                "caseworker",
                municipality,
                "social_services",
                TaskStatus.OPEN.value if is_open else TaskStatus.COMPLETED.value,
                0,
                at,
                due,
                is_open and due < self.now,
                None if is_open else due,
                None if is_open else self.pop.caseworker(municipality),
                seq,
            )
        )

    def _events(
        self,
        episode_id: str,
        citizen_id: str,
        programme: str,
        referred: datetime,
        discharged_at: datetime | None,
        milestones: list[str],
    ) -> None:
        events = self.tables["events_received"]
        actor = {"role": "ward", "id": self.pop.roster.ward_nurse}

        def event(kind: str, at: datetime, payload: dict[str, object]) -> None:
            event_id = f"{episode_id}:{kind}:{len(events)}"
            body = {
                "event_id": event_id,
                "type": kind,
                "occurred_at": at.isoformat(),
                "actor": actor,
                "payload": payload,
            }
            events.append(
                (
                    event_id,
                    kind,
                    episode_id,
                    citizen_id,
                    "api",
                    "applied",
                    at,
                    at,
                    json.dumps(body),
                )
            )

        event("referral_created", referred, {"programme": programme, "languages": ["da"]})
        if discharged_at is not None:
            planned = discharged_at.date().isoformat()
            event("discharge_planned", discharged_at, {"planned_for": planned})
            for kind in milestones:
                event("milestone_reached", discharged_at, {"kind": kind, "detail": ""})


async def _copy(conn: PooledConnection, table: str, records: list[Record]) -> int:
    """The rows in chunks (asyncpg encodes a whole COPY's records before sending)."""
    copied = 0
    for start in range(0, len(records), COPY_CHUNK):
        copied += await rows_db.copy_rows(conn, table, records[start : start + COPY_CHUNK])
    return copied


async def make_population(pool: DatabasePool, plan: PopulationPlan) -> Population:
    """The organisation and its episodes, written in bulk; statistics refreshed after."""
    began = time.monotonic()
    roster = await make_roster(
        pool, peers=plan.peers, capacity=1000, label="pop", employed=plan.peers // 3
    )
    tag = secrets.token_hex(3)
    wards = [roster.ward_id] + [f"{roster.ward_id}-{n}" for n in range(1, plan.wards)]
    municipalities = [roster.municipality_code] + [
        f"{roster.municipality_code}{n:02d}" for n in range(1, plan.municipalities)
    ]
    population = Population(
        roster=roster,
        prefix=f"pop{tag}-",
        wards=wards,
        municipalities=municipalities,
        episodes=plan.episodes,
        open=plan.open,
    )
    built = _Episodes(plan, population, datetime.now(UTC))
    built.build()
    async with pool.acquire() as conn, conn.transaction():
        await rows_db.add_wards(conn, roster.organisation_id, wards[1:])
        await rows_db.add_municipalities(conn, municipalities[1:])
        await rows_db.add_caseworkers(conn, roster.organisation_id, municipalities[1:])
        await rows_db.add_citizens(conn, built.citizens)
        population.rows["episodes"] = await _copy(conn, "episodes", built.tables["episodes"])

    async def copy(table: str) -> None:
        async with pool.acquire() as conn, conn.transaction():
            population.rows[table] = await _copy(conn, table, built.tables[table])

    # The episodes' rows go in side by side, one connection per table: each COPY spends
    # most of its time in PostgreSQL (foreign-key checks, indexes), so they overlap.
    await asyncio.gather(*(copy(t) for t in built.tables if t != "episodes"))
    async with pool.acquire() as conn:
        await rows_db.settle_peer_load(conn, roster.organisation_id)
        await rows_db.vacuum_analyze(conn)
    population.seconds = round(time.monotonic() - began, 1)
    return population
