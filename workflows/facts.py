"""How each fact (an event from the ward, MedCom or a person) changes the episode."""

from __future__ import annotations

from datetime import datetime

from schemas.consent import SERVICE_SCOPE, ConsentScope
from schemas.episode import (
    ConsentRecord,
    EpisodeStart,
    EpisodeState,
    HospitalFact,
    HospitalRecord,
    Phase,
)
from schemas.events import (
    Admitted,
    CareSetting,
    CloseRequested,
    ConcernFlagged,
    ConsentGranted,
    ConsentWithdrawn,
    ContactLogged,
    Deceased,
    Discharged,
    DischargePlanned,
    EpisodeEvent,
    GoalAdded,
    GoalArea,
    GoalChanged,
    GoalDropped,
    HospitalEventCancelled,
    HospitalEventRevised,
    LeaveEnded,
    LeaveStarted,
    MilestoneReached,
    ReferralCancelled,
    ReferralCreated,
    RiskChanged,
)
from schemas.notifications import Template
from schemas.people import Actor, Role
from schemas.tasks import DecisionAction, TaskDecision, TaskKind, TaskStatus
from workflows import citizen_acts, fact_order, first_contact, goals, hospital_course, patches
from workflows.decisions import apply_decision
from workflows.record import EpisodeRecord
from workflows.timings import CONCERN_DUE, CONFIRM_SERVICE_DUE, URGENT_CONCERN_DUE

# Event ids remembered to drop a repeated event; older ones are long settled.
SEEN_EVENTS_KEPT = 2000

# Services a caseworker may hear about, and the goal that makes them relevant.
SERVICE_GOALS: dict[str, GoalArea | None] = {
    "social_services": None,
    "jobcenter": GoalArea.JOB,
    "education": GoalArea.EDUCATION,
}


def initial_state(start: EpisodeStart) -> EpisodeState:
    """What the referral tells: risk, consents and the admission it was made from."""
    state = EpisodeState(risk_elevated=start.referral.risk_elevated)
    for grant in start.referral.consents:
        state.consents[grant.scope] = ConsentRecord(
            scope=grant.scope,
            granted=True,
            recorded_by=grant.recorded_by,
            recorded_at=grant.recorded_at,
        )
    if start.referral.admitted_at is not None:
        state.hospital.append(
            HospitalRecord(
                event_id=f"{start.referral_event_id}:admission",
                fact=HospitalFact.ADMITTED,
                setting=CareSetting.INPATIENT,
                occurred_at=start.referral.admitted_at,
            )
        )
    state.seen_event_ids.append(start.referral_event_id)
    return state


def record_referral(record: EpisodeRecord) -> None:
    goals.seed(record)
    record.audit(
        record.start.referred_by,
        "episode.referred",
        detail={"programme": record.programme.code},
    )
    record.timeline(
        "referral",
        "timeline.referred",
        params={"programme": record.programme.name, "programme_da": record.programme.name_da},
        actor=record.start.referred_by,
    )


def receive(record: EpisodeRecord, event: EpisodeEvent) -> str:
    """Apply an event once per event_id: "accepted", "duplicate" when seen before, or
    "refused" for a citizen's event they may not report (the update's validator refuses it
    first; a signal has no one to answer)."""
    state = record.state
    if event.event_id in state.seen_event_ids:
        record.runtime.log("duplicate event ignored", {"event_type": event.type})
        return "duplicate"
    state.seen_event_ids.append(event.event_id)
    del state.seen_event_ids[:-SEEN_EVENTS_KEPT]
    # Only a citizen's refused event reaches the patch check, so no older history meets it.
    refused = citizen_acts.problem(record, event)
    if refused is not None and record.runtime.patched(patches.CITIZEN_ACTS_CHECKED):
        record.runtime.log("citizen event not applied", {"event_type": event.type})
        return "refused"
    record.audit(event.actor, f"event.{event.type}", detail={"event_id": event.event_id})
    apply(record, event)
    record.touch()
    return "accepted"


def apply(record: EpisodeRecord, event: EpisodeEvent) -> None:
    state = record.state
    match event:
        case Admitted() | Discharged() | LeaveStarted() | LeaveEnded():
            _hospital_fact(record, event)
        case DischargePlanned():
            state.discharge_planned_for = event.payload.planned_for
            record.timeline("discharge_planned", "timeline.discharge_planned", actor=event.actor)
            tell_municipality_if_due(record)
        case Deceased():
            record.end_now(Phase.DECEASED, "deceased")
        case ReferralCancelled():
            record.end_now(Phase.CANCELLED, "referral cancelled")
        case ConsentGranted():
            _grant(record, event)
        case ConsentWithdrawn():
            _withdraw(record, event)
        case RiskChanged():
            _risk(record, event)
        case MilestoneReached():
            record.milestone(event.payload.kind, event.payload.detail, event.occurred_at)
        case ContactLogged():
            _contact(record, event)
        case ConcernFlagged():
            state.concerns += 1
            due = URGENT_CONCERN_DUE if event.payload.urgent else CONCERN_DUE
            record.add_task(
                TaskKind.CONCERN, record.coordinator(), due_in=due, template=Template.CONCERN
            )
        case CloseRequested():
            state.close_requested = True
            record.timeline("close_requested", "timeline.close_requested", actor=event.actor)
        case HospitalEventRevised():
            correct(record, event.payload.target_event_id, event.payload.occurred_at)
        case HospitalEventCancelled():
            correct(record, event.payload.target_event_id, None)
        case GoalAdded() | GoalChanged() | GoalDropped():
            goals.apply(record, event)
        case ReferralCreated():
            record.timeline("referral", "timeline.referral_repeated", actor=event.actor)


