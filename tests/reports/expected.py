"""The report's numbers recounted plainly from the generated episodes (not the app's code)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from tests.reports.population import Ep

HIDDEN = ("<5", "suppressed")
# Shown counts are randomly rounded to a multiple of this; percentages are of the shown counts.
BASE = 5
PERCENT_OF = {
    "matched_24h_pct": ("matched_24h", "match_due"),
    "contact_72h_pct": ("contact_72h", "contact_due"),
    "adherence_pct": ("follow_ups_done", "follow_ups_planned"),
    "readmitted_pct": ("readmitted", "referrals"),
    "closed_municipal_service_pct": ("closed_municipal_service", "closed"),
    "closed_job_or_education_pct": ("closed_job_or_education", "closed"),
    "closed_network_activity_pct": ("closed_network_activity", "closed"),
    "goals_reached_pct": ("goals_reached", "goals_set"),
    "goal_reached_episodes_pct": ("goal_reached_episodes", "goal_episodes"),
    "closed_working_or_studying_pct": ("closed_working_or_studying", "closed_answered"),
    "closed_in_process_pct": ("closed_in_process", "closed_answered"),
}
STATISTICS = (
    "contact_median_h",
    "contact_p80_h",
    "hope_change_mean",
    "hope_change_median",
    "network_change_mean",
    "network_change_median",
)


def rounds(shown: float, raw: float) -> bool:
    """`shown` is `raw` rounded down or up to a multiple of BASE."""
    below = BASE * math.floor(raw / BASE)
    return shown in (below, below + BASE) if raw % BASE else shown == raw


def check_overall(got: dict[str, Any], want: dict[str, Any]) -> None:
    """The published overall row against the recount: hidden the same, counts rounded from
    the recount, percentages of the published counts, statistics exact."""
    assert set(got) == set(want)
    for measure, value in want.items():
        if isinstance(value, str):
            assert got[measure] == value, measure
        elif measure in STATISTICS:
            assert math.isclose(got[measure], value, abs_tol=0.051), measure
        elif measure in PERCENT_OF:
            part, whole = (got[m] for m in PERCENT_OF[measure])
            assert math.isclose(got[measure], 100 * part / whole, abs_tol=0.051), measure
        else:
            assert rounds(got[measure], value), (measure, got[measure], value)


def _hours(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 3600


def _count(eps: list[Ep]) -> Any:
    citizens = {e.citizen for e in eps}
    if len(citizens) < 5:
        return "<5" if len(eps) < 5 else "suppressed"
    return float(len(eps))


def _total(eps: list[Ep], amount: Any) -> Any:
    counted = [e for e in eps if amount(e) > 0]
    total = sum(amount(e) for e in counted)
    if len({e.citizen for e in counted}) < 5:
        return "<5" if total < 5 else "suppressed"
    return float(total)


def _statistic(pairs: list[tuple[Ep, float]], how: str) -> Any:
    if len({e.citizen for e, _ in pairs}) < 5:
        return "suppressed"
    values = sorted(v for _, v in pairs)
    n = len(values)
    if how == "mean":
        return sum(values) / n
    if how == "median":
        return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    return values[math.ceil(0.8 * n) - 1]


def _percent(part: Any, whole: Any) -> Any:
    if part in HIDDEN or whole in HIDDEN:
        return "suppressed"
    return 100 * part / whole


def _matched_at(e: Ep) -> datetime | None:
    accepted = [at for status, at in e.offers if status == "accepted" and at is not None]
    return min(accepted) if accepted else None


def overall(eps: list[Ep], as_of: datetime) -> dict[str, Any]:
    """Every measure of the report's overall row, with small cells already hidden."""
    match_due = [e for e in eps if _matched_at(e) is not None or _hours(as_of, e.referred_at) >= 24]
    matched = [
        e for e in eps if (m := _matched_at(e)) is not None and _hours(m, e.referred_at) <= 24
    ]
    contacted = [e for e in eps if e.discharged_at is not None and e.first_contact_at is not None]
    contact_due = [
        e
        for e in eps
        if e.discharged_at is not None
        and (e.first_contact_at is not None or _hours(as_of, e.discharged_at) >= 72)
    ]
    in_72 = [e for e in contacted if _hours(e.first_contact_at, e.discharged_at) <= 72]  # type: ignore[arg-type]
    hours = [(e, _hours(e.first_contact_at, e.discharged_at)) for e in contacted]  # type: ignore[arg-type]
    closed = [e for e in eps if e.closed_at is not None]
    hope = [
        (e, float(e.hope_end - e.hope_start))
        for e in eps
        if e.hope_start is not None and e.hope_end is not None
    ]
    network = [
        (e, float(e.network_end - e.network_start))
        for e in eps
        if e.network_start is not None and e.network_end is not None
    ]
    answered = [e for e in closed if e.job_or_education is not None]
    got: dict[str, Any] = {
        "referrals": _count(eps),
        "match_due": _count(match_due),
        "matched_24h": _count(matched),
        "contact_due": _count(contact_due),
        "contact_72h": _count(in_72),
        "contacted": _count(contacted),
        "contact_median_h": _statistic(hours, "median"),
        "contact_p80_h": _statistic(hours, "p80"),
        "follow_ups_planned": _total(eps, lambda e: e.follow_ups_planned),
        "follow_ups_done": _total(eps, lambda e: e.follow_ups_done),
        "readmitted": _count([e for e in eps if e.readmissions > 0]),
        "readmissions": _total(eps, lambda e: e.readmissions),
        "closed": _count(closed),
        "closed_municipal_service": _count(
            [e for e in closed if "municipal_service" in e.milestones]
        ),
        "closed_job_or_education": _count(
            [e for e in closed if "job_step" in e.milestones or "education_step" in e.milestones]
        ),
        "closed_network_activity": _count(
            [e for e in closed if "network_activity" in e.milestones]
        ),
        "hope_n": _count([e for e, _ in hope]),
        "hope_change_mean": _statistic(hope, "mean"),
        "hope_change_median": _statistic(hope, "median"),
        "network_n": _count([e for e, _ in network]),
        "network_change_mean": _statistic(network, "mean"),
        "network_change_median": _statistic(network, "median"),
        "goal_episodes": _count([e for e in eps if e.goals_total > 0]),
        "goals_set": _total(eps, lambda e: e.goals_total),
        "goals_reached": _total(eps, lambda e: e.goals_reached),
        "goal_reached_episodes": _count([e for e in eps if e.goals_reached > 0]),
        "job_or_education_step": _count(
            [e for e in eps if "job_step" in e.milestones or "education_step" in e.milestones]
        ),
        "closed_answered": _count(answered),
        "closed_working_or_studying": _count(
            [e for e in answered if e.job_or_education in ("working", "studying")]
        ),
        "closed_in_process": _count([e for e in answered if e.job_or_education == "in_process"]),
        "escalations_manual_match": _total(eps, lambda e: e.manual_matches),
        "escalations_first_contact": _total(eps, lambda e: e.contact_escalations),
    }
    got["matched_24h_pct"] = _percent(got["matched_24h"], got["match_due"])
    got["contact_72h_pct"] = _percent(got["contact_72h"], got["contact_due"])
    got["adherence_pct"] = _percent(got["follow_ups_done"], got["follow_ups_planned"])
    got["readmitted_pct"] = _percent(got["readmitted"], got["referrals"])
    for kind in ("municipal_service", "job_or_education", "network_activity"):
        got[f"closed_{kind}_pct"] = _percent(got[f"closed_{kind}"], got["closed"])
    got["goals_reached_pct"] = _percent(got["goals_reached"], got["goals_set"])
    got["goal_reached_episodes_pct"] = _percent(got["goal_reached_episodes"], got["goal_episodes"])
    for status in ("working_or_studying", "in_process"):
        got[f"closed_{status}_pct"] = _percent(got[f"closed_{status}"], got["closed_answered"])
    return got


