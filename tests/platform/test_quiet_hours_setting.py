"""HVERDAGSBRO_QUIET_HOURS: the default quiet hours of citizens and relatives, as an operator
sets them; a span that is no span is refused naming the setting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from hverdagsbro.settings import Settings
from schemas.citizen_messages import DEFAULT_QUIET_HOURS, configured_quiet_hours


def test_the_default_is_the_projects_quiet_hours() -> None:
    assert configured_quiet_hours(Settings().quiet_hours) == DEFAULT_QUIET_HOURS


def test_an_operator_sets_other_hours_or_none() -> None:
    late = configured_quiet_hours(Settings(quiet_hours=" 22:30-07:00 ").quiet_hours)
    # 23:00 in Copenhagen in winter is 22:00 UTC; 07:30 there is 06:30 UTC.
    assert late.covers(datetime(2026, 12, 4, 22, 0, tzinfo=UTC))
    assert not late.covers(datetime(2026, 12, 5, 6, 30, tzinfo=UTC))
    never = configured_quiet_hours(Settings(quiet_hours="NONE").quiet_hours)
    assert not never.covers(datetime(2026, 12, 4, 23, 0, tzinfo=UTC))


@pytest.mark.parametrize("span", ["21-08", "25:00-08:00", "21:00", "21:00-08:00-09:00", ""])
def test_a_span_that_is_no_span_is_refused_naming_the_setting(span: str) -> None:
    with pytest.raises(ValidationError, match="quiet_hours"):
        Settings(quiet_hours=span)
