"""The term form's session lines: what a coordinator may type and what is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api.web.courses import _sessions


def test_sessions_in_order_on_real_days_are_read() -> None:
    day = date.today() + timedelta(days=10)
    found = _sessions(f"{day} 17:00-19:00\n\n{day + timedelta(days=7)} 17:00-19:00\n")
    assert found is not None
    assert [s.starts_at.date() for s in found] == [day, day + timedelta(days=7)]
    assert found[0].starts_at.hour == 17 and found[0].ends_at.hour == 19


@pytest.mark.parametrize(
    "line",
    [
        "tomorrow at ten",
        "2027-02-30 17:00-19:00",  # no such day
        "9999-12-31 17:00-19:00",  # a typo for a year: no timer is set that far ahead
        "1999-01-01 17:00-19:00",  # long past
        f"{date.today() + timedelta(days=3)} 19:00-17:00",  # ends before it starts
        f"{date.today() + timedelta(days=3)} 25:00-26:00",
        "",
    ],
)
def test_a_line_that_is_no_session_refuses_the_whole_text(line: str) -> None:
    assert _sessions(line) is None
