"""Report filters from the query string: quarter or dates, programme, municipality."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from pydantic import ValidationError

from api.errors import ApiError, FieldError
from api.reports.access import ReportScope
from api.reports.model import ReportFilters
from api.reports.period import Period

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def _refuse(name: str, reason: str) -> ApiError:
    return ApiError(
        422, f"invalid input: {name}: {reason}", [FieldError(field=name, reason=reason)]
    )


def _day(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _refuse(name, "expected a date like 2026-07-01") from None


def _code(params: Mapping[str, str], name: str) -> str | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not CODE.match(raw):
        raise _refuse(name, "not a known code")
    return raw


def period_from(params: Mapping[str, str], today: date) -> Period:
    """Both dates win over the quarter; neither gives this quarter."""
    first, last = _day(params, "from"), _day(params, "to")
    try:
        if first is not None and last is not None:
            return Period(first=first, last=last)
    except ValidationError as err:
        raise _refuse("to", str(err.errors()[0]["msg"]).removeprefix("Value error, ")) from None
    quarter = params.get("quarter", "").strip()
    if not quarter:
        return Period.quarter_of(today)
    try:
        return Period.quarter(quarter)
    except ValueError as err:
        raise _refuse("quarter", str(err)) from None


def filters_from(params: Mapping[str, str], scope: ReportScope, today: date) -> ReportFilters:
    """A caseworker's municipality is theirs whatever the query says."""
    return ReportFilters(
        period=period_from(params, today),
        programme=_code(params, "programme"),
        municipality=scope.municipality_code or _code(params, "municipality"),
    )
