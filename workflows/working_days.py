"""Calendar arithmetic in working days (Monday to Friday)."""

from __future__ import annotations

from datetime import datetime, timedelta


def add_working_days(start: datetime, days: int) -> datetime:
    """The moment `days` working days after `start`, keeping its time of day.

    Danish public holidays are not counted out: the deadline may fall a day early around them,
    which errs on the side of booking the network meeting sooner.
    """
    moment = start
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment
