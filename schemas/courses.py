"""Courses (recovery colleges, ARK): the catalogue, terms with dated sessions, participants
(not users), enrolments with a waiting list, attendance, and what the term's workflow and its
activities pass each other (ids only, never personal data).

Participants' names, e-mail addresses and phone numbers are personal data: they live in
`course_participants` only (read by db/courses.py for the pages and by the outbox at delivery
time) and never travel through a workflow."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import AwareDatetime, Field, model_validator

from schemas.base import Frozen, Mutable
from schemas.notifications import Notification
from schemas.people import OPAQUE_ID

# The text a participant (or whoever enrols them) agrees to; its version is stored with the
# consent so a later wording can be told apart.
CONSENT_VERSION = "course-consent-1"
# An outbox row addressed to a participant, not a user: its user_id is this prefix and the
# participant's id (db/outbox reads the address from course_participants at delivery time).
PARTICIPANT_PREFIX = "participant:"

_EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$"
_PHONE = r"^\+?[0-9 ]{8,20}$"


def participant_user_id(participant_id: str) -> str:
    """The outbox's user_id for a participant."""
    return f"{PARTICIPANT_PREFIX}{participant_id}"


class ParticipantKind(StrEnum):
    CITIZEN = "citizen"
    RELATIVE = "relative"
    STAFF = "staff"
    STUDENT = "student"


class TermStatus(StrEnum):
    PLANNED = "planned"  # being prepared; no enrolment yet
    OPEN = "open"  # enrolment open; its workflow runs
    CLOSED = "closed"  # the term is over (its workflow ended)
    CANCELLED = "cancelled"


class SessionStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WAITING = "waiting"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


# ------------------------------------------------------------------ catalogue and terms


class NewCourse(Frozen):
    """A course in the catalogue, as a coordinator enters it."""

    programme: str = Field(pattern=r"^[a-z0-9-]{2,60}$")
    organisation_id: str = Field(pattern=OPAQUE_ID)
    title: str = Field(min_length=1, max_length=200)
    title_da: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    participant_kinds: tuple[ParticipantKind, ...] = Field(min_length=1, max_length=4)
    sessions_to_complete: int = Field(ge=1, le=100)


class Course(NewCourse):
    course_id: str = Field(pattern=OPAQUE_ID)
    active: bool = True


class NewSession(Frozen):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: str = Field(default="", max_length=200, description="Empty: the term's place.")

    @model_validator(mode="after")
    def _ends_after_start(self) -> NewSession:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at: must be after starts_at")
        return self


class NewTerm(Frozen):
    """A term of a course, with its sessions and co-teaching peers."""

    course_id: str = Field(pattern=OPAQUE_ID)
    starts_on: date
    place: str = Field(min_length=1, max_length=200)
    seats: int = Field(ge=1, le=500)
    sessions: tuple[NewSession, ...] = Field(min_length=1, max_length=60)
    teachers: tuple[str, ...] = Field(default=(), max_length=10)

    @model_validator(mode="after")
    def _sessions_in_order(self) -> NewTerm:
        starts = [s.starts_at for s in self.sessions]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("sessions: must be in order, each at its own time")
        return self


class Term(Frozen):
    term_id: str
    course_id: str
    organisation_id: str
    programme: str
    starts_on: date
    place: str
    seats: int
    status: TermStatus
    created_by: str


class TermSession(Frozen):
    session_id: str
    term_id: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    place: str
    status: SessionStatus


class Seats(Frozen):
    """A term's seats as the coordinators' pages show them."""

    seats: int
    enrolled: int
    waiting: int
    completed: int

    @property
    def free(self) -> int:
        return max(self.seats - self.enrolled - self.completed, 0)


# ------------------------------------------------------------------ participants and enrolment


