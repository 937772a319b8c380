"""Report filters from the query string: quarter or dates, programme, municipality."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from api.errors import ApiError, FieldError
from api.reports.access import ReportScope
from api.reports.model import ReportFilters
from api.reports.period import EARLIEST, MAX_DAYS, QUARTER, Period, latest
from api.reports.texts import REPORT_TEXTS

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


class ReportInputError(ApiError):
    """A refused filter: 422 naming the field; `key` is the reason in the page catalog."""

    def __init__(self, name: str, key: str) -> None:
        reason = REPORT_TEXTS[key][1]
        super().__init__(
            422, f"invalid input: {name}: {reason}", [FieldError(field=name, reason=reason)]
        )
        self.field = name
        self.key = key


def _day(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ReportInputError(name, "report.error.date") from None


def _code(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not CODE.match(raw):
        raise ReportInputError(name, "report.error.code")
    return raw


def _within_bounds(first: date, last: date, today: date, names: tuple[str, str]) -> Period:
    """Checked here, before any date arithmetic, so the calendar's ends cannot overflow."""
    if first < EARLIEST:
        raise ReportInputError(names[0], "report.error.too_early")
    if last > latest(today):
        raise ReportInputError(names[1], "report.error.too_late")
    if last < first:
        raise ReportInputError(names[1], "report.error.backwards")
    if (last - first).days > MAX_DAYS:
        raise ReportInputError(names[1], "report.error.too_long")
    return Period(first=first, last=last)


def _quarter(text: str, today: date) -> Period:
    found = QUARTER.match(text)
    if found is None:
        raise ReportInputError("quarter", "report.error.quarter")
    year = int(found[1])
    if year < EARLIEST.year:
        raise ReportInputError("quarter", "report.error.too_early")
    if year > latest(today).year:
        raise ReportInputError("quarter", "report.error.too_late")
    period = Period.quarter(text)
    if period.first > latest(today):
        raise ReportInputError("quarter", "report.error.too_late")
    return period


def period_from(params: Mapping[str, str], today: date) -> Period:
    """Both dates win over the quarter; neither gives this quarter."""
    first, last = _day(params, "from"), _day(params, "to")
    if first is not None and last is not None:
        return _within_bounds(first, last, today, ("from", "to"))
    quarter = params.get("quarter", "").strip()
    if not quarter:
        return Period.quarter_of(today)
    return _quarter(quarter, today)


def filters_from(params: Mapping[str, str], scope: ReportScope, today: date) -> ReportFilters:
    """A caseworker's municipality is theirs whatever the query says."""
    return ReportFilters(
        period=period_from(params, today),
        programme=_code(params, "programme"),
        municipality=scope.municipality_code or _code(params, "municipality"),
    )
