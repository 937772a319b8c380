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
    # To course participants (e-mail/SMS, no login); params: title, title_da, place and, for
    # a session, starts_at and ends_at (ISO, UTC). Never the participant's own data.
    COURSE_SESSION_REMINDER = "course_session_reminder"
    COURSE_SESSION_CANCELLED = "course_session_cancelled"
    COURSE_SEAT_OFFERED = "course_seat_offered"
    COURSE_COMPLETED = "course_completed"
    COURSE_TERM_CANCELLED = "course_term_cancelled"
    # To a term's teaching peers, then their coordinators (params: term_id, session_id).
    COURSE_ATTENDANCE_DUE = "course_attendance_due"
    COURSE_ATTENDANCE_ESCALATED = "course_attendance_escalated"
    COURSE_FOLLOW_UP = "course_follow_up"
    # The roster upkeep's reminder to the teaching peers of a follow-up still open when due,
    # and its escalation to the coordinators (params: task_id, kind, term_id, due_on).
    COURSE_FOLLOW_UP_OVERDUE = "course_follow_up_overdue"
    COURSE_FOLLOW_UP_ESCALATED = "course_follow_up_escalated"
    # About a peer group's task, not an episode (no episode_id): member_absent to the
    # facilitator, attendance_unrecorded to the coordinators; params: task_id, kind,
    # group_id, due_on.
    GROUP_TASK = "group_task"
    GROUP_TASK_OVERDUE = "group_task_overdue"
    GROUP_TASK_ESCALATED = "group_task_escalated"
    # To the citizen of an episode, Recipient(role=CITIZEN, id=<episode_id>): by e-mail and
    # SMS only (no inbox), to the contact the episode recorded. Reminders (REMINDER_TEMPLATES)
    # stop when the citizen opts out; every one waits out the quiet hours. Params:
    # when (ISO datetime) | when, title, title_da (the course's, never a person's) |
    # by (ISO date or datetime: the first-contact deadline).
    CITIZEN_MEETING_REMINDER = "citizen_meeting_reminder"
    CITIZEN_SESSION_REMINDER = "citizen_session_reminder"
    CITIZEN_AFTER_DISCHARGE = "citizen_after_discharge"
    # To every current relative on an episode, Recipient(role=RELATIVE, id=<episode_id>), only
    # while the episode holds the share_with_relative consent. Params: date (ISO date) |
    # peer_id (the message names the peer by first name, read at delivery, never a param).
    RELATIVE_DISCHARGE_DATE = "relative_discharge_date"
    RELATIVE_PEER_ASSIGNED = "relative_peer_assigned"


# The notices about a coordinator's roster tasks: they open the roster tasks page.
ROSTER_TEMPLATES = frozenset(
    {Template.ROSTER_TASK, Template.ROSTER_TASK_OVERDUE, Template.ROSTER_TASK_ESCALATED}
)

# The notices about a peer group's tasks: they open the groups page.
GROUP_TEMPLATES = frozenset(
    {Template.GROUP_TASK, Template.GROUP_TASK_OVERDUE, Template.GROUP_TASK_ESCALATED}
)

# The notices to course participants (who are no users: addressed by course_participants).
COURSE_PARTICIPANT_TEMPLATES = frozenset(
    {
        Template.COURSE_SESSION_REMINDER,
        Template.COURSE_SESSION_CANCELLED,
        Template.COURSE_SEAT_OFFERED,
        Template.COURSE_COMPLETED,
        Template.COURSE_TERM_CANCELLED,
    }
)
# The notices to a term's teaching peers and coordinators: they open the courses pages.
COURSE_STAFF_TEMPLATES = frozenset(
    {
        Template.COURSE_ATTENDANCE_DUE,
        Template.COURSE_ATTENDANCE_ESCALATED,
        Template.COURSE_FOLLOW_UP,
        Template.COURSE_FOLLOW_UP_OVERDUE,
        Template.COURSE_FOLLOW_UP_ESCALATED,
    }
)
# Those the coordinators get (they open the courses page; the others the teaching page).
COURSE_COORDINATOR_TEMPLATES = frozenset(
    {Template.COURSE_ATTENDANCE_ESCALATED, Template.COURSE_FOLLOW_UP_ESCALATED}
)
# The course notices the roster upkeep queues (and delivers).
COURSE_UPKEEP_TEMPLATES = frozenset(
    {Template.COURSE_FOLLOW_UP_OVERDUE, Template.COURSE_FOLLOW_UP_ESCALATED}
)

# The notices to the citizen and to their relatives (e-mail and SMS; no login, no inbox).
CITIZEN_TEMPLATES = frozenset(
    {
        Template.CITIZEN_MEETING_REMINDER,
        Template.CITIZEN_SESSION_REMINDER,
        Template.CITIZEN_AFTER_DISCHARGE,
    }
)
RELATIVE_TEMPLATES = frozenset({Template.RELATIVE_DISCHARGE_DATE, Template.RELATIVE_PEER_ASSIGNED})
# Those a citizen's opt-out stops: their own reminders, and a course's session reminder when
# they take part as the citizen of an episode.
REMINDER_TEMPLATES = CITIZEN_TEMPLATES | {Template.COURSE_SESSION_REMINDER}


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
    waits_out_quiet_hours: bool = Field(
        default=False,
        description="Rows to a course participant who is an episode's citizen wait out that"
        " citizen's quiet hours too (the sender delivers again at `deferred_until`); rows to"
        " the citizen or a relative always do.",
    )


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
    deferred_until: AwareDatetime | None = Field(
        default=None,
        description="Rows to a citizen or relative that fell in their quiet hours are still"
        " pending (detail 'quiet hours'): deliver the notification again at this time.",
    )