class NewParticipant(Frozen):
    """Someone taking part (citizen, relative, staff, student); at least one way to reach
    them. `participant_id` may be given by the caller (a form's one-time key) so a repeated
    submission makes one participant."""

    participant_id: str | None = Field(default=None, pattern=OPAQUE_ID)
    display_name: str = Field(min_length=1, max_length=200, repr=False)
    email: str | None = Field(default=None, pattern=_EMAIL, max_length=254, repr=False)
    phone: str | None = Field(default=None, pattern=_PHONE, repr=False)
    kind: ParticipantKind
    episode_id: str | None = Field(default=None, pattern=OPAQUE_ID)
    consent_at: AwareDatetime
    consent_version: str = CONSENT_VERSION

    @model_validator(mode="after")
    def _reachable(self) -> NewParticipant:
        if not self.email and not self.phone:
            raise ValueError("email: an e-mail address or a phone number is needed")
        if self.episode_id is not None and self.kind != ParticipantKind.CITIZEN:
            raise ValueError("episode_id: only a citizen participant belongs to an episode")
        return self


class Participant(Frozen):
    participant_id: str
    display_name: str = Field(repr=False)
    email: str | None = Field(repr=False)
    phone: str | None = Field(repr=False)
    kind: ParticipantKind
    episode_id: str | None
    consent_at: AwareDatetime
    consent_version: str


class EnrolledBy(Frozen):
    """Who enrolled someone: a role and a user id, or role 'self' (the public page)."""

    role: str = Field(pattern=r"^(self|ward|caseworker|coordinator|peer|operator|system)$")
    actor_id: str | None = Field(default=None, pattern=OPAQUE_ID)


SELF = EnrolledBy(role="self")


class Enrolment(Frozen):
    term_id: str
    participant_id: str
    status: EnrolmentStatus
    position: int | None = Field(description="Place on the waiting list (1 is next).")
    enrolled_by_role: str
    enrolled_by_id: str | None
    created_at: AwareDatetime


class EnrolResult(Frozen):
    """What enrolling did: `created` False when the participant was on the term already
    (a repeated request), whose status then is unchanged."""

    status: EnrolmentStatus
    position: int | None = None
    created: bool


class CancelResult(Frozen):
    """What cancelling did: whether it changed anything, and who moved up from the waiting
    list into the freed seat."""

    cancelled: bool
    moved_up: str | None = None


class CourseTaskKind(StrEnum):
    ATTENDANCE_UNRECORDED = "attendance_unrecorded"
    PARTICIPANT_ABSENT = "participant_absent"


class CourseTask(Frozen):
    """Work for a term's teaching peers; `escalated_at` once their coordinators were told."""

    task_id: str
    kind: CourseTaskKind
    term_id: str
    organisation_id: str
    session_id: str
    participant_id: str | None
    status: str
    due_at: AwareDatetime
    created_at: AwareDatetime
    escalated_at: AwareDatetime | None


class EnrolmentRefused(Exception):
    """The term takes no enrolment: `field` names what is wrong, `reason` a code for the
    catalogue of reason texts (never personal data)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# ------------------------------------------------------------------ the term's workflow


def term_workflow_id(term_id: str) -> str:
    """The id of a term's workflow: the term's opaque id, nothing else."""
    return f"course-term-{term_id}"


class TermStart(Frozen):
    """The term workflow's input (ids and settings only)."""

    term_id: str = Field(pattern=OPAQUE_ID)
    remind_hours_before: tuple[int, ...] = Field(
        default=(24,), max_length=4, description="Reminders this many hours before a session."
    )
    attendance_due_hours: int = Field(
        default=48,
        ge=1,
        le=24 * 14,
        description="After a session ends, the teaching peers are reminded of its attendance.",
    )
    escalate_after_hours: int = Field(
        default=48, ge=1, le=24 * 14, description="Then their coordinators are told."
    )
    give_up_after_hours: int = Field(
        default=24 * 14,
        ge=1,
        le=24 * 60,
        description="A session's attendance is awaited this long after it ends, at most.",
    )


