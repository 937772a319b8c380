"""Builds the report from episode and peer facts: group, tally, suppress. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from operator import attrgetter

from api.reports.counted import Counted, of_facts
from api.reports.distributions import contact_buckets, hope_buckets, network_buckets
from api.reports.facts import EpisodeFacts, PeerFacts
from api.reports.measures import (
    CONTACT_TARGET_PERCENT,
    COUNTS,
    PERCENTS,
    STATISTICS,
    Measure,
    tallies,
)
from api.reports.model import GroupRow, PeerLoad, Report, ReportFilters
from api.reports.programme_figures import (
    EnrolmentFacts,
    GroupAttendanceFacts,
    GroupMemberFacts,
    course_rows,
    group_rows,
)
from api.reports.rounding import rounded
from api.reports.suppression import (
    MIN_CITIZENS,
    Cell,
    Mark,
    Tally,
    count_cell,
    not_above,
    percent_cell,
    protect,
    statistic_cell,
)

BREAKDOWNS: dict[str, Callable[[Counted], str]] = {
    "programme": attrgetter("programme"),
    "municipality": attrgetter("municipality"),
    "organisation": attrgetter("organisation"),
}


def _with_percents(cells: dict[Measure, Cell]) -> dict[Measure, Cell]:
    """Percentages of the rounded counts, so they give away no more than the counts do."""
    for measure, (part, whole) in PERCENTS.items():
        cells[part] = not_above(cells[part], cells[whole])
        cells[measure] = percent_cell(cells[part], cells[whole])
    return {m: cells[m] for m in Measure}


def _row(breakdown: str, key: str, raw: dict[Measure, Tally]) -> GroupRow:
    cells = {m: statistic_cell(raw[m]) if m in STATISTICS else count_cell(raw[m]) for m in raw}
    return GroupRow(breakdown=breakdown, key=key, cells=_with_percents(cells))


def _rows(breakdown: str, groups: dict[str, dict[Measure, Tally]]) -> tuple[GroupRow, ...]:
    """Group rows; the counts of the groups add up to the overall row, so each count is
    protected across the groups."""
    keys = sorted(groups)
    cells: dict[str, dict[Measure, Cell]] = {k: {} for k in keys}
    for measure in COUNTS:
        for key, cell in zip(keys, protect([groups[k][measure] for k in keys]), strict=True):
            cells[key][measure] = cell
    for measure in STATISTICS:
        for key in keys:
            cells[key][measure] = statistic_cell(groups[key][measure])
    return tuple(GroupRow(breakdown=breakdown, key=k, cells=_with_percents(cells[k])) for k in keys)


def peer_load(peers: Sequence[PeerFacts]) -> PeerLoad:
    """Active load counts citizens, so it is suppressed below five and rounded like any count
    (utilisation is of the rounded load)."""
    load = sum(p.active_load for p in peers)
    capacity = sum(p.capacity for p in peers)
    if load < MIN_CITIZENS:
        hidden = Cell(value=None, mark=Mark.SMALL)
        gone = Cell(value=None, mark=Mark.SUPPRESSED)
        return PeerLoad(
            peers=len(peers),
            capacity=capacity,
            active_load=hidden,
            utilisation_pct=gone,
            at_capacity=gone,
        )
    full = sum(1 for p in peers if p.active_load >= p.capacity)
    # No citizen ids here: the coin is keyed by every peer's capacity and load, in any order.
    shown = rounded(load, ["|".join(sorted(f"{p.capacity}:{p.active_load}" for p in peers))])
    return PeerLoad(
        peers=len(peers),
        capacity=capacity,
        active_load=Cell(value=shown),
        utilisation_pct=Cell(value=100 * shown / capacity if capacity else None),
        at_capacity=Cell(value=float(full)),
    )


def build_report(
    filters: ReportFilters,
    facts: Sequence[EpisodeFacts],
    peers: Sequence[PeerFacts],
    as_of: datetime,
    *,
    enrolments: Sequence[EnrolmentFacts] = (),
    group_members: Sequence[GroupMemberFacts] = (),
    marks: Sequence[GroupAttendanceFacts] = (),
) -> Report:
    """The report from validated facts (the database's rows go to `build_counted` as they
    come)."""
    return build_counted(
        filters,
        of_facts(facts, as_of),
        peers,
        as_of,
        enrolments=enrolments,
        group_members=group_members,
        marks=marks,
    )


def build_counted(
    filters: ReportFilters,
    rows: Sequence[Counted],
    peers: Sequence[PeerFacts],
    as_of: datetime,
    *,
    enrolments: Sequence[EnrolmentFacts] = (),
    group_members: Sequence[GroupMemberFacts] = (),
    marks: Sequence[GroupAttendanceFacts] = (),
) -> Report:
    """The report from the episodes' rows as counted at `as_of`."""
    rows = sorted(rows, key=attrgetter("citizen"))
    breakdowns: dict[str, tuple[GroupRow, ...]] = {}
    for name, key_of in BREAKDOWNS.items():
        members: dict[str, list[Counted]] = {}
        for r in rows:
            members.setdefault(key_of(r), []).append(r)
        if len(members) > 1:
            breakdowns[name] = _rows(name, {k: tallies(v) for k, v in members.items()})
    return Report(
        filters=filters,
        as_of=as_of,
        overall=_row("all", "all", tallies(rows)),
        breakdowns=breakdowns,
        contact_buckets=contact_buckets(rows),
        hope_buckets=hope_buckets(rows),
        network_buckets=network_buckets(rows),
        peer_load=peer_load(peers),
        contact_target_pct=CONTACT_TARGET_PERCENT,
        courses=course_rows(enrolments),
        groups=group_rows(group_members, marks),
    )
