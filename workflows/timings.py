"""The episode's timings: fixed deadlines by name, and those the programme and state decide."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from schemas.episode import EpisodeState
from schemas.programme import Programme
from workflows import hospital_course

# Tasks for the ward and the peer before the discharge.
TASK_DUE = timedelta(days=7)
# A coordinator steps in within a day: nobody took the offer, first contact was missed, or a
# notification could not be delivered.
ESCALATION_DUE = timedelta(days=1)
CONCERN_DUE = timedelta(days=2)
URGENT_CONCERN_DUE = timedelta(hours=4)
# A caseworker confirms which municipal service the citizen gets.
CONFIRM_SERVICE_DUE = timedelta(days=14)
PROGRAMME_REVIEW_DUE = timedelta(days=14)
CLOSING_DUE = timedelta(days=14)
# After a hard ending the peer's organisation offers an extra supervision within a week.
EXTRA_SUPERVISION_DUE = timedelta(days=7)
# Bridge-builders meet an inpatient from at most this long before the planned discharge.
IN_WARD_LEAD = timedelta(days=91)
# After this long the episode closes even if the closing tasks are not done.
CLOSING_GIVE_UP = timedelta(days=28)


def first_contact_deadline(programme: Programme, state: EpisodeState) -> datetime:
    """When the peer must have made contact: hours after the last discharge, fewer at
    elevated risk."""
    hours = (
        programme.first_contact_hours_elevated_risk
        if state.risk_elevated
        else programme.first_contact_hours
    )
    discharged = hospital_course.last_discharge(hospital_course.course(state))
    assert discharged is not None
    return discharged + timedelta(hours=hours)


def in_ward_contact_due(state: EpisodeState) -> datetime:
    """When the next in-ward contact falls due: on its schedule from the first meeting, but
    never more than IN_WARD_LEAD (three months) before the planned discharge."""
    assert state.next_in_ward_contact_at is not None
    planned = state.discharge_planned_for
    if planned is None:
        return state.next_in_ward_contact_at
    earliest = datetime.combine(planned, time(), tzinfo=UTC) - IN_WARD_LEAD
    return max(state.next_in_ward_contact_at, earliest)


def follow_up_clock_due(state: EpisodeState, offset: timedelta) -> datetime:
    """When the follow-up clock, which stands still while the citizen is readmitted, reaches
    `offset` in the current period."""
    assert state.follow_up_started_at is not None
    return state.follow_up_started_at + offset + timedelta(seconds=state.paused_for)


# A CareCommunication is sent again when no Acknowledgement has come this long after it was
# handed over (MedCom: the receiver acknowledges within minutes; an hour is generous).
ACKNOWLEDGEMENT_DUE = timedelta(hours=1)
# After a transient-error Acknowledgement, the same message goes again this much later.
RETRANSMIT_AFTER = timedelta(minutes=5)


# The citizen is reminded of a meeting with their peer this long before it (before their
# quiet hours, if it falls in them); of a meeting booked for a day without a time, at this
# local time the day before.
CITIZEN_REMINDER_LEAD = timedelta(days=1)
DAY_BEFORE_REMINDER_AT = time(12, 0)
# A notice delivery left pending in quiet hours is delivered again when they end: at least
# this much later, and at most this many times (the citizen may keep moving them).
DEFERRAL_FLOOR = timedelta(minutes=5)
MAX_DEFERRALS = 6
