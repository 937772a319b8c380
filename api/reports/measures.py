"""What is measured for a group of episodes, as raw tallies with the citizens behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from api.reports import stats
from api.reports.facts import EpisodeFacts
from api.reports.suppression import Tally
from schemas.tasks import JobStatus

MATCH_WITHIN_HOURS = 24.0
CONTACT_WITHIN_HOURS = 72.0
CONTACT_TARGET_PERCENT = 80.0
JOB_OR_EDUCATION = frozenset({"job_step", "education_step"})
# The closing questionnaire's answers that count as working or studying at closing.
WORKING_OR_STUDYING = frozenset({JobStatus.WORKING.value, JobStatus.STUDYING.value})


class Measure(StrEnum):
    REFERRALS = "referrals"
    MATCH_DUE = "match_due"
    MATCHED_24H = "matched_24h"
    MATCHED_24H_PCT = "matched_24h_pct"
    CONTACT_DUE = "contact_due"
    CONTACT_72H = "contact_72h"
    CONTACT_72H_PCT = "contact_72h_pct"
    CONTACTED = "contacted"
    CONTACT_MEDIAN_H = "contact_median_h"
    CONTACT_P80_H = "contact_p80_h"
    FOLLOW_UPS_PLANNED = "follow_ups_planned"
    FOLLOW_UPS_DONE = "follow_ups_done"
    ADHERENCE_PCT = "adherence_pct"
    READMITTED = "readmitted"
    READMITTED_PCT = "readmitted_pct"
    READMISSIONS = "readmissions"
    CLOSED = "closed"
    CLOSED_MUNICIPAL_SERVICE = "closed_municipal_service"
    CLOSED_MUNICIPAL_SERVICE_PCT = "closed_municipal_service_pct"
    CLOSED_JOB_OR_EDUCATION = "closed_job_or_education"
    CLOSED_JOB_OR_EDUCATION_PCT = "closed_job_or_education_pct"
    CLOSED_NETWORK_ACTIVITY = "closed_network_activity"
    CLOSED_NETWORK_ACTIVITY_PCT = "closed_network_activity_pct"
    HOPE_N = "hope_n"
    HOPE_CHANGE_MEAN = "hope_change_mean"
    HOPE_CHANGE_MEDIAN = "hope_change_median"
    NETWORK_N = "network_n"
    NETWORK_CHANGE_MEAN = "network_change_mean"
    NETWORK_CHANGE_MEDIAN = "network_change_median"
    GOAL_EPISODES = "goal_episodes"
    GOALS_SET = "goals_set"
    GOALS_REACHED = "goals_reached"
    GOALS_REACHED_PCT = "goals_reached_pct"
    GOAL_REACHED_EPISODES = "goal_reached_episodes"
    GOAL_REACHED_EPISODES_PCT = "goal_reached_episodes_pct"
    JOB_OR_EDUCATION_STEP = "job_or_education_step"
    CLOSED_ANSWERED = "closed_answered"
    CLOSED_WORKING_OR_STUDYING = "closed_working_or_studying"
    CLOSED_WORKING_OR_STUDYING_PCT = "closed_working_or_studying_pct"
    CLOSED_IN_PROCESS = "closed_in_process"
    CLOSED_IN_PROCESS_PCT = "closed_in_process_pct"
    ESCALATIONS_MANUAL_MATCH = "escalations_manual_match"
    ESCALATIONS_FIRST_CONTACT = "escalations_first_contact"


# Percentages: measure -> (part, whole); shown only when both are.
PERCENTS: dict[Measure, tuple[Measure, Measure]] = {
    Measure.MATCHED_24H_PCT: (Measure.MATCHED_24H, Measure.MATCH_DUE),
    Measure.CONTACT_72H_PCT: (Measure.CONTACT_72H, Measure.CONTACT_DUE),
    Measure.ADHERENCE_PCT: (Measure.FOLLOW_UPS_DONE, Measure.FOLLOW_UPS_PLANNED),
    Measure.READMITTED_PCT: (Measure.READMITTED, Measure.REFERRALS),
    Measure.CLOSED_MUNICIPAL_SERVICE_PCT: (Measure.CLOSED_MUNICIPAL_SERVICE, Measure.CLOSED),
    Measure.CLOSED_JOB_OR_EDUCATION_PCT: (Measure.CLOSED_JOB_OR_EDUCATION, Measure.CLOSED),
    Measure.CLOSED_NETWORK_ACTIVITY_PCT: (Measure.CLOSED_NETWORK_ACTIVITY, Measure.CLOSED),
    Measure.GOALS_REACHED_PCT: (Measure.GOALS_REACHED, Measure.GOALS_SET),
    Measure.GOAL_REACHED_EPISODES_PCT: (Measure.GOAL_REACHED_EPISODES, Measure.GOAL_EPISODES),
    Measure.CLOSED_WORKING_OR_STUDYING_PCT: (
        Measure.CLOSED_WORKING_OR_STUDYING,
        Measure.CLOSED_ANSWERED,
    ),
    Measure.CLOSED_IN_PROCESS_PCT: (Measure.CLOSED_IN_PROCESS, Measure.CLOSED_ANSWERED),
}
STATISTICS = frozenset(
    {
        Measure.CONTACT_MEDIAN_H,
        Measure.CONTACT_P80_H,
        Measure.HOPE_CHANGE_MEAN,
        Measure.HOPE_CHANGE_MEDIAN,
        Measure.NETWORK_CHANGE_MEAN,
        Measure.NETWORK_CHANGE_MEDIAN,
    }
)
# Counts and sums: they add up across groups, so they get complementary suppression.
COUNTS = tuple(m for m in Measure if m not in PERCENTS and m not in STATISTICS)


def _count(facts: Iterable[EpisodeFacts], keep: Callable[[EpisodeFacts], bool]) -> Tally:
    chosen = [f for f in facts if keep(f)]
    return Tally(value=float(len(chosen)), citizens=frozenset(f.citizen_id for f in chosen))


def _sum(facts: Iterable[EpisodeFacts], amount: Callable[[EpisodeFacts], int]) -> Tally:
    chosen = [f for f in facts if amount(f) > 0]
    total = sum(amount(f) for f in chosen)
    return Tally(value=float(total), citizens=frozenset(f.citizen_id for f in chosen))


def _statistic(
    pairs: Sequence[tuple[EpisodeFacts, float]],
    of: Callable[[Sequence[float]], float | None],
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
    """Every counted and statistical measure for these episodes (percentages come later)."""
    contact = [(f, h) for f in facts if (h := f.hours_to_first_contact()) is not None]
    hope = [(f, float(c)) for f in facts if (c := f.hope_change()) is not None]
    network = [(f, float(c)) for f in facts if (c := f.network_change()) is not None]
    closed = [f for f in facts if f.closed_at is not None]
    # Closed with the closing questionnaire answered: the whole for the job-status shares.
    answered = [f for f in closed if f.job_or_education is not None]

    def match_due(f: EpisodeFacts) -> bool:
        waited = (as_of - f.referred_at).total_seconds() / 3600
        return f.matched_at is not None or waited >= MATCH_WITHIN_HOURS

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
        Measure.CLOSED_JOB_OR_EDUCATION: _count(
            closed, lambda f: not JOB_OR_EDUCATION.isdisjoint(f.milestones)
        ),
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
        Measure.JOB_OR_EDUCATION_STEP: _count(
            facts, lambda f: not JOB_OR_EDUCATION.isdisjoint(f.milestones)
        ),
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


def decimals(measure: Measure) -> int:
    """Counts are whole; percentages and statistics get one decimal."""
    return 1 if measure in PERCENTS or measure in STATISTICS else 0
