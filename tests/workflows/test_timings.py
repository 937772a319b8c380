"""The episode's timings from programme data: first-contact deadline, follow-up plan, reviews."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.programmes import default_programmes
from schemas.episode import HospitalFact, HospitalRecord
from schemas.events import CareSetting
from schemas.programme import Programme
from tests.workflows.offline import REFERRED_AT, episode_start, programme
from workflows import facts
from workflows.timings import first_contact_deadline, follow_up_clock_due


def days(offsets: list[timedelta]) -> list[int]:
    return [o.days for o in offsets]


def test_first_contact_is_due_hours_after_the_last_discharge_fewer_at_elevated_risk() -> None:
    start = episode_start()
    state = facts.initial_state(start)
    first, second = REFERRED_AT + timedelta(days=1), REFERRED_AT + timedelta(days=9)
    for event_id, fact, at in (
        ("d1", HospitalFact.DISCHARGED, first),
        ("a2", HospitalFact.ADMITTED, first + timedelta(days=2)),
        ("d2", HospitalFact.DISCHARGED, second),
    ):
        state.hospital.append(
            HospitalRecord(
                event_id=event_id, fact=fact, setting=CareSetting.INPATIENT, occurred_at=at
            )
        )
    assert first_contact_deadline(start.programme, state) == second + timedelta(hours=72)
    state.risk_elevated = True
    assert first_contact_deadline(start.programme, state) == second + timedelta(hours=48)


def test_the_follow_up_clock_stands_still_while_the_citizen_is_readmitted() -> None:
    state = facts.initial_state(episode_start())
    state.follow_up_started_at = REFERRED_AT
    state.paused_for = timedelta(days=4).total_seconds()
    assert follow_up_clock_due(state, timedelta(days=7)) == REFERRED_AT + timedelta(days=11)


def test_the_follow_up_plan_is_weekly_then_fortnightly() -> None:
    offsets = programme("peer-guide-sind").follow_up_offsets()
    assert days(offsets) == [7, 14, 21, 28, 42, 56, 70, 84, 98, 112]
    assert days(programme("recovery-college").follow_up_offsets()) == list(range(7, 85, 7))


@pytest.mark.parametrize("shipped", default_programmes(), ids=lambda p: p.code)
def test_every_shipped_plan_rises_and_ends_within_the_programme(shipped: Programme) -> None:
    offsets = shipped.follow_up_offsets()
    assert offsets == sorted(set(offsets))
    assert offsets[-1] <= timedelta(weeks=shipped.length_weeks)
    assert shipped.follow_up_task_window == timedelta(days=shipped.follow_up_task_window_days)


def test_a_review_period_holds_the_planned_contacts_up_to_the_review() -> None:
    municipal = programme("municipal-peer-support")
    assert municipal.open_ended and municipal.review_every == timedelta(weeks=13)
    assert municipal.review_period_offsets() == municipal.follow_up_offsets()
    every_six = municipal.model_copy(update={"review_every_weeks": 6})
    assert days(every_six.review_period_offsets()) == [7, 14, 21, 28, 42]
    every_twenty = municipal.model_copy(update={"review_every_weeks": 20})
    assert days(every_twenty.review_period_offsets()) == [7, 14, 21, 28, 42, 56, 70, 84]
