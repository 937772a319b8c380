"""Calendar arithmetic in Danish working days: Monday to Friday, public holidays excluded."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache


def easter_sunday(year: int) -> date:
    """Easter Sunday (Gregorian calendar; the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    day = (h + l_ - 7 * m + 33 * month + 19) % 32
    return date(year, month, day)


@cache
def danish_public_holidays(year: int) -> frozenset[date]:
    """The official Danish public holidays (helligdage) of a year; Store Bededag was
    abolished from 2024."""
    easter = easter_sunday(year)
    moving = [-3, -2, 0, 1, 39, 49, 50]  # Maundy Thursday ... Whit Monday
    if year < 2024:
        moving.append(26)  # Store Bededag
    fixed = [date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)]
    return frozenset([easter + timedelta(days=n) for n in moving] + fixed)


def is_working_day(day: date, *, holidays: bool = True) -> bool:
    if day.weekday() >= 5:
        return False
    return not (holidays and day in danish_public_holidays(day.year))


def add_working_days(start: datetime, days: int, *, holidays: bool = True) -> datetime:
    """The moment `days` working days after `start`, keeping its time of day.

    `holidays=False` counts only weekends out (how episodes started before holidays were
    counted still replay that way)."""
    moment = start
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if is_working_day(moment.date(), holidays=holidays):
            left -= 1
    return moment
