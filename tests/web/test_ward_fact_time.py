"""When a ward fact happened, from the date and time its form sends: the time filled in when
the form was opened means now even when the minute has turned since, so a risk lowered right
after it was raised is not put before the raise (and the page keeps showing the raise)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.web.rendering import LOCAL_TIME
from api.web.ward_facts import occurred_at

REFERRED = datetime(2026, 12, 6, 9, 0, 30, tzinfo=UTC)


def typed(moment: datetime) -> dict[str, str]:
    local = moment.astimezone(LOCAL_TIME)
    return {"occurred_on": local.date().isoformat(), "occurred_time": local.strftime("%H:%M")}


def test_the_minute_the_form_was_opened_in_means_now_after_the_minute_turned() -> None:
    raised = datetime(2026, 12, 6, 10, 14, 50, tzinfo=UTC)  # recorded at once: exact
    opened = datetime(2026, 12, 6, 10, 14, 55, tzinfo=UTC)  # the lowering's form
    sent = datetime(2026, 12, 6, 10, 15, 5, tzinfo=UTC)
    lowered, errors = occurred_at(typed(opened), REFERRED, sent, "en")
    assert errors == []
    assert lowered == sent
    assert lowered is not None and lowered > raised


def test_an_earlier_time_typed_stays_as_typed_to_the_minute() -> None:
    sent = datetime(2026, 12, 6, 10, 15, 5, tzinfo=UTC)
    when, errors = occurred_at(typed(sent - timedelta(minutes=2)), REFERRED, sent, "en")
    assert errors == []
    assert when == datetime(2026, 12, 6, 10, 13, tzinfo=UTC)


def test_the_future_and_before_the_referral_are_refused_naming_the_field() -> None:
    sent = datetime(2026, 12, 6, 10, 15, 5, tzinfo=UTC)
    for moment, reason in (
        (sent + timedelta(minutes=1), "future"),
        (REFERRED - timedelta(minutes=1), "before the referral"),
    ):
        when, errors = occurred_at(typed(moment), REFERRED, sent, "en")
        assert when is None
        assert [e.field for e in errors] == ["occurred_at"]
        assert reason in errors[0].reason


def test_the_referrals_own_minute_is_no_earlier_than_the_referral() -> None:
    sent = datetime(2026, 12, 6, 9, 5, tzinfo=UTC)
    when, errors = occurred_at(typed(REFERRED), REFERRED, sent, "en")
    assert errors == [] and when == REFERRED