def _hospital_fact(
    record: EpisodeRecord, event: Admitted | Discharged | LeaveStarted | LeaveEnded
) -> None:
    state = record.state
    fact = HospitalFact(event.type)
    setting = (
        event.payload.setting if isinstance(event, Admitted | Discharged) else CareSetting.INPATIENT
    )
    somatic = _somatic(record, event)
    hospital_record = HospitalRecord(
        event_id=event.event_id,
        fact=fact,
        setting=setting,
        occurred_at=event.occurred_at,
        psychiatric=not somatic,
        pauses_follow_up=somatic and record.programme.pause_on_somatic_admission,
    )
    was_readmitted = hospital_course.is_readmitted(hospital_course.course(state))
    state.hospital.append(hospital_record)
    if record.runtime.patched(patches.FACTS_BY_OCCURRED_AT):
        fact_order.sort_hospital(state.hospital)
    if event.event_id in state.pending_corrections:
        correct(record, event.event_id, state.pending_corrections.pop(event.event_id))
    if somatic:
        _somatic_timeline(record, hospital_record, event.actor)
    else:
        record.timeline(
            fact.value,
            "timeline.hospital_fact",
            params={"fact": fact, "setting": setting},
            actor=event.actor,
        )
    after_discharge = state.discharged_at is not None or state.ambulant_since is not None
    emergency = setting == CareSetting.EMERGENCY and fact == HospitalFact.ADMITTED
    if emergency and after_discharge and not somatic:
        state.emergency_visits += 1
        # Discharged before a peer was matched: nobody to tell yet (the coordinator holds
        # the episode). This used to fail the workflow task over and over.
        if state.peer_id is not None:
            record.notify(record.peer(), Template.EMERGENCY_VISIT)
    readmitted_now = hospital_course.is_readmitted(hospital_course.course(state))
    if readmitted_now and not was_readmitted and state.peer_id is not None:
        record.notify(record.peer(), Template.READMITTED)
    if fact == HospitalFact.DISCHARGED and setting == CareSetting.INPATIENT and not somatic:
        tell_municipality_if_due(record)
    if record.runtime.patched(patches.FACTS_IN_EVERY_PHASE):
        first_contact.hospital_changed(record)


def _somatic(
    record: EpisodeRecord, event: Admitted | Discharged | LeaveStarted | LeaveEnded
) -> bool:
    """An admission to (or discharge from) a ward outside psychiatry, kept apart from the
    psychiatric course. Ward staff record psychiatric facts; MedCom intake marks those of
    a somatic ward by its SOR code. A discharge that came unmarked (stored before intake
    marked discharges) ends the somatic stay when the citizen was out of psychiatry."""
    if not isinstance(event, Admitted | Discharged):
        return False
    if event.payload.psychiatric:
        unmarked_end = (
            isinstance(event, Discharged)
            and event.payload.setting == CareSetting.INPATIENT
            and hospital_course.ends_somatic_stay(record.state.hospital, event.occurred_at)
        )
        if not unmarked_end:
            return False
    return record.runtime.patched(patches.SOMATIC_ADMISSION_KEPT)


def _somatic_timeline(record: EpisodeRecord, fact: HospitalRecord, actor: Actor) -> None:
    """Say on the timeline that the stay is somatic, and whether the follow-up pauses."""
    params = {"setting": fact.setting}
    if fact.fact == HospitalFact.DISCHARGED:
        record.timeline("discharged", "timeline.discharged_somatic", params=params, actor=actor)
        return
    pauses = fact.pauses_follow_up and fact.setting == CareSetting.INPATIENT
    record.timeline(
        "admitted",
        "timeline.admitted_somatic_pauses" if pauses else "timeline.admitted_somatic",
        params=params,
        actor=actor,
    )


