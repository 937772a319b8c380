"""Dates and times in words, in the page's language ("Tue 8 Dec", "4 Dec 14:00"), local time."""

from __future__ import annotations

from datetime import date, datetime

from api.web.rendering import LOCAL_TIME

# (Danish, English), Monday first / January first.
_DAYS = (
    ("man.", "Mon"),
    ("tir.", "Tue"),
    ("ons.", "Wed"),
    ("tor.", "Thu"),
    ("fre.", "Fri"),
    ("lør.", "Sat"),
    ("søn.", "Sun"),
)
_MONTHS = (
    ("jan.", "Jan"),
    ("feb.", "Feb"),
    ("mar.", "Mar"),
    ("apr.", "Apr"),
    ("maj", "May"),
    ("jun.", "Jun"),
    ("jul.", "Jul"),
    ("aug.", "Aug"),
    ("sep.", "Sep"),
    ("okt.", "Oct"),
    ("nov.", "Nov"),
    ("dec.", "Dec"),
)


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def local(moment: datetime | date) -> date:
    return moment.astimezone(LOCAL_TIME) if isinstance(moment, datetime) else moment


def day_words(moment: datetime | date | None, lang: str, *, weekday: bool = False) -> str:
    """'8 Dec' / '8. dec.' (with the weekday: 'Tue 8 Dec' / 'tir. 8. dec.'); the year only
    when it is not this year."""
    if moment is None:
        return "\u2013"
    day = local(moment)
    month = _pick(_MONTHS[day.month - 1], lang)
    words = f"{day.day} {month}" if lang == "en" else f"{day.day}. {month}"
    if day.year != datetime.now(LOCAL_TIME).year:
        words = f"{words} {day.year}"
    if weekday:
        words = f"{_pick(_DAYS[day.weekday()], lang)} {words}"
    return words


def moment_words(moment: datetime | None, lang: str) -> str:
    """'4 Dec 14:00' / '4. dec. kl. 14:00'."""
    if moment is None:
        return "\u2013"
    clock = moment.astimezone(LOCAL_TIME).strftime("%H:%M")
    return (
        f"{day_words(moment, lang)} {clock}"
        if lang == "en"
        else f"{day_words(moment, lang)} kl. {clock}"
    )
