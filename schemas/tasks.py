"""Tasks people must do, and the decisions they send back (Temporal updates)."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from schemas.base import Frozen, Mutable
from schemas.goals import Goal, GoalReview
from schemas.people import OPAQUE_ID, Actor, Recipient


class TaskKind(StrEnum):
    PEER_OFFER = "peer_offer"
    MANUAL_MATCH = "manual_match"
    FIRST_MEETING = "first_meeting"
    # A planned contact on the ward while the citizen is still admitted (bridge-builders).
    IN_WARD_CONTACT = "in_ward_contact"
    DISCHARGE_AGREEMENT = "discharge_agreement"
    COORDINATION_PLAN = "coordination_plan"
    NETWORK_MEETING = "network_meeting"
    CONFIRM_SERVICE = "confirm_service"
    FIRST_CONTACT = "first_contact"
    FIRST_CONTACT_ESCALATION = "first_contact_escalation"
    FOLLOW_UP = "follow_up"
    PROGRAMME_REVIEW = "programme_review"
    CONCERN = "concern"
    NOTIFICATION_FAILED = "notification_failed"
    # A CareCommunication to the municipality was refused or never acknowledged.
    MEDCOM_UNDELIVERED = "medcom_undelivered"
    # The read model refused a change for good; it was stored without what it could not hold.
    COMMIT_FAILED = "commit_failed"
    OUTCOME_QUESTIONNAIRE = "outcome_questionnaire"
    DEBRIEF = "debrief"
    # A step of the escalation ladder: another task lapsed; closes when that one is done.
    TASK_ESCALATION = "task_escalation"


class TaskStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({TaskStatus.OPEN})


class DecisionAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    COMPLETE = "complete"


class ManualMatch(Frozen):
    kind: Literal["manual_match"] = "manual_match"
    peer_id: str = Field(pattern=OPAQUE_ID)


class NetworkMeetingBooked(Frozen):
    kind: Literal["network_meeting"] = "network_meeting"
    meeting_on: date
    starts_at: time | None = Field(default=None, description="Local time (Europe/Copenhagen).")
    place: str = Field(default="", max_length=120, description="Where; never the citizen's name.")


class FirstContactMade(Frozen):
    """At the first meeting or contact: hope and network measured, and the goals the citizen
    sets with their peer."""

    kind: Literal["first_contact"] = "first_contact"
    hope_score: int = Field(ge=1, le=10)
    network_size: int = Field(ge=0, le=100)
    goals: tuple[Goal, ...] = Field(default=(), max_length=10)


class FollowUpReview(Frozen):
    """A follow-up done: a short review of each goal the citizen is working on."""

    kind: Literal["follow_up_review"] = "follow_up_review"
    reviews: tuple[GoalReview, ...] = Field(default=(), max_length=20)


class ServiceConfirmed(Frozen):
    kind: Literal["service_confirmed"] = "service_confirmed"
    service: str = Field(min_length=2, max_length=80, description="e.g. housing_support")


class ReviewDecision(Frozen):
    kind: Literal["review"] = "review"
    continue_episode: bool


class JobStatus(StrEnum):
    NONE = "none"
    IN_PROCESS = "in_process"
    WORKING = "working"
    STUDYING = "studying"


class OutcomeAnswers(Frozen):
    """The closing questionnaire: hope (1-10) and network now, job or education. The start
    values are measured at the first contact; they are asked here only when that measurement
    is missing (and then marked as recalled)."""

    kind: Literal["outcome"] = "outcome"
    hope_score_start: int | None = Field(default=None, ge=1, le=10)
    hope_score_end: int = Field(ge=1, le=10)
    network_size_start: int | None = Field(default=None, ge=0, le=100)
    network_size_end: int = Field(ge=0, le=100)
    job_or_education: JobStatus
    closing_note: str = Field(
        default="", max_length=2000, description="The peer's closing words for the summary."
    )


TaskResult = Annotated[
    ManualMatch
    | NetworkMeetingBooked
    | FirstContactMade
    | FollowUpReview
    | ServiceConfirmed
    | ReviewDecision
    | OutcomeAnswers,
    Field(discriminator="kind"),
]

# The result a task must be completed with, where it needs one.
REQUIRED_RESULT: dict[TaskKind, str] = {
    TaskKind.MANUAL_MATCH: "manual_match",
    TaskKind.NETWORK_MEETING: "network_meeting",
    TaskKind.CONFIRM_SERVICE: "service_confirmed",
    TaskKind.PROGRAMME_REVIEW: "review",
    TaskKind.OUTCOME_QUESTIONNAIRE: "outcome",
}

# Results a task may carry but need not (integrations complete them without).
OPTIONAL_RESULT: dict[TaskKind, str] = {
    TaskKind.FIRST_MEETING: "first_contact",
    TaskKind.FIRST_CONTACT: "first_contact",
    TaskKind.FOLLOW_UP: "follow_up_review",
}


class TaskDecision(Frozen):
    """A person's answer to a task: accept or decline an offer, or complete a task."""

    task_id: str = Field(pattern=OPAQUE_ID)
    action: DecisionAction
    actor: Actor
    note: str = Field(default="", max_length=2000)
    result: TaskResult | None = None


class HandOver(Frozen):
    """The coordinator hands the episode to another peer (illness, mismatch)."""

    peer_id: str = Field(pattern=OPAQUE_ID)
    reason: str = Field(min_length=3, max_length=500)
    actor: Actor


class HandOverResult(Frozen):
    episode_id: str
    peer_id: str
    tasks_moved: int


class TaskDecisionResult(Frozen):
    task_id: str
    status: TaskStatus


class Task(Mutable):
    """A task as the workflow keeps it and the read model shows it."""

    task_id: str
    kind: TaskKind
    assignee: Recipient
    status: TaskStatus = TaskStatus.OPEN
    created_at: AwareDatetime
    due_at: AwareDatetime | None = None
    overdue: bool = False
    number: int = Field(default=0, description="Follow-up number, offer number and the like.")
    decided_at: AwareDatetime | None = None
    decided_by: Actor | None = None
    note: str = ""
    result: TaskResult | None = None
    escalates: str | None = Field(
        default=None, description="task_escalation: the id of the task that lapsed."
    )
    escalation_level: int = Field(
        default=0, description="How far up its ladder this task has been escalated."
    )

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN
