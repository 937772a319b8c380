"""The notices the episode owes the citizen and their relatives: a reminder before each meeting
with the peer the episode knows a time for (the network meeting booked, each planned follow-up),
'your peer will contact you by ...' after the discharge, and to relatives (with the
share_with_relative consent) the planned discharge date and who the peer is. Each has a key of
what and when, kept in the state once queued, so it is queued once (on replay and retries too);
each goes outside the reader's quiet hours and not once the moment it is about has passed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from schemas.citizen_messages import QuietHours
from schemas.citizen_notices import NoticeChoices
from schemas.consent import ConsentScope
from schemas.episode import TERMINAL_PHASES, EpisodeState
from schemas.notifications import REMINDER_TEMPLATES, Template
from schemas.people import SYSTEM, Recipient, Role
from schemas.programme import Programme
from schemas.supervision import LOCAL_TIME as LOCAL
from schemas.tasks import NetworkMeetingBooked, TaskKind
from workflows import hospital_course
from workflows.record import EpisodeRecord
from workflows.timings import (
    CITIZEN_REMINDER_LEAD,
    DAY_BEFORE_REMINDER_AT,
    first_contact_deadline,
    follow_up_clock_due,
)


class Notice(NamedTuple):
    """One notice owed: `key` says what and when (the notification's id is the episode's id
    and the key); `remind_at`, for a reminder, when it should go before the quiet hours bring
    it forward (None: as soon as the quiet hours allow); `expires`, when it is too late."""

    key: str
    role: Role
    template: Template
    params: dict[str, str]
    remind_at: datetime | None
    expires: datetime | None


def _stamp(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y%m%dT%H%MZ}"


def _local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LOCAL).astimezone(UTC)


def owed(
    episode_id: str,
    programme: Programme,
    state: EpisodeState,
    follow_up_offsets: Sequence[timedelta],
) -> list[Notice]:
    """The notices not queued yet, as the facts stand (none once the episode has ended)."""
    if state.phase in TERMINAL_PHASES:
        return []
    found = [
        *_meeting_reminders(episode_id, state, follow_up_offsets),
        *_after_discharge(programme, state),
        *_to_relatives(state),
    ]
    return [n for n in found if n.key not in state.citizen_notices]


def _meeting_reminders(
    episode_id: str, state: EpisodeState, offsets: Sequence[timedelta]
) -> list[Notice]:
    reminders: list[Notice] = []
    booked = [
        t
        for t in state.tasks.values()
        if t.kind == TaskKind.NETWORK_MEETING
        and isinstance(t.result, NetworkMeetingBooked)
        and t.decided_at is not None
    ]
    if booked:
        # The last booking stands: an earlier one was moved (and its reminder with it).
        task = max(booked, key=lambda t: (t.decided_at, t.task_id))
        assert isinstance(task.result, NetworkMeetingBooked)
        day, clock = task.result.meeting_on, task.result.starts_at
        if clock is not None:
            meeting = _local(day, clock)
            remind_at, when = meeting - CITIZEN_REMINDER_LEAD, meeting.isoformat()
        else:
            meeting = _local(day, time())
            remind_at = _local(day - CITIZEN_REMINDER_LEAD, DAY_BEFORE_REMINDER_AT)
            when = day.isoformat()
        what = task.task_id.removeprefix(f"{episode_id}-")
        reminders.append(
            Notice(
                key=f"reminder-{what}-{_stamp(meeting)}",
                role=Role.CITIZEN,
                template=Template.CITIZEN_MEETING_REMINDER,
                params={"when": when},
                remind_at=remind_at,
                expires=meeting,
            )
        )
    # The planned follow-up contacts, while the follow-up clock runs (a readmission stops it
    # and moves them).
    readmitted = hospital_course.is_readmitted(hospital_course.course(state))
    if state.follow_up_started_at is not None and not readmitted:
        for index in range(state.next_follow_up, len(offsets)):
            meeting = follow_up_clock_due(state, offsets[index])
            reminders.append(
                Notice(
                    key=f"reminder-fu{state.review_periods_done}.{index + 1}-{_stamp(meeting)}",
                    role=Role.CITIZEN,
                    template=Template.CITIZEN_MEETING_REMINDER,
                    params={"when": meeting.isoformat()},
                    remind_at=meeting - CITIZEN_REMINDER_LEAD,
                    expires=meeting,
                )
            )
    return reminders


def _after_discharge(programme: Programme, state: EpisodeState) -> list[Notice]:
    """Once discharged with a peer (a discharge during matching: when the peer is known), until
    the first contact is made; a new deadline (readmitted, the risk raised) is told anew."""
    if state.discharged_at is None or state.peer_id is None or state.first_contact_at is not None:
        return []
    if hospital_course.last_discharge(hospital_course.course(state)) is None:
        return []  # readmitted: the deadline runs from the next discharge
    by = first_contact_deadline(programme, state)
    return [
        Notice(
            key=f"after-discharge-{by.astimezone(LOCAL):%Y%m%d}",
            role=Role.CITIZEN,
            template=Template.CITIZEN_AFTER_DISCHARGE,
            params={"by": by.isoformat()},
            remind_at=None,
            expires=by,
        )
    ]


def _to_relatives(state: EpisodeState) -> list[Notice]:
    consent = state.consents.get(ConsentScope.SHARE_WITH_RELATIVE)
    if consent is None or not consent.granted:
        return []
    notices: list[Notice] = []
    planned = state.discharge_planned_for
    if planned is not None and state.discharged_at is None:
        notices.append(
            Notice(
                key=f"relative-discharge-{planned:%Y%m%d}",
                role=Role.RELATIVE,
                template=Template.RELATIVE_DISCHARGE_DATE,
                params={"date": planned.isoformat()},
                remind_at=None,
                expires=_local(planned + timedelta(days=1), time()),
            )
        )
    if state.peer_id is not None:
        notices.append(
            Notice(
                key=f"relative-peer-{state.peer_id}",
                role=Role.RELATIVE,
                template=Template.RELATIVE_PEER_ASSIGNED,
                params={"peer_id": state.peer_id},
                remind_at=None,
                expires=None,
            )
        )
    return notices


def send_at(notice: Notice, choices: NoticeChoices, now: datetime) -> datetime | None:
    """When the notice goes: a reminder at its time, or before the quiet hours it falls in;
    else now; never in the reader's quiet hours (then when they end); None when that is too
    late."""
    quiet: QuietHours = (
        choices.citizen_quiet_hours if notice.role == Role.CITIZEN else choices.relative_quiet_hours
    )
    at = now
    if notice.remind_at is not None:
        at = max(quiet.brought_forward(notice.remind_at), now)
    at = quiet.deferred(at)
    if notice.expires is not None and at >= notice.expires:
        return None
    return at


def queue_due(
    record: EpisodeRecord, notices: Sequence[Notice], choices: NoticeChoices
) -> datetime | None:
    """Queue the notices due now (a reminder the citizen turned off is let pass); when the
    next one falls due."""
    now = record.runtime.now()
    upcoming: list[datetime] = []
    for notice in notices:
        at = send_at(notice, choices, now)
        if at is None:
            continue
        if at > now:
            upcoming.append(at)
            continue
        record.state.citizen_notices.append(notice.key)
        if notice.template in REMINDER_TEMPLATES and choices.reminders_opted_out:
            record.audit(
                SYSTEM,
                "notification.let_pass",
                detail={"template": notice.template.value, "reason": "reminders off"},
            )
            continue
        record.notify(
            Recipient(role=notice.role, id=record.episode_id),
            notice.template,
            params=notice.params,
            notification_id=f"{record.episode_id}-{notice.key}",
        )
    return min(upcoming, default=None)
