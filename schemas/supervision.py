"""Supervision groups at work: when a schedule meets (in Copenhagen time), the group
workflow's input and state, its sessions, and what its activities and the pages send it
(ids only, never personal data)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field

from schemas.base import Frozen, Mutable
from schemas.people import OPAQUE_ID
from schemas.roster import SupervisionSchedule

LOCAL_TIME = ZoneInfo("Europe/Copenhagen")
# An extra session (a debrief) is planned at the group's usual time on the first working
# day at least this long after it was asked for.
EXTRA_LEAD = timedelta(days=2)


def local_start(day: date, schedule: SupervisionSchedule) -> datetime:
    """The schedule's local time (Europe/Copenhagen) on `day`, in UTC."""
    return datetime.combine(day, schedule.time, tzinfo=LOCAL_TIME).astimezone(UTC)


def first_slot(schedule: SupervisionSchedule, after: datetime) -> datetime:
    """The first meeting time of the schedule after `after` (a new or changed schedule)."""
    today = after.astimezone(LOCAL_TIME).date()
    day = today + timedelta(days=(schedule.weekday - today.isoweekday()) % 7)
    start = local_start(day, schedule)
    return start if start > after else local_start(day + timedelta(weeks=1), schedule)


def following_slot(schedule: SupervisionSchedule, previous: datetime, now: datetime) -> datetime:
    """The meeting `every_weeks` after the previous one, or the next one after now when the
    group fell behind (a worker away for weeks)."""
    day = previous.astimezone(LOCAL_TIME).date() + timedelta(weeks=schedule.every_weeks)
    start = local_start(day, schedule)
    return start if start > now else first_slot(schedule, now)


def extra_slot(schedule: SupervisionSchedule, asked_at: datetime) -> datetime:
    """The group's usual time on the first weekday (Monday to Friday) EXTRA_LEAD after asking."""
    day = (asked_at + EXTRA_LEAD).astimezone(LOCAL_TIME).date()
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return local_start(day, schedule)


class SessionKind(StrEnum):
    REGULAR = "regular"
    EXTRA = "extra"


def group_workflow_id(group_id: str) -> str:
    """The id of a group's workflow: the group's opaque id, nothing else."""
    return f"supervision-{group_id}"


class PlannedSession(Frozen):
    """A session the group workflow follows until its attendance is in (or it gives up)."""

    session_id: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    kind: SessionKind = SessionKind.REGULAR
    for_peer_id: str | None = None
    unrecorded_task: bool = Field(
        default=False, description="The coordinator was given attendance_unrecorded for it."
    )


class ExtraRequest(Frozen):
    """Someone asks the group for an extra session (a debrief) for one of its peers;
    `request_key` makes a repeated request count once (e.g. the episode it is about)."""

    request_key: str = Field(pattern=OPAQUE_ID)
    peer_id: str = Field(pattern=OPAQUE_ID)


class SessionRhythm(Mutable):
    """What every group workflow that meets on a schedule knows (workflows/recurring_sessions.py);
    carried across continue-as-new."""

    schedule: SupervisionSchedule
    following: list[PlannedSession] = Field(
        default_factory=list, description="Sessions held or under way, awaiting attendance."
    )
    attendance_in: list[str] = Field(
        default_factory=list, description="Sessions whose attendance the page says is in."
    )
    sessions_this_run: int = 0
    active: bool = True


class GroupState(SessionRhythm):
    """Everything the supervision group workflow knows: the rhythm, plus extra sessions."""

    next_regular: PlannedSession | None = None
    pending_extra: list[ExtraRequest] = Field(default_factory=list)
    extra_keys: list[str] = Field(
        default_factory=list, description="Extra requests already planned (the latest ones)."
    )


class GroupStart(Frozen):
    """The group workflow's input; `state` is set when it continues as new."""

    group_id: str = Field(pattern=OPAQUE_ID)
    organisation_id: str = Field(pattern=OPAQUE_ID)
    schedule: SupervisionSchedule
    state: GroupState | None = None
    sessions_per_run: int = Field(
        default=12, ge=1, le=100, description="Regular sessions before it continues as new."
    )


class GroupView(Frozen):
    """What the group workflow's query answers: its plan, for pages and operators."""

    group_id: str
    active: bool
    schedule: SupervisionSchedule
    next_regular: PlannedSession | None
    following: tuple[PlannedSession, ...]


class SessionPlan(Frozen):
    """Plan one session (idempotent: the id comes from the group, the start and the kind)."""

    group_id: str
    starts_at: AwareDatetime
    duration_minutes: int = Field(ge=1)
    kind: SessionKind = SessionKind.REGULAR
    for_peer_id: str | None = None


class AttendanceCheck(Frozen):
    """Look at a session's attendance: its misses once it is in, the coordinator's task
    when it is overdue (`overdue`)."""

    group_id: str
    organisation_id: str
    session_id: str
    kind: SessionKind = SessionKind.REGULAR
    overdue: bool = False
    due_at: AwareDatetime


class AttendanceResult(Frozen):
    recorded: bool
    missed_twice: tuple[str, ...] = ()
    task_opened: bool = False


class HardEnding(StrEnum):
    DECEASED = "deceased"
    URGENT_CONCERN = "urgent_concern"


class ExtraSupervisionRequest(Frozen):
    """After a hard ending the episode's peer is offered an extra supervision or debrief."""

    episode_id: str
    peer_id: str
    ending: HardEnding
    due_at: AwareDatetime


class ExtraSupervisionResult(Frozen):
    task_opened: bool
    groups_told: tuple[str, ...] = ()