class PlannedCourseSession(Frozen):
    session_id: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    cancelled: bool = False


class TermPlan(Frozen):
    """What the workflow needs of its term: its sessions and its status."""

    term_id: str
    organisation_id: str
    status: TermStatus
    sessions_to_complete: int
    sessions: tuple[PlannedCourseSession, ...]


class FollowedSession(Frozen):
    """A session that ended, whose attendance the workflow awaits; `step` 1 once the
    teaching peers were reminded, 2 once their coordinators were told."""

    session_id: str
    ends_at: AwareDatetime
    step: int = 0


class DeferredReminder(Frozen):
    """A session reminder with rows still pending in a citizen's quiet hours."""

    notification: Notification
    session_id: str
    due: AwareDatetime = Field(description="Deliver it again at this time.")
    tries: int = Field(default=1, description="Deliveries so far.")


class TermState(Mutable):
    """What the workflow knows and the query shows."""

    sessions: list[PlannedCourseSession] = Field(default_factory=list)
    reminders_sent: list[str] = Field(default_factory=list)
    following: list[FollowedSession] = Field(default_factory=list)
    sessions_done: list[str] = Field(default_factory=list)
    attendance_in: list[str] = Field(default_factory=list)
    cancel_notices: list[str] = Field(
        default_factory=list, description="Cancelled sessions whose notice is still to go."
    )
    cancels_told: list[str] = Field(
        default_factory=list, description="Cancelled sessions whose notice went."
    )
    moved_up: list[str] = Field(
        default_factory=list, description="Participants moved up whose notice is still to go."
    )
    follow_ups: int = 0
    deferred: list[DeferredReminder] = Field(
        default_factory=list, description="Reminders waiting out a citizen's quiet hours."
    )
    cancelled: bool = False
    completed: bool = False


class Notices(Frozen):
    """Notifications an activity queued in the outbox, for the workflow to deliver."""

    notifications: tuple[Notification, ...] = ()


class ReminderRequest(Frozen):
    """Remind everyone enrolled of a session, once per session and lead time."""

    term_id: str
    session_id: str
    hours_before: int


class SessionCancelledNotice(Frozen):
    term_id: str
    session_id: str


class SeatOffered(Frozen):
    term_id: str
    participant_ids: tuple[str, ...]


class EnrolmentChanged(Frozen):
    """The page's signal after a cancellation: who moved up from the waiting list."""

    moved_up: tuple[str, ...] = Field(default=(), max_length=500)


class AttendanceCheck(Frozen):
    """Look at a session's attendance; when it is not in, `step` 1 reminds the teaching peers
    (a task for them), 2 tells their coordinators."""

    term_id: str
    organisation_id: str
    session_id: str
    step: int = Field(ge=0, le=2)
    due_at: AwareDatetime


class AttendanceOutcome(Frozen):
    recorded: bool
    missed_twice: tuple[str, ...] = Field(
        default=(), description="Participants absent from this and the session before it."
    )
    notices: Notices = Notices()


class CompletedParticipant(Frozen):
    participant_id: str
    episode_id: str | None


class CompletionResult(Frozen):
    completed: tuple[CompletedParticipant, ...] = ()
    not_completed: int = 0


class TermCompleted(Frozen):
    completion: CompletionResult
    notices: Notices = Notices()


class MilestoneRequest(Frozen):
    """Record the course milestone on a completing citizen's episode (idempotent event id)."""

    term_id: str
    participant_id: str
    episode_id: str
    occurred_at: AwareDatetime


class TermView(Frozen):
    term_id: str
    sessions: tuple[PlannedCourseSession, ...]
    sessions_done: tuple[str, ...]
    following: tuple[FollowedSession, ...]
    reminders_sent: tuple[str, ...]
    reminders_deferred: tuple[str, ...] = Field(
        default=(), description="Reminder notifications waiting out a citizen's quiet hours."
    )
    follow_ups: int
    cancelled: bool
    completed: bool
