"""What each measure counts about one episode, worked out once per episode: a report tallies
the same episodes four times (everyone, and by programme, municipality and organisation), so
the hours, changes and answers are computed here and the tallies only pick columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from api.reports.facts import EpisodeFacts
from schemas.tasks import JobStatus

MATCH_WITHIN_HOURS = 24.0
CONTACT_WITHIN_HOURS = 72.0
JOB_OR_EDUCATION = frozenset({"job_step", "education_step"})
# The closing questionnaire's answers that count as working or studying at closing.
WORKING_OR_STUDYING = frozenset({JobStatus.WORKING.value, JobStatus.STUDYING.value})
_IN_PROCESS = JobStatus.IN_PROCESS.value


class Counted(NamedTuple):
    """One episode's part in every measure. Amounts are kept only when above zero (a sum
    counts the citizens with some); `citizen` (opaque) never leaves the report code."""

    citizen: str
    programme: str
    municipality: str
    organisation: str
    match_due: bool
    matched_24h: bool
    contact_due: bool
    contact_72h: bool
    contact_hours: float | None
    no_contact: bool
    follow_ups_planned: int
    follow_ups_done: int
    readmissions: int
    closed: bool
    closed_municipal_service: bool
    closed_job_or_education: bool
    closed_network_activity: bool
    hope_change: float | None
    network_change: float | None
    goals_total: int
    goals_reached: int
    job_or_education_step: bool
    answered: bool
    working_or_studying: bool
    in_process: bool
    manual_matches: int
    contact_escalations: int


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _changes(starts: Sequence[int | None], ends: Sequence[int | None]) -> list[float | None]:
    return [
        None if a is None or b is None else float(b - a) for a, b in zip(starts, ends, strict=True)
    ]


def _positive(amounts: Sequence[int]) -> list[int]:
    return [a if a > 0 else 0 for a in amounts]


def counted_rows(columns: Mapping[str, Sequence[Any]], as_of: datetime) -> list[Counted]:
    """Each episode's part in every measure as of `as_of`, from the episodes' facts as columns
    (named as `EpisodeFacts`' fields; see `measures` for what each measure is). Column by
    column: a year is tens of thousands of episodes."""
    c = columns
    discharged, first_contact = c["discharged_at"], c["first_contact_at"]
    referred, matched, closed_at = c["referred_at"], c["matched_at"], c["closed_at"]
    milestones, answer = c["milestones"], c["job_or_education"]
    contact_hours = [
        None if d is None or f is None else _hours(f - d)
        for d, f in zip(discharged, first_contact, strict=True)
    ]
    # Discharged, and either contacted or past the deadline: counts for the 72 h share.
    contact_due = [
        d is not None and (f is not None or _hours(as_of - d) >= CONTACT_WITHIN_HOURS)
        for d, f in zip(discharged, first_contact, strict=True)
    ]
    closed = [t is not None for t in closed_at]
    job_step = [not JOB_OR_EDUCATION.isdisjoint(m) for m in milestones]
    answered = [k and a is not None for k, a in zip(closed, answer, strict=True)]
    made = zip(
        c["citizen_id"],
        c["programme"],
        c["municipality_code"],
        c["organisation_id"],
        [
            m is not None or _hours(as_of - r) >= MATCH_WITHIN_HOURS
            for r, m in zip(referred, matched, strict=True)
        ],
        [
            m is not None and _hours(m - r) <= MATCH_WITHIN_HOURS
            for r, m in zip(referred, matched, strict=True)
        ],
        contact_due,
        [h is not None and h <= CONTACT_WITHIN_HOURS for h in contact_hours],
        contact_hours,
        [f is None and due for f, due in zip(first_contact, contact_due, strict=True)],
        _positive(c["follow_ups_planned"]),
        _positive(c["follow_ups_done"]),
        _positive(c["readmissions"]),
        closed,
        [k and "municipal_service" in m for k, m in zip(closed, milestones, strict=True)],
        [k and j for k, j in zip(closed, job_step, strict=True)],
        [k and "network_activity" in m for k, m in zip(closed, milestones, strict=True)],
        _changes(c["hope_score_start"], c["hope_score_end"]),
        _changes(c["network_size_start"], c["network_size_end"]),
        _positive(c["goals_total"]),
        _positive(c["goals_reached"]),
        job_step,
        answered,
        [k and a in WORKING_OR_STUDYING for k, a in zip(answered, answer, strict=True)],
        [k and a == _IN_PROCESS for k, a in zip(answered, answer, strict=True)],
        _positive(c["manual_matches"]),
        _positive(c["contact_escalations"]),
        strict=True,
    )
    return list(map(Counted._make, made))


FIELDS = tuple(EpisodeFacts.model_fields)


def of_facts(facts: Sequence[EpisodeFacts], as_of: datetime) -> list[Counted]:
    return counted_rows({n: [getattr(f, n) for f in facts] for n in FIELDS}, as_of)


def of_rows(rows: Sequence[Any], as_of: datetime) -> list[Counted]:
    """From the rows of `db.report_queries.episode_facts` as they come (asyncpg records,
    columns named as the facts' fields): the database already holds these columns to the
    facts' types (not null where the facts need a value), so the rows skip model validation
    (a year is tens of thousands)."""
    if not rows:
        return []
    return counted_rows(dict(zip(rows[0].keys(), zip(*rows, strict=True), strict=True)), as_of)
