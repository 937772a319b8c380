"""The reporting period: a date range or a quarter like 2026-Q3, in Copenhagen time."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import model_validator

from schemas.base import Frozen

LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
# Sane periods: nothing was referred before the service existed, nothing is reported more than
# a year ahead, and no report spans more than three years. The calendar's own ends (0001-01-01,
# 9999-12-31) would overflow the time zone arithmetic; these bounds keep far from them.
EARLIEST = date(2000, 1, 1)
AHEAD_DAYS = 366
MAX_DAYS = 3 * 366


class Period(Frozen):
    """Both days included; `label` is the quarter when the period is exactly one."""

    first: date
    last: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.first < EARLIEST:
            raise ValueError(f"the period starts before {EARLIEST.isoformat()}")
        if self.last < self.first:
            raise ValueError("the period ends before it starts")
        if (self.last - self.first).days > MAX_DAYS:
            raise ValueError(f"the period is longer than {MAX_DAYS} days")
        return self

    @classmethod
    def quarter(cls, text: str) -> Period:
        found = QUARTER.match(text.strip())
        if found is None:
            raise ValueError("expected a quarter like 2026-Q3")
        year, number = int(found[1]), int(found[2])
        if year < EARLIEST.year or year >= date.max.year:
            raise ValueError(
                f"expected a quarter between {EARLIEST.year}-Q1 and {date.max.year - 1}-Q4"
            )
        first = date(year, 3 * number - 2, 1)
        after = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
        return cls(first=first, last=after - timedelta(days=1))

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        return cls.quarter(quarter_name(day))

    @property
    def label(self) -> str:
        name = quarter_name(self.first)
        return name if Period.quarter(name) == self else f"{self.first}/{self.last}"

    @property
    def starts(self) -> datetime:
        return datetime.combine(self.first, time(), LOCAL_TIME)

    @property
    def ends(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.last + timedelta(days=1), time(), LOCAL_TIME)


def latest(today: date) -> date:
    """The last day a period may reach: a year from today."""
    return today + timedelta(days=AHEAD_DAYS)


def quarter_name(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def recent_quarters(today: date, count: int = 8) -> list[str]:
    """This quarter and the ones before it, newest first (the quarter picker's choices)."""
    names: list[str] = []
    year, number = today.year, (today.month - 1) // 3 + 1
    for _ in range(count):
        names.append(f"{year}-Q{number}")
        year, number = (year - 1, 4) if number == 1 else (year, number - 1)
    return names
