"""Periods at the ends of the calendar, backwards or absurdly long: refused with 422 and the
form again, the field marked and the reason in the reader's language, never a 500."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api.reports.period import EARLIEST, MAX_DAYS, Period
from api.web import labels
from tests.reports.conftest import Caller, Quarter

TOMORROW_NEXT_YEAR = date.today() + timedelta(days=400)

CASES = [
    ("from=0001-01-01&to=0001-01-31", "from", "report.error.too_early"),
    ("from=1999-12-31&to=2000-01-31", "from", "report.error.too_early"),
    ("from=9999-12-01&to=9999-12-31", "to", "report.error.too_late"),
    (f"from=2026-01-01&to={TOMORROW_NEXT_YEAR}", "to", "report.error.too_late"),
    ("from=0001-01-01&to=9999-12-31", "from", "report.error.too_early"),
    ("from=2026-09-01&to=2026-08-01", "to", "report.error.backwards"),
    ("from=2020-01-01&to=2026-06-30", "to", "report.error.too_long"),
    ("from=2026-02-30&to=2026-03-31", "from", "report.error.date"),
    ("from=2026-01-01&to=31-12-2026", "to", "report.error.date"),
    ("quarter=0001-Q1", "quarter", "report.error.too_early"),
    ("quarter=9999-Q4", "quarter", "report.error.too_late"),
    ("quarter=2026-Q5", "quarter", "report.error.quarter"),
    ("quarter=2026-Q3&programme=%3Cscript%3E", "programme", "report.error.code"),
]


@pytest.mark.parametrize("path", ["/reports", "/reports/print", "/reports.csv"])
@pytest.mark.parametrize(("query", "field", "reason"), CASES, ids=[c[0] for c in CASES])
async def test_an_impossible_period_is_refused_naming_the_field(
    as_user: Caller, quarter: Quarter, path: str, query: str, field: str, reason: str
) -> None:
    client = await as_user(quarter.roster.coordinator)
    for lang in ("da", "en"):
        response = await client.get(f"{path}?{query}&lang={lang}")
        assert response.status_code == 422, (lang, response.text[:300])
        assert response.headers["content-type"].startswith("text/html")
        page = response.text
        assert 'role="alert"' in page
        assert labels.text("report.refused", lang) in page
        assert f'<p class="field-error" id="err-{field}">{labels.text(reason, lang)}</p>' in page
        assert 'aria-invalid="true"' in page and f'err-{field}"' in page
        assert f'<a href="#{field}">' in page
        assert 'data-measure="referrals"' not in page, "no numbers under a refused period"
        assert "<script>" not in page


async def test_the_bounds_themselves_are_accepted(as_user: Caller, quarter: Quarter) -> None:
    client = await as_user(quarter.roster.coordinator)
    last = EARLIEST + timedelta(days=MAX_DAYS)
    response = await client.get(f"/reports.csv?from={EARLIEST}&to={last}")
    assert response.status_code == 200
    ahead = date.today() + timedelta(days=300)
    response = await client.get(f"/reports?from={ahead - timedelta(days=30)}&to={ahead}")
    assert response.status_code == 200
    assert f'value="{ahead}"' in response.text, "the chosen dates stay in the form"


def test_a_period_object_refuses_a_start_before_the_earliest_day() -> None:
    with pytest.raises(ValueError, match="starts before 2000-01-01"):
        Period(first=date(1, 1, 1), last=date(1, 1, 2))
