"""The citizen's own goals as the episode keeps them, their reviews, and the two measurements
of hope and network (at the first contact and at closing)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from schemas.base import Frozen, Mutable
from schemas.people import OPAQUE_ID, Actor

GOAL_ID = r"^g[0-9]{1,4}$"
MAX_GOALS = 20


class GoalArea(StrEnum):
    MUNICIPAL_SERVICES = "municipal_services"
    JOB = "job"
    EDUCATION = "education"
    NETWORK = "network"
    OTHER = "other"


class Goal(Frozen):
    """A goal the citizen sets, in their own words."""

    area: GoalArea
    text: str = Field(min_length=1, max_length=500)


class GoalStatus(StrEnum):
    ACTIVE = "active"
    REACHED = "reached"
    DROPPED = "dropped"


class GoalProgress(StrEnum):
    NONE = "none"
    SOME = "some"
    MUCH = "much"


class GoalReview(Frozen):
    """The peer's and the citizen's short review of one goal at a follow-up."""

    goal_id: str = Field(pattern=GOAL_ID)
    progress: GoalProgress
    still_relevant: bool = True
    reached: bool = False


class GoalReviewRecord(Frozen):
    goal_id: str
    task_id: str = Field(pattern=OPAQUE_ID)
    follow_up_no: int
    progress: GoalProgress
    still_relevant: bool
    reached: bool
    reviewed_at: AwareDatetime


class GoalRecord(Mutable):
    """One goal in the citizen's words; reworded, reached or dropped, never deleted (until
    the citizen is erased)."""

    goal_id: str = Field(pattern=GOAL_ID)
    area: GoalArea
    text: str = Field(min_length=1, max_length=500)
    status: GoalStatus = GoalStatus.ACTIVE
    set_at: AwareDatetime
    set_by: Actor
    changed_at: AwareDatetime
    reviews: int = 0
    last_progress: GoalProgress | None = None

    @property
    def is_active(self) -> bool:
        return self.status == GoalStatus.ACTIVE


class MeasurementPoint(StrEnum):
    START = "start"
    END = "end"


class Measurement(Frozen):
    """Hope (1-10, the citizen's own rating) and the number of people in their network."""

    hope_score: int = Field(ge=1, le=10)
    network_size: int = Field(ge=0, le=100)


class MeasurementRecord(Frozen):
    point: MeasurementPoint
    hope_score: int
    network_size: int
    measured_at: AwareDatetime
    recalled: bool = Field(
        default=False, description="Start values recalled at closing (no first measurement)."
    )
