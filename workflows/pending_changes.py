"""What the workflow has changed since its last commit to the read model."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.commit import AuditEntry, EpisodeCommit, EpisodeProjection, TimelineEntry
from schemas.events import Goal
from schemas.goals import GoalRecord, GoalReviewRecord
from schemas.notifications import Notification
from schemas.tasks import Task


@dataclass
class PendingChanges:
    """Collects changes; `take` turns them into one commit and starts afresh."""

    task_ids: list[str] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    goals: tuple[Goal, ...] = ()
    goal_records: tuple[GoalRecord, ...] = ()
    goal_reviews: list[GoalReviewRecord] = field(default_factory=list)
    projection_changed: bool = False

    def task(self, task_id: str) -> None:
        if task_id not in self.task_ids:
            self.task_ids.append(task_id)

    @property
    def any(self) -> bool:
        return bool(
            self.projection_changed
            or self.task_ids
            or self.timeline
            or self.audit
            or self.notifications
            or self.goals
            or self.goal_records
            or self.goal_reviews
        )

    def take(
        self, *, seq: int, projection: EpisodeProjection, tasks: dict[str, Task]
    ) -> EpisodeCommit:
        commit = EpisodeCommit(
            episode_id=projection.episode_id,
            commit_seq=seq,
            projection=projection,
            goals=self.goals,
            goal_records=self.goal_records,
            goal_reviews=tuple(self.goal_reviews),
            tasks=tuple(tasks[t].model_copy() for t in self.task_ids),
            timeline=tuple(self.timeline),
            audit=tuple(self.audit),
            notifications=tuple(self.notifications),
        )
        self.task_ids, self.timeline, self.audit, self.notifications = [], [], [], []
        self.goals = ()
        self.goal_records, self.goal_reviews = (), []
        self.projection_changed = False
        return commit
