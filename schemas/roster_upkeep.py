"""What one run of the roster upkeep did (ids and counts only)."""

from __future__ import annotations

from schemas.base import Frozen
from schemas.notifications import Notification


class TrainingTasks(Frozen):
    """Lapse reminders opened (one per peer, programme and lapse date) and closed by a renewal."""

    opened: int
    closed: int


class NoticesQueued(Frozen):
    """Roster (or peer group) tasks whose coordinators or facilitator were told now: of the
    task, that it is due, and who it climbs to that it is still not done."""

    notices: int
    reminders: int
    escalations: int


class GroupAndCourseNotices(Frozen):
    """The peer groups' tasks told of, and the course follow-ups reminded of and escalated
    (their first notice is the term workflow's)."""

    groups: NoticesQueued
    courses: NoticesQueued


class Undelivered(Frozen):
    """Roster notices with copies still waiting for e-mail or SMS."""

    notifications: tuple[Notification, ...]


class RosterUpkeepReport(Frozen):
    training: TrainingTasks
    queued: NoticesQueued
    # The peer groups' tasks and course follow-ups told of (None in a run from before the
    # group-task-notices patch).
    groups: NoticesQueued | None = None
    courses: NoticesQueued | None = None
    delivered: int
    failed: int
