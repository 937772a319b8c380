"""Network meetings are due within 5 working days: weekends and Danish holidays don't count."""

from __future__ import annotations

from datetime import UTC, date, datetime

import holidays
from hypothesis import given
from hypothesis import strategies as st

from workflows.working_days import add_working_days, danish_public_holidays, easter_sunday


def test_easter_and_the_holidays_it_moves() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    holidays = danish_public_holidays(2026)
    assert date(2026, 4, 2) in holidays  # Skærtorsdag
    assert date(2026, 5, 14) in holidays  # Kristi himmelfartsdag
    assert date(2026, 5, 25) in holidays  # 2. pinsedag
    assert date(2026, 5, 1) not in holidays  # Store Bededag is gone since 2024
    assert date(2023, 5, 5) in danish_public_holidays(2023)  # ... but was there in 2023


def test_five_working_days_skip_the_weekend_and_christmas() -> None:
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert add_working_days(monday, 5) == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    before_christmas = datetime(2026, 12, 23, 9, 30, tzinfo=UTC)  # a Wednesday
    # 24th (Thu), 28th, 29th, 30th, 31st; the 25th is a holiday and 26-27th a weekend.
    assert add_working_days(before_christmas, 5) == datetime(2026, 12, 31, 9, 30, tzinfo=UTC)
    assert add_working_days(before_christmas, 5, holidays=False) == datetime(
        2026, 12, 30, 9, 30, tzinfo=UTC
    )


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(1, 30))
def test_the_deadline_is_a_working_day_and_never_early(day: date, days: int) -> None:
    start = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    due = add_working_days(start, days)
    assert due.weekday() < 5
    assert due.date() not in danish_public_holidays(due.year)
    assert (due - start).days >= days


def test_our_holidays_are_the_danish_public_holidays_of_the_holidays_package() -> None:
    """The `holidays` package (test-only oracle) lists Denmark's public holidays, Store
    Bededag up to 2023 included; its optional days (Constitution Day, Christmas Eve, New
    Year's Eve, 1 May) are no public holidays and not in either table."""
    for year in range(1990, 2101):
        theirs = frozenset(holidays.Denmark(years=year, categories=("public",)))
        assert danish_public_holidays(year) == theirs, year