def correct(record: EpisodeRecord, target_event_id: str, occurred_at: datetime | None) -> None:
    """A hospital fact's time is revised, or (None) the fact is cancelled as sent in error."""
    target = hospital_course.find(record.state.hospital, target_event_id)
    if target is None:
        # The corrected fact has not arrived yet: apply the correction when it does.
        record.state.pending_corrections[target_event_id] = occurred_at
        return
    if occurred_at is None:
        target.cancelled = True
        record.timeline("correction", "timeline.fact_cancelled", params={"fact": target.fact})
    else:
        target.occurred_at = occurred_at
        record.timeline("correction", "timeline.fact_time_corrected", params={"fact": target.fact})
        if record.runtime.patched(patches.FACTS_BY_OCCURRED_AT):
            fact_order.sort_hospital(record.state.hospital)
    if record.runtime.patched(patches.FACTS_IN_EVERY_PHASE):
        first_contact.hospital_changed(record)


def _risk(record: EpisodeRecord, event: RiskChanged) -> None:
    elevated = event.payload.elevated
    if _superseded(record, fact_order.RISK, event):
        record.timeline(
            "risk",
            "timeline.risk_raised_earlier" if elevated else "timeline.risk_lowered_earlier",
            actor=event.actor,
        )
        return
    record.state.risk_elevated = elevated
    record.timeline(
        "risk", "timeline.risk_raised" if elevated else "timeline.risk_lowered", actor=event.actor
    )
    if record.runtime.patched(patches.FACTS_IN_EVERY_PHASE):
        first_contact.recompute(record)


def _superseded(
    record: EpisodeRecord, key: str, event: RiskChanged | ConsentGranted | ConsentWithdrawn
) -> bool:
    """A fact that happened before the one that stands changes nothing (arrival order does
    not count, only when it happened)."""
    if not record.runtime.patched(patches.FACTS_BY_OCCURRED_AT):
        return False
    return not fact_order.stands(record, key, fact_order.stamp(event))


def _grant(record: EpisodeRecord, event: ConsentGranted) -> None:
    grant = event.payload
    if _superseded(record, fact_order.consent_key(grant.scope), event):
        record.timeline(
            "consent",
            "timeline.consent_given_earlier",
            params={"scope": grant.scope},
            actor=event.actor,
        )
        return
    record.state.consents[grant.scope] = ConsentRecord(
        scope=grant.scope,
        granted=True,
        recorded_by=grant.recorded_by,
        recorded_at=grant.recorded_at,
    )
    record.timeline(
        "consent", "timeline.consent_given", params={"scope": grant.scope}, actor=event.actor
    )
    tell_municipality_if_due(record)


def _withdraw(record: EpisodeRecord, event: ConsentWithdrawn) -> None:
    scope = event.payload.scope
    if _superseded(record, fact_order.consent_key(scope), event):
        record.timeline(
            "consent",
            "timeline.consent_withdrawn_earlier",
            params={"scope": scope},
            actor=event.actor,
        )
        return
    record.state.consents[scope] = ConsentRecord(
        scope=scope, granted=False, recorded_by=event.actor, recorded_at=event.occurred_at
    )
    record.timeline(
        "consent", "timeline.consent_withdrawn", params={"scope": scope}, actor=event.actor
    )
    if scope == ConsentScope.PEER_SUPPORT:
        record.end_now(Phase.WITHDRAWN, "consent to peer support withdrawn")
        return
    for task in record.tasks_of(TaskKind.CONFIRM_SERVICE):
        if task.assignee.service and SERVICE_SCOPE.get(task.assignee.service) == scope:
            record.close_task(task, TaskStatus.CANCELLED, "consent withdrawn")


def _contact(record: EpisodeRecord, event: ContactLogged) -> None:
    record.state.contacts_logged += 1
    channel = event.payload.channel
    record.timeline("contact", "timeline.contact", params={"channel": channel}, actor=event.actor)
    if event.actor.role != Role.PEER or event.actor.id != record.state.peer_id:
        return
    # A logged contact is the first contact, or the follow-up that is due now.
    for kind in (TaskKind.FIRST_CONTACT, TaskKind.FOLLOW_UP):
        for task in record.tasks_of(kind):
            decision = TaskDecision(
                task_id=task.task_id, action=DecisionAction.COMPLETE, actor=event.actor
            )
            apply_decision(record, decision, task, at=event.occurred_at)
            return


def tell_municipality_if_due(record: EpisodeRecord) -> None:
    """Caseworkers hear of a planned or actual discharge, once, and only with consent."""
    state = record.state
    if state.discharge_planned_for is None and not hospital_course.has_left_hospital(
        state.hospital
    ):
        return
    goals = {g.area for g in record.referral.goals}
    for service, goal in SERVICE_GOALS.items():
        if service in state.services_told or not may_share_with(state, service):
            continue
        if goal is not None and goal not in goals:
            continue
        state.services_told.append(service)
        caseworker = record.caseworker(service)
        record.notify(caseworker, Template.DISCHARGE_PLANNED)
        record.add_task(
            TaskKind.CONFIRM_SERVICE, caseworker, due_in=CONFIRM_SERVICE_DUE, template=None
        )


def may_share_with(state: EpisodeState, service: str) -> bool:
    """The citizen has consented to the service hearing about the episode."""
    consent = state.consents.get(SERVICE_SCOPE[service])
    return consent is not None and consent.granted