def change_histogram(changes: list[int], prefix: str) -> dict[str, int]:
    """Counts per change bucket (upper bound included), before complementary suppression:
    -3 or less, -2 to -1, none, +1 to +2, +3 or more."""
    names = ("down_3", "down_1", "same", "up_1", "up_3")
    got = dict.fromkeys((f"{prefix}_{n}" for n in names), 0)
    for change in changes:
        name = (
            "down_3"
            if change <= -3
            else "down_1"
            if change < 0
            else "same"
            if change == 0
            else "up_1"
            if change <= 2
            else "up_3"
        )
        got[f"{prefix}_{name}"] += 1
    return got


def network_histogram(eps: list[Ep]) -> dict[str, int]:
    return change_histogram(
        [
            e.network_end - e.network_start
            for e in eps
            if e.network_start is not None and e.network_end is not None
        ],
        "network",
    )


def contact_histogram(eps: list[Ep], as_of: datetime) -> dict[str, Any]:
    """Counts per hour bucket (upper bound included), before complementary suppression."""
    edges = {"h0_24": (-1e9, 24), "h24_48": (24, 48), "h48_72": (48, 72), "h72_120": (72, 120)}
    got: dict[str, list[Ep]] = {k: [] for k in [*edges, "h120_", "no_contact"]}
    for e in eps:
        if e.discharged_at is None:
            continue
        if e.first_contact_at is None:
            if _hours(as_of, e.discharged_at) >= 72:
                got["no_contact"].append(e)
            continue
        h = _hours(e.first_contact_at, e.discharged_at)
        key = next((k for k, (lo, hi) in edges.items() if lo < h <= hi), "h120_")
        got[key].append(e)
    return {k: len(v) for k, v in got.items()}
