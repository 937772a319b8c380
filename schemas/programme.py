"""A programme: the timings and plan of one peer-support offer, kept as data, not code."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import Field, model_validator

from schemas.base import Frozen


class MilestoneKind(StrEnum):
    MUNICIPAL_SERVICE = "municipal_service"
    JOB_STEP = "job_step"
    EDUCATION_STEP = "education_step"
    NETWORK_ACTIVITY = "network_activity"
    COURSE_ENROLMENT = "course_enrolment"
    COURSE_ATTENDANCE = "course_attendance"


class FollowUpStage(Frozen):
    """Contacts every `every_days` until `until_week` after discharge."""

    every_days: int = Field(ge=1, le=90)
    until_week: int = Field(ge=1, le=520)


class Programme(Frozen):
    """Everything the episode workflow needs to know about a programme."""

    code: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    name: str
    name_da: str
    offer_timeout: timedelta = timedelta(hours=24)
    max_offers: int = Field(default=3, ge=1, le=10)
    meets_before_discharge: bool = True
    network_meeting_working_days: int = Field(default=5, ge=1, le=30)
    first_contact_hours: int = Field(default=72, ge=1, le=336)
    first_contact_hours_elevated_risk: int = Field(default=48, ge=1, le=336)
    follow_up: tuple[FollowUpStage, ...] = (
        FollowUpStage(every_days=7, until_week=4),
        FollowUpStage(every_days=14, until_week=12),
    )
    follow_up_task_window_days: int = Field(
        default=3, ge=1, le=14, description="Days a follow-up may be done after it is due."
    )
    open_ended: bool = Field(
        default=False, description="No fixed end: reviewed every `review_every_weeks`."
    )
    review_every_weeks: int = Field(
        default=13,
        ge=1,
        le=52,
        description="Weeks of follow-up between the reviews of an open-ended programme.",
    )
    milestones: tuple[MilestoneKind, ...] = (
        MilestoneKind.MUNICIPAL_SERVICE,
        MilestoneKind.JOB_STEP,
        MilestoneKind.EDUCATION_STEP,
        MilestoneKind.NETWORK_ACTIVITY,
    )

    @model_validator(mode="after")
    def _stages_increase(self) -> Programme:
        weeks = [s.until_week for s in self.follow_up]
        if not weeks:
            raise ValueError("follow_up: at least one stage is needed")
        if weeks != sorted(weeks) or len(set(weeks)) != len(weeks):
            raise ValueError("follow_up: until_week must increase from stage to stage")
        return self

    @property
    def length_weeks(self) -> int:
        """Weeks of follow-up after discharge (one review period for open-ended programmes)."""
        return self.follow_up[-1].until_week

    @property
    def follow_up_task_window(self) -> timedelta:
        return timedelta(days=self.follow_up_task_window_days)

    @property
    def review_every(self) -> timedelta:
        return timedelta(weeks=self.review_every_weeks)

    def review_period_offsets(self) -> list[timedelta]:
        """The planned contacts of one review period of an open-ended programme: the plan's
        contacts up to the review (the plan starts again in the next period)."""
        return [offset for offset in self.follow_up_offsets() if offset <= self.review_every]

    def follow_up_offsets(self) -> list[timedelta]:
        """When each planned contact falls due, counted from discharge."""
        offsets: list[timedelta] = []
        day = 0
        for stage in self.follow_up:
            while day + stage.every_days <= stage.until_week * 7:
                day += stage.every_days
                offsets.append(timedelta(days=day))
        return offsets
