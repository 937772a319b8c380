"""What one run of the roster upkeep did (ids and counts only)."""

from __future__ import annotations

from schemas.base import Frozen
from schemas.notifications import Notification


class TrainingTasks(Frozen):
    """Lapse reminders opened (one per peer, programme and lapse date) and closed by a renewal."""

    opened: int
    closed: int


class NoticesQueued(Frozen):
    """Roster tasks whose coordinators were told now: of the task, that it is due, and the
    partnership that it is still not done."""

    notices: int
    reminders: int
    escalations: int


class Undelivered(Frozen):
    """Roster notices with copies still waiting for e-mail or SMS."""

    notifications: tuple[Notification, ...]


class RosterUpkeepReport(Frozen):
    training: TrainingTasks
    queued: NoticesQueued
    delivered: int
    failed: int
