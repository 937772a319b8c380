"""One batch of changes the workflow hands to the database in a single transaction."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from schemas.base import Frozen
from schemas.episode import Phase
from schemas.events import Goal
from schemas.goals import GoalRecord, GoalReviewRecord
from schemas.notifications import Notification
from schemas.people import Actor
from schemas.tasks import Task


class EpisodeProjection(Frozen):
    """The episode row of the read model (no personal data beyond the opaque citizen id)."""

    episode_id: str
    citizen_id: str
    programme: str
    phase: Phase
    peer_id: str | None
    municipality_code: str
    ward_id: str
    organisation_id: str
    risk_elevated: bool
    consents: tuple[str, ...]
    referred_at: AwareDatetime
    discharged_at: AwareDatetime | None
    first_contact_at: AwareDatetime | None
    next_due_at: AwareDatetime | None
    next_due_kind: str | None
    overdue_tasks: int
    follow_ups_done: int
    follow_ups_planned: int
    readmissions: int
    milestones: tuple[str, ...]
    hope_score_start: int | None = None
    hope_score_end: int | None = None
    network_size_start: int | None = None
    network_size_end: int | None = None
    job_or_education: str | None = None
    goals_total: int = 0
    goals_reached: int = 0
    closed_at: AwareDatetime | None = None
    end_reason: str = ""
    pathway: str = Field(default="admitted", description="admitted or ambulant (no admission).")


class TimelineEntry(Frozen):
    entry_id: str
    at: AwareDatetime
    kind: str
    actor: Actor | None = None
    summary: str = Field(
        max_length=300, description="The English line, for operators; notes stay on tasks."
    )
    task_id: str | None = None
    text_key: str | None = Field(
        default=None,
        description="The line's key in schemas.timeline_texts; None in entries written before"
        " the keys (shown with their summary).",
    )
    params: dict[str, str] = Field(
        default_factory=dict,
        description="The line's params: codes, numbers, reference names; no personal data.",
    )


class AuditEntry(Frozen):
    audit_id: str = Field(description="Idempotency key.")
    at: AwareDatetime
    actor: Actor
    action: str
    reason: str = ""
    detail: dict[str, str] = Field(default_factory=dict)


class EpisodeCommit(Frozen):
    """Projection snapshot plus everything new since the last commit."""

    episode_id: str
    commit_seq: int
    projection: EpisodeProjection
    goals: tuple[Goal, ...] = ()
    goal_records: tuple[GoalRecord, ...] = Field(
        default=(), description="All goals as they stand (replaces `goals` when given)."
    )
    goal_reviews: tuple[GoalReviewRecord, ...] = ()
    tasks: tuple[Task, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    notifications: tuple[Notification, ...] = ()


class CommitResult(Frozen):
    commit_seq: int
    applied: bool = Field(description="False when this commit had been applied before.")
