"""A generated population of episodes, written straight into the read-model tables."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from command.synthetic.roster import Roster
from db.pool import DatabasePool

CPH = ZoneInfo("Europe/Copenhagen")
Q3_START = datetime(2026, 7, 1, tzinfo=CPH)
Q3_END = datetime(2026, 10, 1, tzinfo=CPH)
# A moment just after the quarter: an episode discharged on its last evening is not yet due.
AS_OF = datetime(2026, 10, 1, 6, 0, tzinfo=CPH)
BIG, MID, SMALL = "peer-guide-sind", "bro-til-hverdagslivet", "ark-course"
MUNICIPALITY_SCOPE = "share_with_municipality"


@dataclass
class Ep:
    """One generated episode: everything the report may read, and nothing more."""

    citizen: str
    programme: str
    municipality: str
    referred_at: datetime
    phase: str = "follow_up"
    offers: list[tuple[str, datetime | None]] = field(default_factory=list)
    discharged_at: datetime | None = None
    first_contact_at: datetime | None = None
    follow_ups_done: int = 0
    follow_ups_planned: int = 0
    readmissions: int = 0
    milestones: list[str] = field(default_factory=list)
    hope_start: int | None = None
    hope_end: int | None = None
    network_start: int | None = None
    network_end: int | None = None
    job_or_education: str | None = None
    goals_total: int = 0
    goals_reached: int = 0
    closed_at: datetime | None = None
    manual_matches: int = 0
    contact_escalations: int = 0
    consents: list[str] = field(default_factory=lambda: ["peer_support", MUNICIPALITY_SCOPE])
    organisation: str = ""


def _random_episode(rng: random.Random, programme: str, municipality: str) -> Ep:
    referred = Q3_START + timedelta(hours=rng.uniform(1, 80 * 24))
    ep = Ep(
        citizen=f"cit-{uuid.uuid4().hex[:12]}",
        programme=programme,
        municipality=municipality,
        referred_at=referred,
    )
    if rng.random() < 0.3:
        ep.consents = ["peer_support"]
    pattern = rng.choice(["fast", "fast", "declined_then", "slow", "unmatched"])
    if pattern == "fast":
        ep.offers = [("accepted", referred + timedelta(hours=rng.uniform(0.5, 23.5)))]
    elif pattern == "declined_then":
        first = referred + timedelta(hours=rng.uniform(1, 10))
        ep.offers = [("declined", first), ("accepted", first + timedelta(hours=rng.uniform(1, 30)))]
    elif pattern == "slow":
        ep.offers = [
            ("expired", None),
            ("accepted", referred + timedelta(hours=rng.uniform(25, 60))),
        ]
    else:
        ep.offers = [("declined", referred + timedelta(hours=2)), ("open", None)]
        ep.manual_matches = 1
        ep.phase = "unmatched"
        return ep
    if rng.random() < 0.15:
        ep.phase = "pre_discharge"
        return ep
    ep.discharged_at = referred + timedelta(days=rng.uniform(2, 12))
    ep.readmissions = rng.choice([0, 0, 0, 1, 2])
    if rng.random() < 0.85:
        ep.first_contact_at = ep.discharged_at + timedelta(hours=rng.uniform(2, 150))
        ep.follow_ups_planned = rng.choice([0, 6, 8, 10])
        ep.follow_ups_done = rng.randint(0, ep.follow_ups_planned)
    if ep.first_contact_at is None or ep.first_contact_at - ep.discharged_at > timedelta(hours=72):
        ep.contact_escalations = 1
    if rng.random() < 0.55:
        ep.phase = "closed"
        ep.closed_at = ep.discharged_at + timedelta(days=rng.uniform(20, 60))
        ep.milestones = [
            m
            for m in ("municipal_service", "job_step", "education_step", "network_activity")
            if rng.random() < 0.45
        ]
        if rng.random() < 0.85:
            ep.hope_start = rng.randint(1, 7)
            ep.hope_end = max(1, min(10, ep.hope_start + rng.randint(-3, 5)))
    return ep


def _add_outcomes(rng: random.Random, ep: Ep) -> None:
    """Goals, measurements and the closing questionnaire, as the workflow would leave them:
    goals and the start measurement come with the first contact, the end measurement and the
    job status with the closing questionnaire. Drawn from a generator of their own, so the
    episodes' other facts stay what they were."""
    if ep.first_contact_at is None:
        return
    if rng.random() < 0.8:
        ep.goals_total = rng.randint(1, 4)
        ep.goals_reached = rng.choice([0, 0, *range(ep.goals_total + 1)])
    if ep.hope_start is None and ep.closed_at is None and rng.random() < 0.7:
        ep.hope_start = rng.randint(1, 7)
    if ep.hope_start is not None and rng.random() < 0.9:
        ep.network_start = rng.randint(0, 12)
    if ep.closed_at is None:
        if rng.random() < 0.25:
            # A job centre's IPS or an education guidance confirmed during the follow-up.
            ep.milestones = [rng.choice(["job_step", "education_step"])]
        return
    if ep.hope_end is not None and ep.network_start is not None:
        ep.network_end = max(0, ep.network_start + rng.randint(-4, 6))
    if rng.random() < 0.9:
        ep.job_or_education = rng.choice(["none", "in_process", "working", "studying"])


def edge_cases(municipality: str) -> list[Ep]:
    """Hand-made episodes for what random data may miss."""
    day = Q3_START + timedelta(days=10)
    same = f"cit-{uuid.uuid4().hex[:12]}"
    twice = [
        Ep(
            citizen=same,
            programme=BIG,
            municipality=municipality,
            referred_at=day + timedelta(days=n * 30),
            offers=[("accepted", day + timedelta(days=n * 30, hours=3))],
            discharged_at=day + timedelta(days=n * 30 + 5),
            first_contact_at=day + timedelta(days=n * 30 + 5, hours=24),
            readmissions=1,
        )
        for n in range(2)
    ]
    withdrawn_early = Ep(
        citizen=f"cit-{uuid.uuid4().hex[:12]}",
        programme=BIG,
        municipality=municipality,
        referred_at=day,
        phase="withdrawn",
        offers=[("accepted", day + timedelta(hours=30))],
        closed_at=day + timedelta(days=3),
    )
    discharged_last_evening = Ep(
        citizen=f"cit-{uuid.uuid4().hex[:12]}",
        programme=BIG,
        municipality=municipality,
        referred_at=Q3_END - timedelta(days=5),
        phase="discharged",
        offers=[("accepted", Q3_END - timedelta(days=5) + timedelta(hours=1))],
        discharged_at=Q3_END - timedelta(hours=4),
    )
    closed_without_hope = Ep(
        citizen=f"cit-{uuid.uuid4().hex[:12]}",
        programme=BIG,
        municipality=municipality,
        referred_at=day,
        phase="closed",
        offers=[("accepted", day + timedelta(hours=24))],
        discharged_at=day + timedelta(days=2),
        first_contact_at=day + timedelta(days=2, hours=72),
        follow_ups_planned=8,
        follow_ups_done=8,
        milestones=["municipal_service", "network_activity"],
        closed_at=day + timedelta(days=40),
    )
    return [*twice, withdrawn_early, discharged_last_evening, closed_without_hope]


def population(seed: int, municipalities: tuple[str, str]) -> list[Ep]:
    """30 random episodes in BIG, 12 in MID, 3 in SMALL (a small cell), and the edge cases."""
    rng = random.Random(seed)
    first, second = municipalities
    eps = [_random_episode(rng, BIG, first) for _ in range(30)]
    eps += [_random_episode(rng, MID, second) for _ in range(12)]
    eps += [_random_episode(rng, SMALL, first) for _ in range(3)]
    outcomes = random.Random(seed * 7919 + 15)
    for ep in eps:
        _add_outcomes(outcomes, ep)
    return eps + edge_cases(first)


def outside(municipality: str) -> list[Ep]:
    """Referred before and after the quarter: never in a 2026-Q3 report."""
    return [
        Ep(
            citizen=f"cit-{uuid.uuid4().hex[:12]}",
            programme=BIG,
            municipality=municipality,
            referred_at=moment,
            offers=[("accepted", moment + timedelta(hours=2))],
        )
        for moment in (Q3_START - timedelta(minutes=1), Q3_END, Q3_END + timedelta(days=3))
        for _ in range(3)
    ]


async def second_municipality(pool: DatabasePool) -> str:
    code = f"m{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO municipalities (municipality_code, name) VALUES ($1, $2)",
            code,
            f"Kommune {code}",
        )
    return code


async def insert(pool: DatabasePool, roster: Roster, eps: list[Ep]) -> None:
    """Episodes and their offer and escalation tasks, as the workflow's commits would leave."""
    async with pool.acquire() as conn, conn.transaction():
        for ep in eps:
            episode_id = f"episode-{uuid.uuid4().hex}"
            ep.organisation = roster.organisation_id
            await conn.execute(
                "INSERT INTO episodes (episode_id, citizen_id, programme, phase, peer_id,"
                " municipality_code, ward_id, organisation_id, risk_elevated, consents,"
                " referred_at, discharged_at, first_contact_at, follow_ups_done,"
                " follow_ups_planned, readmissions, milestones, hope_score_start,"
                " hope_score_end, closed_at, network_size_start, network_size_end,"
                " job_or_education, goals_total, goals_reached, end_reason, commit_seq)"
                " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,false,$9,$10,$11,$12,$13,$14,$15,$16,$17,"
                "$18,$19,$20,$21,$22,$23,$24,'',1)",
                episode_id,
                ep.citizen,
                ep.programme,
                ep.phase,
                roster.peers[0] if roster.peers else None,
                ep.municipality,
                roster.ward_id,
                roster.organisation_id,
                ep.consents,
                ep.referred_at,
                ep.discharged_at,
                ep.first_contact_at,
                ep.follow_ups_done,
                ep.follow_ups_planned,
                ep.readmissions,
                ep.milestones,
                ep.hope_start,
                ep.hope_end,
                ep.closed_at,
                ep.network_start,
                ep.network_end,
                ep.job_or_education,
                ep.goals_total,
                ep.goals_reached,
            )
            tasks = [("peer_offer", status, at) for status, at in ep.offers]
            tasks += [("manual_match", "open", None)] * ep.manual_matches
            tasks += [("first_contact_escalation", "completed", None)] * ep.contact_escalations
            for number, (kind, status, decided_at) in enumerate(tasks, start=1):
                await conn.execute(
                    "INSERT INTO tasks (task_id, episode_id, kind, assignee_role, assignee_id,"
                    " status, number, created_at, decided_at, commit_seq)"
                    " VALUES ($1, $2, $3, 'peer', 'someone', $4, $5, $6, $7, 1)",
                    f"task-{uuid.uuid4().hex}",
                    episode_id,
                    kind,
                    status,
                    number,
                    ep.referred_at,
                    decided_at,
                )


def now() -> datetime:
    return datetime.now(UTC)
