"""A programme: the timings and plan of one peer-support offer, kept as data, not code."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import Field, model_validator

from schemas.base import Frozen
from schemas.roster import Employment, OrganisationKind
from schemas.tasks import TaskKind


class MilestoneKind(StrEnum):
    MUNICIPAL_SERVICE = "municipal_service"
    JOB_STEP = "job_step"
    EDUCATION_STEP = "education_step"
    NETWORK_ACTIVITY = "network_activity"
    COURSE_ENROLMENT = "course_enrolment"
    COURSE_ATTENDANCE = "course_attendance"


class ProgrammeKind(StrEnum):
    """How a programme reaches people: one-to-one episodes, course terms, or groups."""

    # A peer carries one citizen from the ward (or an ambulant referral) to everyday life.
    BRIDGE = "bridge"
    # Co-taught terms of sessions people enrol in (recovery college, ARK).
    COURSE = "course"
    # Recurring sessions with a facilitating peer, members joining and leaving.
    GROUP = "group"


class FollowUpStage(Frozen):
    """Contacts every `every_days` until `until_week` after discharge."""

    every_days: int = Field(ge=1, le=90)
    until_week: int = Field(ge=1, le=520)


class Audience(StrEnum):
    """Who an escalation goes to, seen from the episode."""

    # The coordinators of the episode's organisation (those of its partnership when it has
    # none).
    COORDINATOR = "coordinator"
    # The episode's ward: its discharge coordinator and staff.
    WARD = "ward"
    # Every coordinator of the partnership of the episode's organisation.
    PARTNERSHIP = "partnership"


class EscalationLevel(Frozen):
    """One step up: `after_hours` after the step below lapsed, a task for `to`."""

    to: Audience
    after_hours: int = Field(default=24, ge=1, le=24 * 30)

    @property
    def after(self) -> timedelta:
        return timedelta(hours=self.after_hours)


class Ladder(Frozen):
    """What happens when a task lapses: a reminder to its assignee when it falls due, then
    each level in turn while the task is still open and the escalation below it lapsed."""

    remind: bool = True
    levels: tuple[EscalationLevel, ...] = Field(default=(), max_length=4)


# The process escalates these itself when they lapse (first contact: a task for the
# coordinator and word to the ward); their ladder reminds, and the escalation task's own
# ladder goes higher.
ESCALATED_BY_THE_PROCESS = frozenset({TaskKind.FIRST_CONTACT})
# Offers expire and go to the next peer; escalation tasks are the ladder's own steps.
WITHOUT_LADDER = frozenset({TaskKind.PEER_OFFER, TaskKind.TASK_ESCALATION})

_UP_FROM_PEER = (EscalationLevel(to=Audience.COORDINATOR), EscalationLevel(to=Audience.PARTNERSHIP))
_UP_FROM_COORDINATOR = (EscalationLevel(to=Audience.PARTNERSHIP),)

# The ladder of every task kind unless a programme says otherwise: peer and caseworker tasks
# go to the coordinator, then the partnership; ward tasks to the ward's discharge
# coordinator, then the coordinator; the coordinator's own tasks (already escalations or
# failures) to the partnership.
DEFAULT_LADDERS: dict[TaskKind, Ladder] = {
    TaskKind.MANUAL_MATCH: Ladder(levels=_UP_FROM_COORDINATOR),
    TaskKind.FIRST_MEETING: Ladder(levels=_UP_FROM_PEER),
    TaskKind.IN_WARD_CONTACT: Ladder(levels=_UP_FROM_PEER),
    TaskKind.DISCHARGE_AGREEMENT: Ladder(
        levels=(EscalationLevel(to=Audience.WARD), EscalationLevel(to=Audience.COORDINATOR))
    ),
    TaskKind.COORDINATION_PLAN: Ladder(
        levels=(EscalationLevel(to=Audience.WARD), EscalationLevel(to=Audience.COORDINATOR))
    ),
    TaskKind.NETWORK_MEETING: Ladder(
        levels=(EscalationLevel(to=Audience.WARD), EscalationLevel(to=Audience.COORDINATOR))
    ),
    TaskKind.CONFIRM_SERVICE: Ladder(
        levels=(
            EscalationLevel(to=Audience.COORDINATOR, after_hours=72),
            EscalationLevel(to=Audience.PARTNERSHIP),
        )
    ),
    TaskKind.FIRST_CONTACT: Ladder(),
    TaskKind.FIRST_CONTACT_ESCALATION: Ladder(levels=_UP_FROM_COORDINATOR),
    TaskKind.FOLLOW_UP: Ladder(levels=_UP_FROM_PEER),
    TaskKind.PROGRAMME_REVIEW: Ladder(levels=_UP_FROM_PEER),
    # A concern waits hours, not days.
    TaskKind.CONCERN: Ladder(levels=(EscalationLevel(to=Audience.PARTNERSHIP, after_hours=4),)),
    TaskKind.NOTIFICATION_FAILED: Ladder(levels=_UP_FROM_COORDINATOR),
    TaskKind.MEDCOM_UNDELIVERED: Ladder(levels=_UP_FROM_COORDINATOR),
    TaskKind.COMMIT_FAILED: Ladder(levels=_UP_FROM_COORDINATOR),
    TaskKind.OUTCOME_QUESTIONNAIRE: Ladder(levels=_UP_FROM_PEER),
    TaskKind.DEBRIEF: Ladder(levels=_UP_FROM_PEER),
}


class Carriers(Frozen):
    """Who may carry a programme: the peers' employment forms and their organisations' kinds."""

    employment: tuple[Employment, ...] = (Employment.EMPLOYED, Employment.VOLUNTEER)
    organisation_kinds: tuple[OrganisationKind, ...] = tuple(OrganisationKind)

    @model_validator(mode="after")
    def _someone(self) -> Carriers:
        if not self.employment or not self.organisation_kinds:
            raise ValueError("carried_by: at least one employment form and organisation kind")
        return self


class ProgrammeTraining(Frozen):
    """The courses that qualify a peer for a programme (the latest completion of any of them
    counts), how long that lasts and how early the coordinator is reminded."""

    courses: tuple[str, ...] = Field(default=("peer-basic", "peer-refresher"), min_length=1)
    refresher_months: int = Field(default=24, ge=1, le=120)
    remind_days_before: int = Field(default=30, ge=1, le=180)


class Programme(Frozen):
    """Everything the episode workflow needs to know about a programme."""

    code: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    name: str
    name_da: str
    kind: ProgrammeKind = Field(
        default=ProgrammeKind.BRIDGE,
        description="bridge: one-to-one episodes; course and group are not referred as episodes.",
    )
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
    pause_on_somatic_admission: bool = Field(
        default=False,
        description=(
            "An admission to a ward outside psychiatry (a somatic ward, by its SOR code) after"
            " the discharge pauses the follow-up and the first-contact clock like a psychiatric"
            " readmission. Without it the somatic stay is only recorded on the timeline. Its"
            " discharge is never taken as the psychiatric discharge."
        ),
    )
    in_ward_contact_every_days: int | None = Field(
        default=None,
        ge=1,
        le=90,
        description=(
            "While the citizen is still admitted, the peer has a planned in-ward contact every"
            " this many days from the first meeting until the discharge (None: no in-ward"
            " contacts)."
        ),
    )
    milestones: tuple[MilestoneKind, ...] = (
        MilestoneKind.MUNICIPAL_SERVICE,
        MilestoneKind.JOB_STEP,
        MilestoneKind.EDUCATION_STEP,
        MilestoneKind.NETWORK_ACTIVITY,
    )
    carried_by: Carriers = Field(
        default_factory=Carriers,
        description="Employment forms and organisation kinds whose peers may carry it.",
    )
    training: ProgrammeTraining = Field(
        default_factory=ProgrammeTraining,
        description="The training a peer needs, and how often it is refreshed.",
    )
    ladders: dict[TaskKind, Ladder] = Field(
        default_factory=dict,
        description="Escalation ladders that differ from DEFAULT_LADDERS, by task kind.",
    )

    @model_validator(mode="after")
    def _every_lapse_reaches_someone(self) -> Programme:
        for kind, ladder in self.ladders.items():
            if kind in WITHOUT_LADDER:
                raise ValueError(f"ladders.{kind.value}: this task kind has no ladder")
            if not ladder.levels and kind not in ESCALATED_BY_THE_PROCESS:
                raise ValueError(
                    f"ladders.{kind.value}: at least one escalation level is needed,"
                    " or nobody would be told when the task lapses"
                )
        return self

    def referral_refusal(self) -> str | None:
        """Why nobody is referred to a one-to-one episode of this programme (None: they may
        be). Episodes of it already running go on as they are."""
        if self.kind == ProgrammeKind.COURSE:
            return "the programme is a course; enrol the citizen in a term instead"
        if self.kind == ProgrammeKind.GROUP:
            return "the programme is a group offer; add the citizen to a group instead"
        return None

    def ladder(self, kind: TaskKind) -> Ladder | None:
        """The task kind's ladder: the programme's own, else the default; None: no ladder."""
        if kind in self.ladders:
            return self.ladders[kind]
        return DEFAULT_LADDERS.get(kind)

    @model_validator(mode="after")
    def _in_ward_contacts_follow_a_meeting(self) -> Programme:
        if self.in_ward_contact_every_days is not None and not self.meets_before_discharge:
            raise ValueError(
                "in_ward_contact_every_days: in-ward contacts follow the first meeting before"
                " discharge, so meets_before_discharge must be true"
            )
        return self

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
    def in_ward_contact_every(self) -> timedelta | None:
        days = self.in_ward_contact_every_days
        return None if days is None else timedelta(days=days)

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
