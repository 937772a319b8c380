"""Notifications: what the workflow asks to tell someone, and how each delivery went.

A notification never carries personal data: it names the recipient by role and opaque id
and the template says "you have a new task, log in to see it". Addresses are looked up at
delivery time from PostgreSQL.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from schemas.base import Frozen
from schemas.people import Recipient


class Template(StrEnum):
    NEW_TASK = "new_task"
    OFFER = "offer"
    ASSIGNED = "assigned"
    TASK_OVERDUE = "task_overdue"
    NOTIFICATION_FAILED = "notification_failed"
    ESCALATION = "escalation"
    DISCHARGE_PLANNED = "discharge_planned"
    READMITTED = "readmitted"
    EMERGENCY_VISIT = "emergency_visit"
    DISCHARGED = "discharged"
    EPISODE_ENDED = "episode_ended"
    CLOSING_SUMMARY = "closing_summary"
    CONCERN = "concern"
    DISCHARGED_WITHOUT_PEER = "discharged_without_peer"
    DEBRIEF_DONE = "debrief_done"
    # params: meeting_on (ISO date), starts_at ("HH:MM" or ""), place; e-mail carries an .ics
    NETWORK_MEETING = "network_meeting"
    HANDED_OVER = "handed_over"
    # About the roster, not an episode (no episode_id); params: task_id, kind, due_on.
    ROSTER_TASK = "roster_task"
    ROSTER_TASK_OVERDUE = "roster_task_overdue"
    ROSTER_TASK_ESCALATED = "roster_task_escalated"


# The notices about a coordinator's roster tasks: they open the roster tasks page.
ROSTER_TEMPLATES = frozenset(
    {Template.ROSTER_TASK, Template.ROSTER_TASK_OVERDUE, Template.ROSTER_TASK_ESCALATED}
)


# Recipient.service of a coordinator recipient that means every coordinator of the
# partnership of the organisation named (the ladder's top level).
PARTNERSHIP = "partnership"


class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    SMS = "sms"


class Notification(Frozen):
    notification_id: str = Field(
        description="Idempotency key: episode id + sequence, or roster task id + step."
    )
    episode_id: str | None = Field(default=None, description="None: about the roster.")
    recipient: Recipient
    template: Template
    task_id: str | None = None
    created_at: AwareDatetime
    params: dict[str, str] = Field(default_factory=dict, description="No personal data.")


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class ChannelDelivery(Frozen):
    channel: Channel
    status: DeliveryStatus
    detail: str = ""


class Delivery(Frozen):
    """What happened to one notification on each channel."""

    notification_id: str
    deliveries: tuple[ChannelDelivery, ...]
