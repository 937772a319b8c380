"""What the pages of groups that meet share (supervision groups, peer groups, course terms):
the schedule fields of a group that meets every few weeks, and the attendance form a
session's supervisor, facilitator or teacher fills in after it.

The reasons are the same words on every page, so one Danish/English entry serves them all."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from starlette.datastructures import FormData

from api.errors import FieldError
from api.principal import Principal
from api.web.form_checks import refused, whole
from api.web.guard import field
from db.audit import Actor
from schemas.roster import SupervisionSchedule

WEEKDAYS = tuple(range(1, 8))
SCHEDULE_FIELDS = ("weekday", "time", "every_weeks", "duration_minutes")
_HH_MM = re.compile(r"(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)")


def actor(principal: Principal) -> Actor:
    """Who the audit rows name for what a page does."""
    return Actor(role=principal.actor().role.value, actor_id=principal.id)


# --- the schedule ------------------------------------------------------------------------------


def schedule_values(schedule: SupervisionSchedule) -> dict[str, str]:
    """A stored schedule as the form shows it."""
    return {
        "weekday": str(schedule.weekday),
        "time": schedule.time.strftime("%H:%M"),
        "every_weeks": str(schedule.every_weeks),
        "duration_minutes": str(schedule.duration_minutes),
    }


def checked_schedule(
    values: Mapping[str, Any], problem: Callable[[str, str], None]
) -> SupervisionSchedule | None:
    """The schedule the form's fields describe; each field's problem told to `problem` (in the
    form's order) and None when there is any."""
    weekday = whole(values["weekday"], 1, 7)
    if weekday is None:
        problem("weekday", "choose a weekday from the list")
    clock = _HH_MM.fullmatch(values["time"])
    if clock is None:
        problem("time", "write the time as hours and minutes, such as 14:00")
    every = whole(values["every_weeks"], 1, 12)
    if every is None:
        problem("every_weeks", "write a whole number of weeks from 1 to 12")
    minutes = whole(values["duration_minutes"], 15, 480)
    if minutes is None:
        problem("duration_minutes", "write a whole number of minutes from 15 to 480")
    if weekday is None or clock is None or every is None or minutes is None:
        return None
    return SupervisionSchedule(
        weekday=weekday,
        time=time(int(clock["h"]), int(clock["m"])),
        every_weeks=every,
        duration_minutes=minutes,
    )


# --- attendance --------------------------------------------------------------------------------


def recorded_marks(recorded: Mapping[str, bool]) -> dict[str, str]:
    """Attendance as stored, as the form shows it."""
    return {who: ("present" if came else "absent") for who, came in recorded.items()}


def posted_marks(form: FormData, expected: Sequence[str]) -> dict[str, str]:
    """The attendance form as typed: each expected person's mark."""
    return {who: field(form, f"present-{who}") for who in expected}


def check_attendance(
    *,
    status: object,
    starts_at: datetime,
    expected: Sequence[str],
    marks: Mapping[str, str],
    unmarked: FieldError,
) -> dict[str, bool]:
    """Who came, if the session may be recorded now and everyone is marked; else the refusal
    (`unmarked` when someone is not marked: its reason names who is expected). The reasons
    are written out as FieldError(reason=...) so tests/web/test_reason_texts.py finds them."""
    if status == "cancelled":
        raise refused([FieldError(field="session_id", reason="the session was cancelled")], 409)
    if starts_at > datetime.now(UTC):
        reason = "the session has not begun; record who came after it"
        raise refused([FieldError(field="session_id", reason=reason)], 409)
    if not expected or any(mark not in ("present", "absent") for mark in marks.values()):
        raise refused([unmarked])
    return {who: mark == "present" for who, mark in marks.items()}
