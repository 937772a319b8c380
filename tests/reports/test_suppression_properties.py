"""Properties of small-cell suppression: nothing shown from fewer than five citizens, and no
hidden cell that the total and the shown cells would give away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.reports.build import build_report
from api.reports.csv_export import report_csv
from api.reports.facts import EpisodeFacts
from api.reports.measures import COUNTS, PERCENTS, Measure
from api.reports.model import ReportFilters
from api.reports.period import Period
from api.reports.suppression import Mark, Tally, count_cell, protect

START = datetime(2026, 7, 1, tzinfo=UTC)
AS_OF = datetime(2026, 10, 15, tzinfo=UTC)
CITIZENS = [f"cit-{n:03d}" for n in range(40)]

tallies = st.builds(
    lambda citizens, extra: Tally(value=float(len(citizens) + extra), citizens=citizens),
    st.frozensets(st.sampled_from(CITIZENS), max_size=12),
    st.integers(min_value=0, max_value=6),
)


@given(st.lists(tallies, min_size=1, max_size=8))
def test_protected_counts_show_only_cells_of_five_citizens_and_never_one_lone_gap(
    family: list[Tally],
) -> None:
    cells = protect(family)
    for tally, cell in zip(family, cells, strict=True):
        if cell.shown:
            assert len(tally.citizens) >= 5
            assert cell.value is not None and tally.value is not None
            assert cell.value % 5 == 0 and abs(cell.value - tally.value) < 5
        if len(tally.citizens) < 5:
            assert not cell.shown
            assert cell.mark in (Mark.SMALL, Mark.SUPPRESSED)
    hidden = sum(1 for c in cells if not c.shown)
    primary = sum(1 for t in family if len(t.citizens) < 5)
    assert hidden - primary in (0, 1)
    if len(family) > 1:
        assert hidden != 1


def _facts(
    citizen: str,
    programme: str,
    municipality: str,
    referred_h: float,
    contact_h: float | None,
    hope: tuple[int, int] | None,
    closed: bool,
) -> EpisodeFacts:
    referred = START + timedelta(hours=referred_h)
    discharged = referred + timedelta(days=3)
    return EpisodeFacts(
        citizen_id=citizen,
        programme=programme,
        municipality_code=municipality,
        organisation_id="org",
        referred_at=referred,
        matched_at=referred + timedelta(hours=referred_h % 40),
        discharged_at=discharged,
        first_contact_at=None if contact_h is None else discharged + timedelta(hours=contact_h),
        follow_ups_planned=4,
        follow_ups_done=2,
        readmissions=int(referred_h) % 2,
        milestones=("network_activity",) if closed else (),
        hope_score_start=hope[0] if hope else None,
        hope_score_end=hope[1] if hope else None,
        closed_at=discharged + timedelta(days=30) if closed else None,
        manual_matches=1 if int(referred_h) % 3 == 0 else 0,
    )


episodes = st.builds(
    _facts,
    st.sampled_from(CITIZENS[:15]),
    st.sampled_from(["p1", "p2", "p3"]),
    st.sampled_from(["101", "202"]),
    st.floats(min_value=0, max_value=2000),
    st.none() | st.floats(min_value=0, max_value=200),
    st.none() | st.tuples(st.integers(1, 10), st.integers(1, 10)),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(episodes, max_size=40))
def test_no_report_cell_is_built_from_fewer_than_five_citizens(
    facts: list[EpisodeFacts],
) -> None:
    period = Period.quarter("2026-Q3")
    report = build_report(ReportFilters(period=period), facts, [], AS_OF)
    groups = [(report.overall, facts)]
    for name, rows in report.breakdowns.items():
        key = {"programme": "programme", "municipality": "municipality_code"}.get(name)
        for row in rows:
            members = [f for f in facts if key is None or getattr(f, key) == row.key]
            groups.append((row, members))
        for measure in COUNTS:
            hidden = sum(1 for r in rows if not r.cell(measure).shown)
            assert hidden != 1, f"{name}/{measure}: one lone hidden group"
    for row, members in groups:
        if row.cell(Measure.REFERRALS).shown:
            assert len({f.citizen_id for f in members}) >= 5
        if row.cell(Measure.HOPE_CHANGE_MEAN).shown:
            assert len({f.citizen_id for f in members if f.hope_change() is not None}) >= 5
        if row.cell(Measure.CONTACT_MEDIAN_H).shown:
            contacted = {f.citizen_id for f in members if f.hours_to_first_contact() is not None}
            assert len(contacted) >= 5
        if row.cell(Measure.MATCHED_24H_PCT).shown:
            assert row.cell(Measure.MATCHED_24H).shown and row.cell(Measure.MATCH_DUE).shown
    text = report_csv(report)
    assert not any(c in text for c in CITIZENS)


@settings(max_examples=150, deadline=None)
@given(st.lists(episodes, max_size=40))
def test_a_total_minus_the_groups_shown_is_always_a_multiple_of_five(
    facts: list[EpisodeFacts],
) -> None:
    report = build_report(ReportFilters(period=Period.quarter("2026-Q3")), facts, [], AS_OF)
    for rows in report.breakdowns.values():
        for measure in COUNTS:
            total = report.overall.cell(measure)
            shown = [r.cell(measure).value or 0.0 for r in rows if r.cell(measure).shown]
            if total.shown and total.value is not None:
                assert (total.value - sum(shown)) % 5 == 0
            for row in rows:
                cell = row.cell(measure)
                assert not cell.shown or (cell.value or 0.0) % 5 == 0
    for row in (report.overall, *(r for rows in report.breakdowns.values() for r in rows)):
        for measure, (part, whole) in PERCENTS.items():
            if row.cell(measure).shown:
                assert (row.cell(measure).value or 0.0) <= 100.0
                assert row.cell(part).value == pytest.approx(
                    (row.cell(measure).value or 0.0) * (row.cell(whole).value or 0.0) / 100
                )


@given(st.integers(min_value=5, max_value=60), st.text(min_size=1, max_size=8))
def test_one_more_citizen_moves_a_shown_count_by_zero_or_five(n: int, prefix: str) -> None:
    """The two-periods attack in small: N citizens, then the same N and one more."""
    citizens = [f"{prefix}{i}" for i in range(n)]
    before = count_cell(Tally(value=float(n), citizens=frozenset(citizens)))
    after = count_cell(Tally(value=float(n + 1), citizens=frozenset([*citizens, "target"])))
    assert before.value is not None and after.value is not None
    assert abs(after.value - before.value) in (0.0, 5.0)
    again = count_cell(Tally(value=float(n + 1), citizens=frozenset(["target", *citizens])))
    assert again == after, "the same citizens always give the same figure"
