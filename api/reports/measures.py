"""What is measured for a group of episodes, as raw tallies with the citizens behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from itertools import compress
from typing import Any

from api.reports import stats
from api.reports.counted import Counted
from api.reports.suppression import Tally

CONTACT_TARGET_PERCENT = 80.0


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


def _count(citizens: Sequence[str], chosen: Iterable[object]) -> Tally:
    """How many episodes are chosen (a true or non-zero column), and their citizens."""
    picked = list(compress(citizens, chosen))
    return Tally(value=float(len(picked)), citizens=frozenset(picked), ordered=picked)


def _sum(citizens: Sequence[str], amounts: Sequence[int]) -> Tally:
    """The amounts added up, and the citizens with some (amounts are never below zero)."""
    picked = list(compress(citizens, amounts))
    return Tally(value=float(sum(amounts)), citizens=frozenset(picked), ordered=picked)


def _statistic(
    citizens: Sequence[str],
    values: Sequence[float | None],
    of: Callable[[Sequence[float]], float | None],
) -> Tally:
    """`of` the values there are, and the citizens they come from."""
    present = [v is not None for v in values]
    return Tally(
        value=of([v for v in values if v is not None]),
        citizens=frozenset(compress(citizens, present)),
    )


def _p80(values: Sequence[float]) -> float | None:
    return stats.percentile(values, 0.8)


def tallies(rows: Sequence[Counted]) -> dict[Measure, Tally]:
    """Every counted and statistical measure for these episodes (percentages come later):
    each measure is a column of the episodes' `Counted` rows, picked in one go. Rows in
    citizen order make every tally's citizens come in order (see `Tally.ordered`)."""
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True))
    c = dict(zip(Counted._fields, columns or [()] * len(Counted._fields), strict=True))
    who = c["citizen"]
    contacted = [h is not None for h in c["contact_hours"]]
    return {
        Measure.REFERRALS: _count(who, [True] * len(who)),
        Measure.MATCH_DUE: _count(who, c["match_due"]),
        Measure.MATCHED_24H: _count(who, c["matched_24h"]),
        Measure.CONTACT_DUE: _count(who, c["contact_due"]),
        Measure.CONTACT_72H: _count(who, c["contact_72h"]),
        Measure.CONTACTED: _count(who, contacted),
        Measure.CONTACT_MEDIAN_H: _statistic(who, c["contact_hours"], stats.median),
        Measure.CONTACT_P80_H: _statistic(who, c["contact_hours"], _p80),
        Measure.FOLLOW_UPS_PLANNED: _sum(who, c["follow_ups_planned"]),
        Measure.FOLLOW_UPS_DONE: _sum(who, c["follow_ups_done"]),
        Measure.READMITTED: _count(who, c["readmissions"]),
        Measure.READMISSIONS: _sum(who, c["readmissions"]),
        Measure.CLOSED: _count(who, c["closed"]),
        Measure.CLOSED_MUNICIPAL_SERVICE: _count(who, c["closed_municipal_service"]),
        Measure.CLOSED_JOB_OR_EDUCATION: _count(who, c["closed_job_or_education"]),
        Measure.CLOSED_NETWORK_ACTIVITY: _count(who, c["closed_network_activity"]),
        Measure.HOPE_N: _count(who, [h is not None for h in c["hope_change"]]),
        Measure.HOPE_CHANGE_MEAN: _statistic(who, c["hope_change"], stats.mean),
        Measure.HOPE_CHANGE_MEDIAN: _statistic(who, c["hope_change"], stats.median),
        Measure.NETWORK_N: _count(who, [n is not None for n in c["network_change"]]),
        Measure.NETWORK_CHANGE_MEAN: _statistic(who, c["network_change"], stats.mean),
        Measure.NETWORK_CHANGE_MEDIAN: _statistic(who, c["network_change"], stats.median),
        Measure.GOAL_EPISODES: _count(who, c["goals_total"]),
        Measure.GOALS_SET: _sum(who, c["goals_total"]),
        Measure.GOALS_REACHED: _sum(who, c["goals_reached"]),
        Measure.GOAL_REACHED_EPISODES: _count(who, c["goals_reached"]),
        Measure.JOB_OR_EDUCATION_STEP: _count(who, c["job_or_education_step"]),
        Measure.CLOSED_ANSWERED: _count(who, c["answered"]),
        Measure.CLOSED_WORKING_OR_STUDYING: _count(who, c["working_or_studying"]),
        Measure.CLOSED_IN_PROCESS: _count(who, c["in_process"]),
        Measure.ESCALATIONS_MANUAL_MATCH: _sum(who, c["manual_matches"]),
        Measure.ESCALATIONS_FIRST_CONTACT: _sum(who, c["contact_escalations"]),
    }


def decimals(measure: Measure) -> int:
    """Counts are whole; percentages and statistics get one decimal."""
    return 1 if measure in PERCENTS or measure in STATISTICS else 0
