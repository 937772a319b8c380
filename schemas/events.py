"""Facts that enter an episode: one envelope, a `type`, and a typed payload per type."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, TypeAdapter, model_validator

from schemas.base import Frozen
from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.goals import GOAL_ID
from schemas.goals import Goal as Goal  # re-exported: referrals and events carry goals
from schemas.goals import GoalArea as GoalArea
from schemas.people import OPAQUE_ID, Actor
from schemas.programme import MilestoneKind

EVENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$"


class Pathway(StrEnum):
    """Where a referral comes from: a ward (an admission) or ambulant care (none)."""

    ADMITTED = "admitted"
    AMBULANT = "ambulant"


class Referral(Frozen):
    """What ward staff give when they refer a patient to a programme."""

    programme: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    citizen_id: str = Field(pattern=OPAQUE_ID, description="Opaque key of the citizen row.")
    municipality_code: str = Field(pattern=r"^[0-9]{3,4}$")
    ward_id: str = Field(pattern=OPAQUE_ID)
    organisation_id: str = Field(pattern=OPAQUE_ID, description="Coordinating organisation.")
    risk_elevated: bool = False
    languages: tuple[str, ...] = ("da",)
    goals: tuple[Goal, ...] = ()
    consents: tuple[ConsentGrant, ...] = ()
    admitted_at: AwareDatetime | None = None
    pathway: Pathway = Field(
        default=Pathway.ADMITTED,
        description=(
            "admitted: referred from a ward, the follow-up starts at the discharge; ambulant:"
            " referred without an admission (district psychiatry, municipal services), the"
            " follow-up starts when a peer takes the episode."
        ),
    )

    @model_validator(mode="after")
    def _needs_peer_support_consent(self) -> Referral:
        if ConsentScope.PEER_SUPPORT not in {c.scope for c in self.consents}:
            raise ValueError("consents: the citizen's consent to peer_support is required")
        return self

    @model_validator(mode="after")
    def _ambulant_without_admission(self) -> Referral:
        if self.pathway == Pathway.AMBULANT and self.admitted_at is not None:
            raise ValueError("admitted_at: an ambulant referral has no admission")
        return self


class CareSetting(StrEnum):
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"


class _Event(Frozen):
    event_id: str = Field(pattern=EVENT_ID, description="Producer-chosen idempotency key.")
    occurred_at: AwareDatetime
    actor: Actor


class ReferralCreated(_Event):
    type: Literal["referral_created"] = "referral_created"
    payload: Referral


class AdmittedPayload(Frozen):
    setting: CareSetting = CareSetting.INPATIENT
    # False when the admitting ward is not psychiatric (a somatic ward by its SOR code).
    psychiatric: bool = True


class Admitted(_Event):
    """Admission to a ward (inpatient) or start of an acute ambulant (emergency) visit."""

    type: Literal["admitted"] = "admitted"
    payload: AdmittedPayload = AdmittedPayload()


class Discharged(_Event):
    """End of an inpatient stay or of an emergency visit."""

    type: Literal["discharged"] = "discharged"
    payload: AdmittedPayload = AdmittedPayload()


class Empty(Frozen):
    pass


class LeaveStarted(_Event):
    type: Literal["leave_started"] = "leave_started"
    payload: Empty = Empty()


class LeaveEnded(_Event):
    type: Literal["leave_ended"] = "leave_ended"
    payload: Empty = Empty()


class DischargePlannedPayload(Frozen):
    planned_for: date


class DischargePlanned(_Event):
    type: Literal["discharge_planned"] = "discharge_planned"
    payload: DischargePlannedPayload


class Deceased(_Event):
    type: Literal["deceased"] = "deceased"
    payload: Empty = Empty()


class ConsentGranted(_Event):
    type: Literal["consent_granted"] = "consent_granted"
    payload: ConsentGrant


class ConsentWithdrawnPayload(Frozen):
    scope: ConsentScope
    # How the withdrawal was given (the citizen's own on My consent: digital); None when
    # the reporter did not say, as before it was asked.
    method: ConsentMethod | None = None


class ConsentWithdrawn(_Event):
    type: Literal["consent_withdrawn"] = "consent_withdrawn"
    payload: ConsentWithdrawnPayload


class ReasonPayload(Frozen):
    reason: str = Field(default="", max_length=500)


class ReferralCancelled(_Event):
    type: Literal["referral_cancelled"] = "referral_cancelled"
    payload: ReasonPayload = ReasonPayload()


class RiskChangedPayload(Frozen):
    elevated: bool


class RiskChanged(_Event):
    type: Literal["risk_changed"] = "risk_changed"
    payload: RiskChangedPayload


class MilestonePayload(Frozen):
    kind: MilestoneKind
    detail: str = Field(
        default="", max_length=80, description="e.g. housing_support, ips, resource_course"
    )


class MilestoneReached(_Event):
    type: Literal["milestone_reached"] = "milestone_reached"
    payload: MilestonePayload


class ContactChannel(StrEnum):
    MEETING = "meeting"
    PHONE = "phone"
    VIDEO = "video"
    MESSAGE = "message"


class ContactPayload(Frozen):
    channel: ContactChannel = ContactChannel.MEETING
    note: str = Field(default="", max_length=2000)


class ContactLogged(_Event):
    type: Literal["contact_logged"] = "contact_logged"
    payload: ContactPayload


class ConcernPayload(Frozen):
    urgent: bool = False
    note: str = Field(default="", max_length=2000)


class ConcernFlagged(_Event):
    type: Literal["concern_flagged"] = "concern_flagged"
    payload: ConcernPayload


class CloseRequested(_Event):
    """Ends an open-ended episode (or an episode early) with the normal closing steps."""

    type: Literal["close_requested"] = "close_requested"
    payload: ReasonPayload = ReasonPayload()


class GoalAdded(_Event):
    """The citizen sets a new goal with their peer (in their own words)."""

    type: Literal["goal_added"] = "goal_added"
    payload: Goal


class GoalChangedPayload(Frozen):
    goal_id: str = Field(pattern=GOAL_ID)
    area: GoalArea
    text: str = Field(min_length=1, max_length=500)


class GoalChanged(_Event):
    """A goal reworded (or moved to another area) by the citizen and their peer."""

    type: Literal["goal_changed"] = "goal_changed"
    payload: GoalChangedPayload


class GoalDroppedPayload(Frozen):
    goal_id: str = Field(pattern=GOAL_ID)
    reason: str = Field(default="", max_length=500)


class GoalDropped(_Event):
    """A goal the citizen no longer wants to work on."""

    type: Literal["goal_dropped"] = "goal_dropped"
    payload: GoalDroppedPayload


class HospitalEventRevisedPayload(Frozen):
    target_event_id: str = Field(pattern=EVENT_ID)
    occurred_at: AwareDatetime


class HospitalEventRevised(_Event):
    """Correction of an earlier admission/discharge/leave: its time changes."""

    type: Literal["hospital_event_revised"] = "hospital_event_revised"
    payload: HospitalEventRevisedPayload


class TargetPayload(Frozen):
    target_event_id: str = Field(pattern=EVENT_ID)


class HospitalEventCancelled(_Event):
    """An earlier admission/discharge/leave was sent in error: as if it never happened."""

    type: Literal["hospital_event_cancelled"] = "hospital_event_cancelled"
    payload: TargetPayload


EpisodeEvent = Annotated[
    ReferralCreated
    | Admitted
    | Discharged
    | LeaveStarted
    | LeaveEnded
    | DischargePlanned
    | Deceased
    | ConsentGranted
    | ConsentWithdrawn
    | ReferralCancelled
    | RiskChanged
    | MilestoneReached
    | ContactLogged
    | ConcernFlagged
    | CloseRequested
    | GoalAdded
    | GoalChanged
    | GoalDropped
    | HospitalEventRevised
    | HospitalEventCancelled,
    Field(discriminator="type"),
]


class EventReceipt(Frozen):
    """The episode's answer to an event: applied now, or seen before and ignored."""

    event_id: str
    episode_id: str
    outcome: Literal["accepted", "duplicate"]


EVENT_ADAPTER: TypeAdapter[EpisodeEvent] = TypeAdapter(EpisodeEvent)

HOSPITAL_EVENT_TYPES = frozenset(
    {"admitted", "discharged", "leave_started", "leave_ended", "deceased"}
)

# What the citizen reports themselves (from My bridge, as Actor(role=citizen, id=<their
# citizen id>)): only these, and only on their own episode (api/intake and the episode's
# own check, workflows/citizen_acts); and withdrawing a consent on My consent.
CITIZEN_EVENT_TYPES = frozenset({"goal_added", "goal_changed", "consent_withdrawn"})
