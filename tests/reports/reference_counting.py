"""The report's counting as it was before it was made fast (one filter per measure over the
episodes' facts): the reference the fast, column-wise counting must agree with exactly."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from api.reports import stats
from api.reports.build import BREAKDOWNS, _row, _rows, peer_load
from api.reports.counted import (
    CONTACT_WITHIN_HOURS,
    JOB_OR_EDUCATION,
    MATCH_WITHIN_HOURS,
    WORKING_OR_STUDYING,
)
from api.reports.distributions import (
    CONTACT_BUCKETS,
    HOPE_BUCKETS,
    NETWORK_BUCKETS,
    NO_CONTACT,
    _finish,
)
from api.reports.facts import EpisodeFacts, PeerFacts
from api.reports.measures import CONTACT_TARGET_PERCENT, Measure
from api.reports.model import Bucket, GroupRow, Report, ReportFilters
from api.reports.suppression import Tally
from schemas.tasks import JobStatus


def _count(facts: Iterable[EpisodeFacts], keep: Callable[[EpisodeFacts], bool]) -> Tally:
    chosen = [f for f in facts if keep(f)]
    return Tally(value=float(len(chosen)), citizens=frozenset(f.citizen_id for f in chosen))


def _sum(facts: Iterable[EpisodeFacts], amount: Callable[[EpisodeFacts], int]) -> Tally:
    chosen = [f for f in facts if amount(f) > 0]
    total = sum(amount(f) for f in chosen)
    return Tally(value=float(total), citizens=frozenset(f.citizen_id for f in chosen))


def _statistic(
    pairs: Sequence[tuple[EpisodeFacts, float]], of: Callable[[Sequence[float]], float | None]
) -> Tally:
    return Tally(
        value=of([v for _, v in pairs]), citizens=frozenset(f.citizen_id for f, _ in pairs)
    )


def _matched_in_time(f: EpisodeFacts) -> bool:
    hours = f.hours_to_match()
    return hours is not None and hours <= MATCH_WITHIN_HOURS


def _contacted_in_time(f: EpisodeFacts) -> bool:
    hours = f.hours_to_first_contact()
    return hours is not None and hours <= CONTACT_WITHIN_HOURS


def tallies(facts: Sequence[EpisodeFacts], as_of: datetime) -> dict[Measure, Tally]:
    contact = [(f, h) for f in facts if (h := f.hours_to_first_contact()) is not None]
    hope = [(f, float(c)) for f in facts if (c := f.hope_change()) is not None]
    network = [(f, float(c)) for f in facts if (c := f.network_change()) is not None]
    closed = [f for f in facts if f.closed_at is not None]
    answered = [f for f in closed if f.job_or_education is not None]

    def match_due(f: EpisodeFacts) -> bool:
        waited = (as_of - f.referred_at).total_seconds() / 3600
        return f.matched_at is not None or waited >= MATCH_WITHIN_HOURS

    def job_step(f: EpisodeFacts) -> bool:
        return not JOB_OR_EDUCATION.isdisjoint(f.milestones)

    return {
        Measure.REFERRALS: _count(facts, lambda f: True),
        Measure.MATCH_DUE: _count(facts, match_due),
        Measure.MATCHED_24H: _count(facts, _matched_in_time),
        Measure.CONTACT_DUE: _count(facts, lambda f: f.contact_is_due(as_of, CONTACT_WITHIN_HOURS)),
        Measure.CONTACT_72H: _count(facts, _contacted_in_time),
        Measure.CONTACTED: _count([f for f, _ in contact], lambda f: True),
        Measure.CONTACT_MEDIAN_H: _statistic(contact, stats.median),
        Measure.CONTACT_P80_H: _statistic(contact, lambda v: stats.percentile(v, 0.8)),
        Measure.FOLLOW_UPS_PLANNED: _sum(facts, lambda f: f.follow_ups_planned),
        Measure.FOLLOW_UPS_DONE: _sum(facts, lambda f: f.follow_ups_done),
        Measure.READMITTED: _count(facts, lambda f: f.readmissions > 0),
        Measure.READMISSIONS: _sum(facts, lambda f: f.readmissions),
        Measure.CLOSED: _count(closed, lambda f: True),
        Measure.CLOSED_MUNICIPAL_SERVICE: _count(
            closed, lambda f: "municipal_service" in f.milestones
        ),
        Measure.CLOSED_JOB_OR_EDUCATION: _count(closed, job_step),
        Measure.CLOSED_NETWORK_ACTIVITY: _count(
            closed, lambda f: "network_activity" in f.milestones
        ),
        Measure.HOPE_N: _count([f for f, _ in hope], lambda f: True),
        Measure.HOPE_CHANGE_MEAN: _statistic(hope, stats.mean),
        Measure.HOPE_CHANGE_MEDIAN: _statistic(hope, stats.median),
        Measure.NETWORK_N: _count([f for f, _ in network], lambda f: True),
        Measure.NETWORK_CHANGE_MEAN: _statistic(network, stats.mean),
        Measure.NETWORK_CHANGE_MEDIAN: _statistic(network, stats.median),
        Measure.GOAL_EPISODES: _count(facts, lambda f: f.goals_total > 0),
        Measure.GOALS_SET: _sum(facts, lambda f: f.goals_total),
        Measure.GOALS_REACHED: _sum(facts, lambda f: f.goals_reached),
        Measure.GOAL_REACHED_EPISODES: _count(facts, lambda f: f.goals_reached > 0),
        Measure.JOB_OR_EDUCATION_STEP: _count(facts, job_step),
        Measure.CLOSED_ANSWERED: _count(answered, lambda f: True),
        Measure.CLOSED_WORKING_OR_STUDYING: _count(
            answered, lambda f: f.job_or_education in WORKING_OR_STUDYING
        ),
        Measure.CLOSED_IN_PROCESS: _count(
            answered, lambda f: f.job_or_education == JobStatus.IN_PROCESS.value
        ),
        Measure.ESCALATIONS_MANUAL_MATCH: _sum(facts, lambda f: f.manual_matches),
        Measure.ESCALATIONS_FIRST_CONTACT: _sum(facts, lambda f: f.contact_escalations),
    }


def _buckets(
    pairs: Sequence[tuple[EpisodeFacts, float]], edges: tuple[tuple[str, float | None], ...]
) -> list[tuple[str, Tally]]:
    found: list[tuple[str, Tally]] = []
    low: float | None = None
    for key, high in edges:
        inside = [f for f, v in pairs if (low is None or v > low) and (high is None or v <= high)]
        found.append(
            (key, Tally(value=float(len(inside)), citizens=frozenset(f.citizen_id for f in inside)))
        )
        low = high
    return found


def _histograms(
    facts: Sequence[EpisodeFacts], as_of: datetime
) -> tuple[tuple[Bucket, ...], tuple[Bucket, ...], tuple[Bucket, ...]]:
    contact = [(f, h) for f in facts if (h := f.hours_to_first_contact()) is not None]
    named = _buckets(contact, CONTACT_BUCKETS)
    missing = [
        f
        for f in facts
        if f.first_contact_at is None and f.contact_is_due(as_of, CONTACT_WITHIN_HOURS)
    ]
    named.append(
        (
            NO_CONTACT,
            Tally(value=float(len(missing)), citizens=frozenset(f.citizen_id for f in missing)),
        )
    )
    hope = [(f, float(c)) for f in facts if (c := f.hope_change()) is not None]
    network = [(f, float(c)) for f in facts if (c := f.network_change()) is not None]
    return (
        _finish(named),
        _finish(_buckets(hope, HOPE_BUCKETS)),
        _finish(_buckets(network, NETWORK_BUCKETS)),
    )


_KEYS: dict[str, Callable[[EpisodeFacts], str]] = {
    "programme": lambda f: f.programme,
    "municipality": lambda f: f.municipality_code,
    "organisation": lambda f: f.organisation_id,
}


def reference_report(
    filters: ReportFilters,
    facts: Sequence[EpisodeFacts],
    peers: Sequence[PeerFacts],
    as_of: datetime,
) -> Report:
    """The report (without courses and groups) as the filter-per-measure counting made it."""
    assert set(_KEYS) == set(BREAKDOWNS)
    breakdowns: dict[str, tuple[GroupRow, ...]] = {}
    for name, key_of in _KEYS.items():
        members: dict[str, list[EpisodeFacts]] = {}
        for f in facts:
            members.setdefault(key_of(f), []).append(f)
        if len(members) > 1:
            breakdowns[name] = _rows(name, {k: tallies(v, as_of) for k, v in members.items()})
    contact, hope, network = _histograms(facts, as_of)
    return Report(
        filters=filters,
        as_of=as_of,
        overall=_row("all", "all", tallies(facts, as_of)),
        breakdowns=breakdowns,
        contact_buckets=contact,
        hope_buckets=hope,
        network_buckets=network,
        peer_load=peer_load(peers),
        contact_target_pct=CONTACT_TARGET_PERCENT,
    )
