"""The episode: workflow input, workflow state, what queries return and the final outcome."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field

from schemas.base import Frozen, Mutable
from schemas.consent import ConsentGrant, ConsentScope
from schemas.events import CareSetting, Referral
from schemas.goals import GoalRecord, MeasurementRecord
from schemas.people import Actor
from schemas.programme import MilestoneKind, Programme
from schemas.supervision import HardEnding
from schemas.tasks import OutcomeAnswers, Task


class Phase(StrEnum):
    REFERRED = "referred"
    MATCHING = "matching"
    UNMATCHED = "unmatched"
    PRE_DISCHARGE = "pre_discharge"
    DISCHARGED = "discharged"
    FOLLOW_UP = "follow_up"
    READMITTED = "readmitted"
    CLOSING = "closing"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    DECEASED = "deceased"


TERMINAL_PHASES = frozenset({Phase.CLOSED, Phase.WITHDRAWN, Phase.CANCELLED, Phase.DECEASED})


class HospitalFact(StrEnum):
    ADMITTED = "admitted"
    DISCHARGED = "discharged"
    LEAVE_STARTED = "leave_started"
    LEAVE_ENDED = "leave_ended"


class HospitalRecord(Mutable):
    """One admission/discharge/leave fact, kept so corrections and cancellations can apply."""

    event_id: str
    fact: HospitalFact
    setting: CareSetting
    occurred_at: AwareDatetime
    cancelled: bool = False
    # False: a ward outside psychiatry (somatic). Kept on the record, but not part of the
    # psychiatric course: neither the discharge that ends pre-discharge nor a readmission.
    psychiatric: bool = True
    # A somatic stay the programme pauses the follow-up for (pause_on_somatic_admission),
    # decided when the fact was recorded.
    pauses_follow_up: bool = False


class MilestoneRecord(Frozen):
    kind: MilestoneKind
    detail: str
    reached_at: AwareDatetime


class ConsentRecord(Frozen):
    scope: ConsentScope
    granted: bool
    recorded_by: Actor
    recorded_at: AwareDatetime


class FactStamp(Frozen):
    """When the fact that stands happened; a fact stamped later replaces it, whatever the
    order they arrived in. Ties: the type's precedence, then the event id."""

    occurred_at: AwareDatetime
    precedence: int
    event_id: str

    @property
    def key(self) -> tuple[datetime, int, str]:
        return (self.occurred_at, self.precedence, self.event_id)


class EpisodeState(Mutable):
    """Everything the workflow knows; carried whole across continue-as-new."""

    phase: Phase = Phase.REFERRED
    peer_id: str | None = None
    risk_elevated: bool = False
    consents: dict[ConsentScope, ConsentRecord] = Field(default_factory=dict)
    tasks: dict[str, Task] = Field(default_factory=dict)
    hospital: list[HospitalRecord] = Field(default_factory=list)
    seen_event_ids: list[str] = Field(default_factory=list)
    offers_made: int = 0
    assigned_offer_no: int | None = None
    services_told: list[str] = Field(
        default_factory=list, description="Caseworker services told of the discharge."
    )
    pending_corrections: dict[str, AwareDatetime | None] = Field(
        default_factory=dict,
        description="Corrections (new time) or cancellations (None) of facts not seen yet.",
    )
    offered_peer_ids: list[str] = Field(default_factory=list)
    discharge_planned_for: date | None = None
    discharged_at: AwareDatetime | None = None
    ambulant_since: AwareDatetime | None = Field(
        default=None,
        description="An ambulant episode (never admitted): when a peer took it, from which"
        " its first contact and follow-up run as from a discharge.",
    )
    first_contact_at: AwareDatetime | None = None
    in_ward_contacts: int = Field(default=0, description="In-ward contacts planned so far.")
    next_in_ward_contact_at: AwareDatetime | None = Field(
        default=None,
        description="When the next in-ward contact falls due (from the first meeting).",
    )
    follow_ups_done: int = 0
    follow_ups_planned: int = 0
    follow_up_started_at: AwareDatetime | None = None
    paused_for: float = Field(default=0.0, description="Seconds of follow-up paused so far.")
    next_follow_up: int = 0
    review_periods_done: int = 0
    readmissions: int = 0
    emergency_visits: int = 0
    contacts_logged: int = 0
    concerns: int = 0
    escalations: int = 0
    milestones: list[MilestoneRecord] = Field(default_factory=list)
    fact_stamps: dict[str, FactStamp] = Field(
        default_factory=dict,
        description="The fact that stands for the risk and for each consent scope.",
    )
    close_requested: bool = False
    goals: dict[str, GoalRecord] = Field(
        default_factory=dict, description="The citizen's goals by id, in the order set."
    )
    goals_seeded: bool = Field(
        default=False, description="The referral's goals have become goal records."
    )
    goal_seq: int = 0
    measurements: list[MeasurementRecord] = Field(default_factory=list)
    hand_overs: int = 0
    municipality_messages: list[str] = Field(
        default_factory=list,
        description="What the municipality was sent by MedCom: 'discharge',"
        " 'network_meeting:<task id>', 'closing_summary'.",
    )
    citizen_notices: list[str] = Field(
        default_factory=list,
        description="The notices to the citizen and their relatives already queued (or let"
        " pass: opted out), by key (workflows/citizen_notices): each goes once.",
    )
    ended_at: AwareDatetime | None = None
    end_reason: str = ""
    hard_ending: HardEnding | None = Field(
        default=None,
        description="An urgent concern raised while a peer had the episode (a death shows"
        " in the ending): the peer is offered an extra supervision.",
    )
    extra_supervision_asked: bool = False
    outcome: OutcomeAnswers | None = None
    seq: int = Field(default=0, description="Counter for deterministic ids of tasks etc.")
    commit_seq: int = 0
    continued_runs: int = 0


class EpisodeStart(Frozen):
    """Workflow input. `state` is set when the workflow continues as new."""

    episode_id: str = Field(pattern=r"^episode-[A-Za-z0-9-]{8,64}$")
    programme: Programme
    referral: Referral
    referral_event_id: str
    referred_at: AwareDatetime
    referred_by: Actor
    state: EpisodeState | None = None
    continue_as_new_after: int = Field(
        default=8000, ge=200, description="History length at which the run continues as new."
    )


class EpisodeOutcome(Frozen):
    episode_id: str
    final_phase: Phase
    reason: str
    peer_id: str | None
    first_contact_hours: float | None
    follow_ups_done: int
    follow_ups_planned: int
    readmissions: int
    milestones: tuple[MilestoneKind, ...]
    outcome: OutcomeAnswers | None


class NextDue(Frozen):
    task_id: str
    kind: str
    due_at: datetime


class EpisodeView(Frozen):
    """What the `state` query returns: enough for a page or an operator."""

    episode_id: str
    programme: str
    phase: Phase
    peer_id: str | None
    municipality_code: str
    ward_id: str
    organisation_id: str
    risk_elevated: bool
    consents: tuple[ConsentScope, ...]
    open_tasks: tuple[Task, ...]
    overdue_tasks: int
    next_due: NextDue | None
    discharged_at: datetime | None
    first_contact_at: datetime | None
    follow_ups_done: int
    follow_ups_planned: int
    readmissions: int
    history_events: int
    consented: dict[str, ConsentGrant] = Field(default_factory=dict)
    active_goal_ids: tuple[str, ...] = Field(
        default=(), description="Ids only: the goals' words stay in the read model."
    )
