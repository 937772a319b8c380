"""The network meeting is booked on a day from today until its deadline (the fifth working
day after the coordination plan), as days go in Denmark."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from api.errors import ApiError

DANISH_TIME = ZoneInfo("Europe/Copenhagen")


def date_today() -> date:
    return datetime.now(DANISH_TIME).date()


def last_day(due_at: datetime | None) -> date | None:
    """The deadline's day in Danish time (a deadline at midnight UTC is still that day)."""
    return None if due_at is None else due_at.astimezone(DANISH_TIME).date()


def check_meeting_date(meeting_on: date, due_at: datetime | None, today: date) -> None:
    if meeting_on < today:
        raise ApiError(422, "result.meeting_on: the date has passed; choose today or later")
    deadline = last_day(due_at)
    if deadline is not None and meeting_on > deadline:
        raise ApiError(
            422,
            f"result.meeting_on: the meeting must be held by {deadline.isoformat()}"
            " (five working days after the coordination plan)",
        )
