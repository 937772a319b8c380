"""The roster as coordinators keep it: organisations and partnerships, peers' employment,
training records, absences, supervision groups and the roster's own tasks."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from pydantic import Field, model_validator

from schemas.base import Frozen
from schemas.people import OPAQUE_ID


class OrganisationKind(StrEnum):
    REGION = "region"
    MUNICIPALITY = "municipality"
    NGO = "ngo"
    ASSOCIATION = "association"


class Employment(StrEnum):
    EMPLOYED = "employed"
    VOLUNTEER = "volunteer"


class SharingRules(Frozen):
    """What the members of one partnership share (partnerships.sharing)."""

    match_across: bool = Field(
        default=True,
        description="Peers of any member may be offered to, and matched by hand to, the"
        " episodes of every member.",
    )
    home_sees_assigned: tuple[OrganisationKind, ...] = Field(
        default=(OrganisationKind.NGO, OrganisationKind.ASSOCIATION),
        description="Organisation kinds whose coordinators see and supervise the partners'"
        " episodes that one of their own peers is assigned to (a volunteer's home"
        " coordinator).",
    )


class AbsenceKind(StrEnum):
    HOLIDAY = "holiday"
    LEAVE = "leave"
    OTHER = "other"


class TrainingRecord(Frozen):
    """A course a peer completed: which, when and by whom (a trainer or an institution)."""

    course: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    completed_on: date
    trained_by: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _not_in_the_future(self) -> TrainingRecord:
        if self.completed_on > date.today():
            raise ValueError("completed_on: a course cannot be completed in the future")
        if self.completed_on < date(1990, 1, 1):
            raise ValueError("completed_on: too long ago to be a real date")
        return self


class Absence(Frozen):
    """A period a peer is away and is offered nothing, both days included."""

    starts_on: date
    ends_on: date
    kind: AbsenceKind = AbsenceKind.HOLIDAY

    @model_validator(mode="after")
    def _ordered(self) -> Absence:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on: the absence ends before it starts")
        if (self.ends_on - self.starts_on).days > 366:
            raise ValueError("ends_on: an absence is at most a year; deactivate the peer instead")
        return self


class SupervisionSchedule(Frozen):
    """When a group meets: a weekday (1 Monday … 7 Sunday) and local time, every n weeks."""

    weekday: int = Field(ge=1, le=7)
    time: time
    every_weeks: int = Field(default=4, ge=1, le=12)
    duration_minutes: int = Field(default=90, ge=15, le=480)


class SupervisionGroup(Frozen):
    group_id: str = Field(pattern=OPAQUE_ID)
    organisation_id: str = Field(pattern=OPAQUE_ID)
    name: str = Field(min_length=1, max_length=120)
    supervisor_id: str | None = Field(default=None, pattern=OPAQUE_ID)
    schedule: SupervisionSchedule
    active: bool = True


class RosterTaskKind(StrEnum):
    TRAINING_LAPSING = "training_lapsing"
    SUPERVISION_MISSED = "supervision_missed"
    ATTENDANCE_UNRECORDED = "attendance_unrecorded"
    EXTRA_SUPERVISION = "extra_supervision"


class RosterTask(Frozen):
    """Work for a coordinator about the roster, not about an episode."""

    task_id: str
    kind: RosterTaskKind
    organisation_id: str
    peer_id: str | None = None
    group_id: str | None = None
    status: str
    due_at: datetime
    created_at: datetime
