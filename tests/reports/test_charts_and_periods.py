"""The SVG renderer and the period parsing, on their own."""

from __future__ import annotations

from datetime import date

import pytest

from api.reports.period import Period, recent_quarters
from api.reports.svg import Bar, Chart, horizontal, vertical


def test_a_chart_names_itself_escapes_its_labels_and_draws_no_bar_for_a_hidden_cell() -> None:
    chart = Chart(
        chart_id="c1",
        title="Tid <til> kontakt",
        desc="Antal & andel",
        bars=[Bar(label="<script>", value=7.0, text="7"), Bar(label="b", value=None, text="<5")],
        target=5.0,
        target_label="target",
    )
    for draw in (vertical, horizontal):
        svg = str(draw(chart))
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
        assert '<title id="c1-title">Tid &lt;til&gt; kontakt</title>' in svg
        assert '<desc id="c1-desc">Antal &amp; andel</desc>' in svg
        assert "<script>" not in svg
        assert svg.count("<rect") == 1, "the hidden cell has text but no bar"
        assert "&lt;5" in svg
        assert 'stroke-dasharray="6 4"' in svg


@pytest.mark.parametrize(
    ("text", "first", "last", "offset"),
    [
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "+01:00"),
        ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "+02:00"),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31), "+02:00"),
    ],
)
def test_a_quarter_is_its_three_months_in_copenhagen_time(
    text: str, first: date, last: date, offset: str
) -> None:
    period = Period.quarter(text)
    assert (period.first, period.last, period.label) == (first, last, text)
    assert period.starts.isoformat() == f"{first}T00:00:00{offset}"


@pytest.mark.parametrize("text", ["2026-Q5", "2026Q3", "Q3-2026", ""])
def test_a_quarter_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="quarter like 2026-Q3"):
        Period.quarter(text)


def test_the_quarter_picker_goes_back_over_new_year() -> None:
    assert recent_quarters(date(2026, 2, 1), 3) == ["2026-Q1", "2025-Q4", "2025-Q3"]


@pytest.mark.parametrize("text", ["0001-Q1", "1999-Q4", "9999-Q4"])
def test_a_quarter_at_the_ends_of_the_calendar_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="between 2000-Q1 and 9998-Q4"):
        Period.quarter(text)
