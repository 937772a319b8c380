"""The episode workflow: one citizen's bridge from a psychiatric admission to everyday life."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from hverdagsbro.search_attributes import (
        BRIDGE_PHASE,
        DISCHARGE_DATE,
        MUNICIPALITY,
        OVERDUE_TASKS,
        PROGRAMME,
    )
    from schemas.commit import AuditEntry, CommitResult, EpisodeProjection, TimelineEntry
    from schemas.consent import SERVICE_SCOPE, ConsentScope
    from schemas.episode import (
        TERMINAL_PHASES,
        ConsentRecord,
        EpisodeOutcome,
        EpisodeStart,
        EpisodeState,
        EpisodeView,
        HospitalFact,
        HospitalRecord,
        MilestoneRecord,
        NextDue,
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
        EventReceipt,
        GoalArea,
        HospitalEventCancelled,
        HospitalEventRevised,
        LeaveEnded,
        LeaveStarted,
        MilestoneReached,
        ReferralCancelled,
        ReferralCreated,
        RiskChanged,
    )
    from schemas.matching import Reservation, ReservationRelease, ReservationRequest
    from schemas.notifications import Delivery, Notification, Template
    from schemas.people import SYSTEM, Actor, Recipient, Role
    from schemas.programme import MilestoneKind
    from schemas.tasks import (
        DecisionAction,
        ManualMatch,
        OutcomeAnswers,
        ReviewDecision,
        ServiceConfirmed,
        Task,
        TaskDecision,
        TaskDecisionResult,
        TaskKind,
        TaskStatus,
    )
    from workflows import hospital_course
    from workflows.decisions import check_decision, reject
    from workflows.pending_changes import PendingChanges
    from workflows.working_days import add_working_days

# Database work retries until the database is back; it never gives up on its own.
DATABASE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
# Deliveries give up after about an hour; then a person is given the task instead.
DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=15),
    maximum_attempts=8,
)
TASK_DUE = timedelta(days=7)
CLOSING_DUE = timedelta(days=14)
CLOSING_GIVE_UP = timedelta(days=28)
CONCERN_DUE = timedelta(days=2)
URGENT_CONCERN_DUE = timedelta(hours=4)
SEEN_EVENTS_KEPT = 2000

# Services a caseworker may hear about, and the goal that makes them relevant.
SERVICE_GOALS: dict[str, GoalArea | None] = {
    "social_services": None,
    "jobcenter": GoalArea.JOB,
    "education": GoalArea.EDUCATION,
}


class _Interrupted(Exception):
    """The episode must end now (death, consent withdrawn, cancelled) or close early."""


@workflow.defn
class EpisodeWorkflow:
    """Referral -> matching -> pre-discharge -> discharge -> follow-up -> closing."""

    @workflow.init
    def __init__(self, start: EpisodeStart) -> None:
        self.start = start
        self.programme = start.programme
        self.referral = start.referral
        self.episode_id = start.episode_id
        self.state = (
            start.state.model_copy(deep=True) if start.state else self._initial_state(start)
        )
        self.changes = PendingChanges()
        self.committed_seq = self.state.commit_seq
        self.committing = False
        self.ending: tuple[Phase, str] | None = None
        self.deliveries: set[asyncio.Task[None]] = set()
        self.watch_until: datetime | None = None
        self.deadlines_changed = False
        self.published: tuple[object, ...] = ()
        # What the main loop waits for right now, and how often it has woken: lets an
        # update wait for the main loop's reaction before it answers.
        self.waiting_for: Callable[[], bool] | None = None
        self.main_turns = 0

    # ------------------------------------------------------------------ the process

    @workflow.run
    async def run(self, start: EpisodeStart) -> EpisodeOutcome:
        background = [
            asyncio.create_task(self._commit_loop()),
            asyncio.create_task(self._watch_deadlines()),
        ]
        if start.state is None:
            self._record_referral()
        self._touch()
        with contextlib.suppress(_Interrupted):
            await self.match_peer()
            await self.prepare_discharge()
            await self.make_first_contact()
            await self.follow_up()
        if self.ending is None and self.state.peer_id is not None:
            with contextlib.suppress(_Interrupted):
                await self.close()
        if self.state.phase not in TERMINAL_PHASES:
            phase, reason = self.ending or (Phase.CANCELLED, "closed before a peer was matched")
            await self._finish(phase, reason)
        await self._settle()
        for job in background:
            job.cancel()
        return self._outcome()

    async def match_peer(self) -> None:
        """Offer the episode to the best peers in turn; escalate when nobody takes it."""
        if self.state.peer_id is not None:
            return
        self._set_phase(Phase.MATCHING)
        for _ in range(self.programme.max_offers):
            reservation = await self._reserve(peer_id=None)
            if reservation.peer_id is None:
                self._timeline("matching", "No trained peer with free capacity fits")
                break
            peer = reservation.peer_id
            offer = self._add_task(
                TaskKind.PEER_OFFER,
                Recipient(role=Role.PEER, id=peer),
                due_in=self.programme.offer_timeout,
                number=reservation.offer_no,
                template=Template.OFFER,
            )
            answered = await self._wait(
                lambda offer=offer: not offer.is_open,  # type: ignore[misc]
                within=self.programme.offer_timeout,
                summary=f"offer {reservation.offer_no} answer",
            )
            if offer.status == TaskStatus.ACCEPTED:
                return  # assigned as the offer was accepted (see _react)
            if not answered:
                self._close_task(offer, TaskStatus.EXPIRED, "offer not answered in time")
            await self._release(reservation.offer_no)
        await self._escalate_matching()

    async def prepare_discharge(self) -> None:
        """Tasks for the ward and the first meeting; wait for the discharge."""
        if self.state.discharged_at is not None:
            return
        self._set_phase(Phase.PRE_DISCHARGE)
        if not self._tasks_of(TaskKind.DISCHARGE_AGREEMENT, open_only=False):
            ward = Recipient(role=Role.WARD, id=self.referral.ward_id)
            if self.programme.meets_before_discharge:
                self._add_task(TaskKind.FIRST_MEETING, self._peer(), due_in=TASK_DUE)
            self._add_task(TaskKind.DISCHARGE_AGREEMENT, ward, due_in=TASK_DUE)
            self._add_task(TaskKind.COORDINATION_PLAN, ward, due_in=TASK_DUE)
        await self._wait(self._discharged, summary="discharge")
        discharged_at = hospital_course.first_discharge(self.state.hospital)
        assert discharged_at is not None
        self.state.discharged_at = discharged_at
        self.state.follow_up_started_at = discharged_at
        for meeting in self._tasks_of(TaskKind.FIRST_MEETING):
            self._close_task(meeting, TaskStatus.EXPIRED, "citizen discharged before it")
        self._tell_municipality_if_due()
        self._touch()

    async def make_first_contact(self) -> None:
        """The peer makes contact within 72 h of discharge (48 h at elevated risk)."""
        if self.state.first_contact_at is not None:
            return
        self._set_phase(Phase.DISCHARGED)
        contact = next(iter(self._tasks_of(TaskKind.FIRST_CONTACT)), None)
        if contact is None:
            contact = self._add_task(
                TaskKind.FIRST_CONTACT,
                self._peer(),
                due_at=self._first_contact_deadline(),
                template=Template.DISCHARGED,
            )
        escalated = bool(self._tasks_of(TaskKind.FIRST_CONTACT_ESCALATION, open_only=False))
        while contact.is_open:
            if hospital_course.is_readmitted(self.state.hospital):
                await self._wait_out_readmission(resume=Phase.DISCHARGED)
                contact.due_at = self._first_contact_deadline()
                self._changed_task(contact)
                continue
            assert contact.due_at is not None
            left = None if escalated else contact.due_at - workflow.now()
            if left is not None and left <= timedelta(0):
                self._escalate_first_contact()
                escalated = True
                continue
            await self._wait(
                lambda: not contact.is_open or hospital_course.is_readmitted(self.state.hospital),
                within=left,
                summary="first contact deadline",
            )
        self.state.first_contact_at = contact.decided_at or workflow.now()
        self._touch()

    async def follow_up(self) -> None:
        """Planned contacts per the programme; open-ended programmes are reviewed and go on."""
        self._set_phase(Phase.FOLLOW_UP)
        offsets = self.programme.follow_up_offsets()
        if self.state.follow_ups_planned == 0:
            self.state.follow_ups_planned = len(offsets)
        while True:
            while self.state.next_follow_up < len(offsets):
                await self._follow_up_clock_reaches(offsets[self.state.next_follow_up])
                for missed in self._tasks_of(TaskKind.FOLLOW_UP):
                    self._close_task(missed, TaskStatus.EXPIRED, "follow-up missed")
                self.state.next_follow_up += 1
                self._add_task(
                    TaskKind.FOLLOW_UP,
                    self._peer(),
                    due_in=timedelta(days=self.programme.follow_up_task_window_days),
                    number=self.state.follow_ups_planned - len(offsets) + self.state.next_follow_up,
                )
                await self._continue_as_new_if_long()
            for last in self._tasks_of(TaskKind.FOLLOW_UP):
                assert last.due_at is not None
                await self._wait(
                    lambda last=last: not last.is_open,  # type: ignore[misc]
                    within=last.due_at - workflow.now(),
                    summary="last follow-up",
                )
                if last.is_open:
                    self._close_task(last, TaskStatus.EXPIRED, "follow-up missed")
            if not self.programme.open_ended or not await self._review_says_continue():
                return
            self.state.review_periods_done += 1
            self.state.follow_ups_planned += len(offsets)
            self.state.next_follow_up = 0
            self.state.follow_up_started_at = workflow.now()
            self.state.paused_for = 0.0
            self._timeline("review", "Review: the episode goes on for another period")
            await self._continue_as_new()

    async def close(self) -> None:
        """Outcome questionnaire, closing summary to the municipality, debrief for the peer."""
        self._set_phase(Phase.CLOSING)
        for task in self._tasks_of(TaskKind.FOLLOW_UP) + self._tasks_of(TaskKind.FIRST_CONTACT):
            self._close_task(task, TaskStatus.CANCELLED, "episode closing")
        questionnaire = next(iter(self._tasks_of(TaskKind.OUTCOME_QUESTIONNAIRE)), None)
        if questionnaire is None:
            questionnaire = self._add_task(
                TaskKind.OUTCOME_QUESTIONNAIRE, self._peer(), due_in=CLOSING_DUE
            )
            self._add_task(TaskKind.DEBRIEF, self._peer(), due_in=CLOSING_DUE)
            if self._may_share_with("social_services"):
                self._notify(self._caseworker("social_services"), Template.CLOSING_SUMMARY)
        debrief = self._tasks_of(TaskKind.DEBRIEF)
        await self._wait(
            lambda: not questionnaire.is_open and not any(d.is_open for d in debrief),
            within=CLOSING_GIVE_UP,
            summary="closing tasks",
        )
        reason = "completed" if self.state.outcome else "closed without outcome questionnaire"
        await self._finish(Phase.CLOSED, reason)

    # ------------------------------------------------------------------ steps in detail

    async def _escalate_matching(self) -> None:
        self._set_phase(Phase.UNMATCHED)
        self.state.escalations += 1
        self._add_task(
            TaskKind.MANUAL_MATCH,
            self._coordinator(),
            due_in=timedelta(days=1),
            template=Template.ESCALATION,
        )
        await self._wait(lambda: self.state.peer_id is not None, summary="manual match")

    def _escalate_first_contact(self) -> None:
        self.state.escalations += 1
        self._add_task(
            TaskKind.FIRST_CONTACT_ESCALATION,
            self._coordinator(),
            due_in=timedelta(days=1),
            template=Template.ESCALATION,
        )
        self._notify(Recipient(role=Role.WARD, id=self.referral.ward_id), Template.ESCALATION)
        self._timeline("escalation", "First contact not confirmed in time: escalated")

    async def _follow_up_clock_reaches(self, offset: timedelta) -> None:
        """Sleep on the follow-up clock, which stands still while the citizen is readmitted."""
        while True:
            if hospital_course.is_readmitted(self.state.hospital):
                await self._wait_out_readmission(resume=Phase.FOLLOW_UP)
                continue
            assert self.state.follow_up_started_at is not None
            due = (
                self.state.follow_up_started_at + offset + timedelta(seconds=self.state.paused_for)
            )
            left = due - workflow.now()
            if left <= timedelta(0):
                return
            await self._wait(
                lambda: hospital_course.is_readmitted(self.state.hospital),
                within=left,
                summary=f"follow-up {self.state.next_follow_up + 1}",
            )

    async def _wait_out_readmission(self, resume: Phase) -> None:
        paused_from = workflow.now()
        self._set_phase(Phase.READMITTED)
        await self._wait(
            lambda: not hospital_course.is_admitted(self.state.hospital), summary="discharge"
        )
        paused = workflow.now() - paused_from
        self.state.paused_for += paused.total_seconds()
        for task in self._tasks_of(TaskKind.FOLLOW_UP):
            if task.due_at is not None:
                task.due_at += paused
                self._changed_task(task)
        self._notify(self._peer(), Template.DISCHARGED)
        self._timeline("discharged", "Discharged again: follow-up resumes")
        self._set_phase(resume)

    async def _review_says_continue(self) -> bool:
        review = next(iter(self._tasks_of(TaskKind.PROGRAMME_REVIEW)), None)
        if review is None:
            review = self._add_task(TaskKind.PROGRAMME_REVIEW, self._peer(), due_in=CLOSING_DUE)
        await self._wait(lambda: not review.is_open, summary="programme review")
        return isinstance(review.result, ReviewDecision) and review.result.continue_episode

    async def _finish(self, phase: Phase, reason: str) -> None:
        for task in [t for t in self.state.tasks.values() if t.is_open]:
            self._close_task(task, TaskStatus.CANCELLED, f"episode {phase.value}")
        for offer_no in range(1, self.state.offers_made + 1):
            await self._release(offer_no)
        if phase != Phase.CLOSED:
            if self.state.peer_id is not None:
                self._notify(self._peer(), Template.EPISODE_ENDED, params={"phase": phase.value})
            self._notify(self._coordinator(), Template.EPISODE_ENDED, params={"phase": phase.value})
        self.state.end_reason = reason
        self._set_phase(phase)

    # ------------------------------------------------------------------ handlers

    @workflow.signal
    def record_event(self, event: EpisodeEvent) -> None:
        """A fact from the ward, MedCom or a person; applied once per event_id."""
        self._receive(event)

    @workflow.update
    async def submit_event(self, event: EpisodeEvent) -> EventReceipt:
        """Like record_event, but answers once the event is in the read model."""
        outcome = self._receive(event)
        await self._committed()
        return EventReceipt(event_id=event.event_id, episode_id=self.episode_id, outcome=outcome)

    @submit_event.validator
    def _validate_event(self, event: EpisodeEvent) -> None:
        if self.state.phase in TERMINAL_PHASES:
            raise reject("episode_id", f"the episode has ended ({self.state.phase.value})")

    @workflow.update
    async def decide_task(self, decision: TaskDecision) -> TaskDecisionResult:
        """A person accepts, declines or completes a task."""
        task = self.state.tasks[decision.task_id]
        if isinstance(decision.result, ManualMatch):
            await self._manual_match(decision.result, task)
        self._apply_decision(decision, task)
        await self._committed()
        return TaskDecisionResult(task_id=task.task_id, status=task.status)

    @decide_task.validator
    def _validate_decision(self, decision: TaskDecision) -> None:
        check_decision(decision, self.state.tasks.get(decision.task_id), self.state.phase)

    @workflow.query
    def view(self) -> EpisodeView:
        """The episode as it stands, for pages and operators."""
        return EpisodeView(
            **self._facts(),
            consents=self._consents(),
            open_tasks=tuple(t.model_copy() for t in self.state.tasks.values() if t.is_open),
            next_due=self._next_due(),
            history_events=workflow.info().get_current_history_length(),
        )

    # ------------------------------------------------------------------ applying events

    def _receive(self, event: EpisodeEvent) -> str:
        if event.event_id in self.state.seen_event_ids:
            workflow.logger.info("duplicate event ignored", extra={"event_type": event.type})
            return "duplicate"
        self.state.seen_event_ids.append(event.event_id)
        del self.state.seen_event_ids[:-SEEN_EVENTS_KEPT]
        self._audit(event.actor, f"event.{event.type}", detail={"event_id": event.event_id})
        self._apply_event(event)
        self._touch()
        return "accepted"

    def _apply_event(self, event: EpisodeEvent) -> None:
        match event:
            case Admitted() | Discharged() | LeaveStarted() | LeaveEnded():
                self._hospital_fact(event)
            case DischargePlanned():
                self.state.discharge_planned_for = event.payload.planned_for
                self._timeline("discharge_planned", "Discharge planned", actor=event.actor)
                self._tell_municipality_if_due()
            case Deceased():
                self._end_now(Phase.DECEASED, "deceased")
            case ReferralCancelled():
                self._end_now(Phase.CANCELLED, "referral cancelled")
            case ConsentGranted():
                self._grant(event)
            case ConsentWithdrawn():
                self._withdraw(event)
            case RiskChanged():
                self.state.risk_elevated = event.payload.elevated
                self._timeline(
                    "risk",
                    "Risk marked elevated" if event.payload.elevated else "Risk no longer elevated",
                    actor=event.actor,
                )
            case MilestoneReached():
                self._milestone(event.payload.kind, event.payload.detail, event.occurred_at)
            case ContactLogged():
                self._contact(event)
            case ConcernFlagged():
                self.state.concerns += 1
                due = URGENT_CONCERN_DUE if event.payload.urgent else CONCERN_DUE
                self._add_task(
                    TaskKind.CONCERN, self._coordinator(), due_in=due, template=Template.CONCERN
                )
            case CloseRequested():
                self.state.close_requested = True
                self._timeline("close_requested", "Closing requested", actor=event.actor)
            case HospitalEventRevised():
                self._correct(event.payload.target_event_id, event.payload.occurred_at)
            case HospitalEventCancelled():
                self._correct(event.payload.target_event_id, None)
            case ReferralCreated():
                self._timeline("referral", "Repeated referral ignored", actor=event.actor)

    def _hospital_fact(self, event: Admitted | Discharged | LeaveStarted | LeaveEnded) -> None:
        fact = HospitalFact(event.type)
        setting = (
            event.payload.setting
            if isinstance(event, Admitted | Discharged)
            else CareSetting.INPATIENT
        )
        record = HospitalRecord(
            event_id=event.event_id, fact=fact, setting=setting, occurred_at=event.occurred_at
        )
        was_readmitted = hospital_course.is_readmitted(self.state.hospital)
        self.state.hospital.append(record)
        if event.event_id in self.state.pending_corrections:
            self._correct(event.event_id, self.state.pending_corrections.pop(event.event_id))
        label = f"{fact.value.replace('_', ' ').capitalize()} ({setting.value})"
        self._timeline(fact.value, label, actor=event.actor)
        after_discharge = self.state.discharged_at is not None
        if setting == CareSetting.EMERGENCY and fact == HospitalFact.ADMITTED and after_discharge:
            self.state.emergency_visits += 1
            self._notify(self._peer(), Template.EMERGENCY_VISIT)
        readmitted_now = hospital_course.is_readmitted(self.state.hospital)
        if readmitted_now and not was_readmitted and self.state.peer_id is not None:
            self._notify(self._peer(), Template.READMITTED)
        if fact == HospitalFact.DISCHARGED and setting == CareSetting.INPATIENT:
            self._tell_municipality_if_due()

    def _correct(self, target_event_id: str, occurred_at: datetime | None) -> None:
        record = hospital_course.find(self.state.hospital, target_event_id)
        if record is None:
            # The corrected fact has not arrived yet: apply the correction when it does.
            self.state.pending_corrections[target_event_id] = occurred_at
            return
        if occurred_at is None:
            record.cancelled = True
            self._timeline("correction", f"{record.fact.value} cancelled: sent in error")
        else:
            record.occurred_at = occurred_at
            self._timeline("correction", f"{record.fact.value} time corrected")

    def _grant(self, event: ConsentGranted) -> None:
        grant = event.payload
        self.state.consents[grant.scope] = ConsentRecord(
            scope=grant.scope,
            granted=True,
            recorded_by=grant.recorded_by,
            recorded_at=grant.recorded_at,
        )
        self._timeline("consent", f"Consent given: {grant.scope.value}", actor=event.actor)
        self._tell_municipality_if_due()

    def _withdraw(self, event: ConsentWithdrawn) -> None:
        scope = event.payload.scope
        self.state.consents[scope] = ConsentRecord(
            scope=scope, granted=False, recorded_by=event.actor, recorded_at=event.occurred_at
        )
        self._timeline("consent", f"Consent withdrawn: {scope.value}", actor=event.actor)
        if scope == ConsentScope.PEER_SUPPORT:
            self._end_now(Phase.WITHDRAWN, "consent to peer support withdrawn")
            return
        for task in self._tasks_of(TaskKind.CONFIRM_SERVICE):
            if task.assignee.service and SERVICE_SCOPE.get(task.assignee.service) == scope:
                self._close_task(task, TaskStatus.CANCELLED, "consent withdrawn")

    def _contact(self, event: ContactLogged) -> None:
        self.state.contacts_logged += 1
        channel = event.payload.channel.value
        self._timeline("contact", f"Contact logged ({channel})", actor=event.actor)
        if event.actor.role != Role.PEER or event.actor.id != self.state.peer_id:
            return
        # A logged contact is the first contact, or the follow-up that is due now.
        for kind in (TaskKind.FIRST_CONTACT, TaskKind.FOLLOW_UP):
            for task in self._tasks_of(kind):
                self._apply_decision(
                    TaskDecision(
                        task_id=task.task_id, action=DecisionAction.COMPLETE, actor=event.actor
                    ),
                    task,
                    at=event.occurred_at,
                )
                return

    def _end_now(self, phase: Phase, reason: str) -> None:
        if self.ending is None and self.state.phase not in TERMINAL_PHASES:
            self.ending = (phase, reason)
            self._timeline("ending", f"Episode ends: {reason}")

    # ------------------------------------------------------------------ decisions

    async def _manual_match(self, match: ManualMatch, task: Task) -> None:
        try:
            reservation = await self._reserve(peer_id=match.peer_id)
        except ActivityError as err:
            if isinstance(err.cause, ApplicationError) and err.cause.non_retryable:
                raise reject(
                    "result.peer_id", err.cause.message.removeprefix("peer_id: ")
                ) from None
            raise
        if reservation.peer_id is None:
            await self._release(reservation.offer_no)
            raise reject("result.peer_id", reservation.reason or "the peer cannot be assigned")
        if not task.is_open:
            await self._release(reservation.offer_no)
            raise reject("task_id", f"the task is already {task.status.value}")
        self._assign(reservation.peer_id, reservation.offer_no)
        self._notify(self._peer(), Template.ASSIGNED)

    def _apply_decision(
        self, decision: TaskDecision, task: Task, at: datetime | None = None
    ) -> None:
        status = {
            DecisionAction.ACCEPT: TaskStatus.ACCEPTED,
            DecisionAction.DECLINE: TaskStatus.DECLINED,
            DecisionAction.COMPLETE: TaskStatus.COMPLETED,
        }[decision.action]
        task.status = status
        task.decided_at = at or workflow.now()
        task.decided_by = decision.actor
        task.note = decision.note
        task.result = decision.result
        self._changed_task(task)
        self._audit(
            decision.actor,
            f"task.{decision.action.value}",
            detail={"task_id": task.task_id, "kind": task.kind.value},
        )
        self._timeline(
            "decision",
            f"{task.kind.value.replace('_', ' ').capitalize()}: {status.value}",
            actor=decision.actor,
            task_id=task.task_id,
        )
        self._react(task)

    def _react(self, task: Task) -> None:
        """Follow-on work that a completed task starts by itself."""
        result = task.result
        if task.kind == TaskKind.PEER_OFFER and task.status == TaskStatus.ACCEPTED:
            # At once, so the peer sees the episode as soon as their answer returns.
            self._assign(task.assignee.id, task.number)
        elif task.kind == TaskKind.COORDINATION_PLAN:
            due = add_working_days(
                workflow.now(),
                self.programme.network_meeting_working_days,
                holidays=workflow.patched("danish-public-holidays"),
            )
            ward = Recipient(role=Role.WARD, id=self.referral.ward_id)
            self._add_task(TaskKind.NETWORK_MEETING, ward, due_at=due)
        elif task.kind == TaskKind.FOLLOW_UP and task.status == TaskStatus.COMPLETED:
            self.state.follow_ups_done += 1
        elif isinstance(result, ServiceConfirmed):
            self._milestone(MilestoneKind.MUNICIPAL_SERVICE, result.service, workflow.now())
        elif isinstance(result, OutcomeAnswers):
            self.state.outcome = result

    # ------------------------------------------------------------------ small helpers

    def _initial_state(self, start: EpisodeStart) -> EpisodeState:
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

    def _record_referral(self) -> None:
        self.changes.goals = self.referral.goals
        self._audit(
            self.start.referred_by, "episode.referred", detail={"programme": self.programme.code}
        )
        self._timeline(
            "referral", f"Referred to {self.programme.name}", actor=self.start.referred_by
        )

    def _assign(self, peer_id: str, offer_no: int) -> None:
        self.state.peer_id = peer_id
        self.state.assigned_offer_no = offer_no
        self._timeline("matched", "Peer assigned")
        self._touch()

    async def _reserve(self, peer_id: str | None) -> Reservation:
        self.state.offers_made += 1
        request = ReservationRequest(
            episode_id=self.episode_id,
            offer_no=self.state.offers_made,
            programme=self.programme.code,
            municipality_code=self.referral.municipality_code,
            organisation_id=self.referral.organisation_id,
            languages=self.referral.languages,
            exclude_peer_ids=() if peer_id else tuple(self.state.offered_peer_ids),
            peer_id=peer_id,
            override_capacity=peer_id is not None,
        )
        reservation: Reservation = await workflow.execute_activity(
            "reserve_peer",
            request,
            result_type=Reservation,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=DATABASE_RETRY,
        )
        if reservation.peer_id is not None:
            self.state.offered_peer_ids.append(reservation.peer_id)
        return reservation

    async def _release(self, offer_no: int) -> None:
        await workflow.execute_activity(
            "release_peer",
            ReservationRelease(episode_id=self.episode_id, offer_no=offer_no),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=DATABASE_RETRY,
        )

    def _tell_municipality_if_due(self) -> None:
        """Caseworkers hear of a planned or actual discharge, once, and only with consent."""
        if self.state.discharge_planned_for is None and not self._discharged():
            return
        goals = {g.area for g in self.referral.goals}
        for service, goal in SERVICE_GOALS.items():
            if service in self.state.services_told or not self._may_share_with(service):
                continue
            if goal is not None and goal not in goals:
                continue
            self.state.services_told.append(service)
            caseworker = self._caseworker(service)
            self._notify(caseworker, Template.DISCHARGE_PLANNED)
            self._add_task(
                TaskKind.CONFIRM_SERVICE, caseworker, due_in=timedelta(days=14), template=None
            )

    def _may_share_with(self, service: str) -> bool:
        record = self.state.consents.get(SERVICE_SCOPE[service])
        return record is not None and record.granted

    def _milestone(self, kind: MilestoneKind, detail: str, at: datetime) -> None:
        self.state.milestones.append(MilestoneRecord(kind=kind, detail=detail, reached_at=at))
        self._timeline("milestone", f"Milestone: {kind.value}")

    def _discharged(self) -> bool:
        return hospital_course.first_discharge(self.state.hospital) is not None

    def _first_contact_deadline(self) -> datetime:
        hours = (
            self.programme.first_contact_hours_elevated_risk
            if self.state.risk_elevated
            else self.programme.first_contact_hours
        )
        discharged = hospital_course.last_discharge(self.state.hospital)
        assert discharged is not None
        return discharged + timedelta(hours=hours)

    def _peer(self) -> Recipient:
        assert self.state.peer_id is not None, "a peer is assigned before peer tasks exist"
        return Recipient(role=Role.PEER, id=self.state.peer_id)

    def _coordinator(self) -> Recipient:
        return Recipient(role=Role.COORDINATOR, id=self.referral.organisation_id)

    def _caseworker(self, service: str) -> Recipient:
        return Recipient(role=Role.CASEWORKER, id=self.referral.municipality_code, service=service)

    def _tasks_of(self, kind: TaskKind, *, open_only: bool = True) -> list[Task]:
        return [
            t for t in self.state.tasks.values() if t.kind == kind and (t.is_open or not open_only)
        ]

    def _new_id(self, prefix: str) -> str:
        self.state.seq += 1
        return f"{self.episode_id}-{prefix}{self.state.seq}"

    def _add_task(
        self,
        kind: TaskKind,
        assignee: Recipient,
        *,
        due_in: timedelta | None = None,
        due_at: datetime | None = None,
        number: int = 0,
        template: Template | None = Template.NEW_TASK,
    ) -> Task:
        now = workflow.now()
        task = Task(
            task_id=self._new_id("t"),
            kind=kind,
            assignee=assignee,
            created_at=now,
            due_at=due_at or (now + due_in if due_in else None),
            number=number,
        )
        self.state.tasks[task.task_id] = task
        self._timeline("task", f"New task: {kind.value.replace('_', ' ')}", task_id=task.task_id)
        if template is not None:
            self._notify(assignee, template, task_id=task.task_id, params={"task": kind.value})
        self._changed_task(task)
        return task

    def _close_task(self, task: Task, status: TaskStatus, why: str) -> None:
        task.status = status
        task.decided_at = workflow.now()
        task.decided_by = SYSTEM
        self._timeline(
            "task", f"{task.kind.value.replace('_', ' ').capitalize()}: {why}", task_id=task.task_id
        )
        self._changed_task(task)

    def _changed_task(self, task: Task) -> None:
        self.changes.task(task.task_id)
        due = task.due_at if task.is_open and not task.overdue else None
        if due is not None and (self.watch_until is None or due < self.watch_until):
            self.deadlines_changed = True
        self._touch()

    def _notify(
        self,
        recipient: Recipient,
        template: Template,
        *,
        task_id: str | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        notification = Notification(
            notification_id=self._new_id("n"),
            episode_id=self.episode_id,
            recipient=recipient,
            template=template,
            task_id=task_id,
            created_at=workflow.now(),
            params=params or {},
        )
        self.changes.notifications.append(notification)
        self._audit(
            SYSTEM,
            "notification.queued",
            detail={
                "notification_id": notification.notification_id,
                "template": template.value,
                "recipient_role": recipient.role.value,
            },
        )

    def _timeline(
        self, kind: str, summary: str, *, actor: Actor | None = None, task_id: str | None = None
    ) -> None:
        self.changes.timeline.append(
            TimelineEntry(
                entry_id=self._new_id("e"),
                at=workflow.now(),
                kind=kind,
                actor=actor,
                summary=summary,
                task_id=task_id,
            )
        )

    def _audit(self, actor: Actor, action: str, *, detail: dict[str, str]) -> None:
        self.changes.audit.append(
            AuditEntry(
                audit_id=self._new_id("a"),
                at=workflow.now(),
                actor=actor,
                action=action,
                detail=detail,
            )
        )

    def _set_phase(self, phase: Phase) -> None:
        if self.state.phase == phase:
            return
        self.state.phase = phase
        workflow.logger.info("episode phase changed", extra={"phase": phase.value})
        self._timeline("phase", f"Phase: {phase.value}")
        self._audit(SYSTEM, "episode.phase", detail={"phase": phase.value})
        self._touch()

    def _touch(self) -> None:
        """Something the read model or the operator view shows has changed."""
        self.changes.projection_changed = True
        overdue = self._overdue_count()
        published = (self.state.phase, overdue, self.state.discharged_at)
        if published == self.published:
            return
        self.published = published
        updates: list[SearchAttributeUpdate[Any]] = [
            BRIDGE_PHASE.value_set(self.state.phase.value),
            PROGRAMME.value_set(self.programme.code),
            MUNICIPALITY.value_set(self.referral.municipality_code),
            OVERDUE_TASKS.value_set(overdue),
        ]
        if self.state.discharged_at is not None:
            updates.append(DISCHARGE_DATE.value_set(self.state.discharged_at))
        workflow.upsert_search_attributes(updates)
        next_due = self._next_due()
        due_text = f"{next_due.kind} due {next_due.due_at:%Y-%m-%d %H:%M} UTC" if next_due else "-"
        workflow.set_current_details(
            f"**Phase:** {self.state.phase.value}  \n**Next due:** {due_text}  \n"
            f"**Overdue tasks:** {overdue}"
        )

    def _consents(self) -> tuple[ConsentScope, ...]:
        return tuple(s for s, r in self.state.consents.items() if r.granted)

    def _overdue_count(self) -> int:
        return sum(1 for t in self.state.tasks.values() if t.is_open and t.overdue)

    def _next_due(self) -> NextDue | None:
        due = [t for t in self.state.tasks.values() if t.is_open and t.due_at is not None]
        if not due:
            return None
        first = min(due, key=lambda t: t.due_at or workflow.now())
        assert first.due_at is not None
        return NextDue(task_id=first.task_id, kind=first.kind.value, due_at=first.due_at)

    def _facts(self) -> dict[str, Any]:
        """What the query view and the read-model row both show."""
        return {
            "episode_id": self.episode_id,
            "programme": self.programme.code,
            "phase": self.state.phase,
            "peer_id": self.state.peer_id,
            "municipality_code": self.referral.municipality_code,
            "ward_id": self.referral.ward_id,
            "organisation_id": self.referral.organisation_id,
            "risk_elevated": self.state.risk_elevated,
            "discharged_at": self.state.discharged_at,
            "first_contact_at": self.state.first_contact_at,
            "overdue_tasks": self._overdue_count(),
            "follow_ups_done": self.state.follow_ups_done,
            "follow_ups_planned": self.state.follow_ups_planned,
            "readmissions": hospital_course.readmissions(self.state.hospital),
        }

    def _projection(self) -> EpisodeProjection:
        next_due = self._next_due()
        outcome = self.state.outcome
        return EpisodeProjection(
            **self._facts(),
            citizen_id=self.referral.citizen_id,
            consents=tuple(s.value for s in self._consents()),
            referred_at=self.start.referred_at,
            next_due_at=next_due.due_at if next_due else None,
            next_due_kind=next_due.kind if next_due else None,
            milestones=tuple(m.kind.value for m in self.state.milestones),
            hope_score_start=outcome.hope_score_start if outcome else None,
            hope_score_end=outcome.hope_score_end if outcome else None,
            closed_at=workflow.now() if self.state.phase in TERMINAL_PHASES else None,
            end_reason=self.state.end_reason,
        )

    def _outcome(self) -> EpisodeOutcome:
        first_contact_hours = None
        if self.state.first_contact_at and self.state.discharged_at:
            delta = self.state.first_contact_at - self.state.discharged_at
            first_contact_hours = round(delta.total_seconds() / 3600, 2)
        return EpisodeOutcome(
            episode_id=self.episode_id,
            final_phase=self.state.phase,
            reason=self.state.end_reason,
            peer_id=self.state.peer_id,
            first_contact_hours=first_contact_hours,
            follow_ups_done=self.state.follow_ups_done,
            follow_ups_planned=self.state.follow_ups_planned,
            readmissions=hospital_course.readmissions(self.state.hospital),
            milestones=tuple(m.kind for m in self.state.milestones),
            outcome=self.state.outcome,
        )

    # ------------------------------------------------------------------ machinery

    def _interrupted(self) -> bool:
        closing_early = self.state.close_requested and self.state.phase not in (
            Phase.CLOSING,
            *TERMINAL_PHASES,
        )
        return self.ending is not None or closing_early

    async def _wait(
        self,
        condition: Callable[[], bool],
        *,
        within: timedelta | None = None,
        summary: str | None = None,
    ) -> bool:
        """Wait for the condition; False on timeout. Raises when the episode must end."""
        if within is not None and within <= timedelta(0):
            if self._interrupted():
                raise _Interrupted
            return condition()
        self.waiting_for = lambda: condition() or self._interrupted()
        try:
            await workflow.wait_condition(self.waiting_for, timeout=within, timeout_summary=summary)
        except TimeoutError:
            if self._interrupted():
                raise _Interrupted from None
            return False
        finally:
            self.waiting_for = None
            self.main_turns += 1
        if self._interrupted():
            raise _Interrupted
        return True

    async def _main_reacted(self) -> None:
        """If a change lets the main loop go on, wait until it has (in the same workflow
        task), so its reaction (a new phase, new tasks) goes with the change."""
        if self.waiting_for is not None and self.waiting_for():
            turn = self.main_turns
            await workflow.wait_condition(lambda: self.main_turns > turn)

    async def _committed(self) -> None:
        """Wait until the main loop has reacted to a change and all of it is in the read model,
        so the person who made the change sees its consequences when their call returns."""
        await self._main_reacted()
        target = self.state.commit_seq + 1 if self.changes.any else self.state.commit_seq
        await workflow.wait_condition(lambda: self.committed_seq >= target)

    async def _commit_loop(self) -> None:
        while True:
            await workflow.wait_condition(lambda: self.changes.any)
            if workflow.patched("commit-after-main-reacts"):
                # An event by signal is `applied` with its consequences, as one by update is.
                await self._main_reacted()
            self.state.commit_seq += 1
            commit = self.changes.take(
                seq=self.state.commit_seq, projection=self._projection(), tasks=self.state.tasks
            )
            self.committing = True
            if workflow.patched("commit-as-local-activity"):
                # In the same workflow task as the change: no round trip through the
                # server's activity queue and one history event instead of six.
                await workflow.execute_local_activity(
                    "commit_episode",
                    commit,
                    result_type=CommitResult,
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=DATABASE_RETRY,
                )
            else:
                await workflow.execute_activity(
                    "commit_episode",
                    commit,
                    result_type=CommitResult,
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=DATABASE_RETRY,
                )
            self.committing = False
            self.committed_seq = commit.commit_seq
            for notification in commit.notifications:
                job = asyncio.create_task(self._deliver(notification))
                self.deliveries.add(job)
                job.add_done_callback(self.deliveries.discard)

    async def _deliver(self, notification: Notification) -> None:
        try:
            await workflow.execute_activity(
                "deliver_notification",
                notification,
                result_type=Delivery,
                # Each channel gives up after 10 s; a worker that died mid-delivery is noticed
                # after this long and the attempt is retried.
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=DELIVERY_RETRY,
            )
        except ActivityError:
            workflow.logger.warning(
                "notification could not be delivered",
                extra={"notification_id": notification.notification_id},
            )
            self._timeline("delivery", "A notification could not be delivered")
            if workflow.patched("outbox-marked-failed"):
                await workflow.execute_local_activity(
                    "mark_delivery_failed",
                    notification,
                    result_type=int,
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=DATABASE_RETRY,
                )
            if notification.template != Template.NOTIFICATION_FAILED:
                self._add_task(
                    TaskKind.NOTIFICATION_FAILED,
                    self._coordinator(),
                    due_in=timedelta(days=1),
                    template=Template.NOTIFICATION_FAILED,
                )

    async def _watch_deadlines(self) -> None:
        """Mark tasks overdue when their due time passes (offers expire instead)."""
        while True:
            now = workflow.now()
            for task in self.state.tasks.values():
                late = task.due_at is not None and task.due_at <= now
                # Offers are not overdue: they expire and go to the next peer.
                if task.is_open and late and not task.overdue and task.kind != TaskKind.PEER_OFFER:
                    task.overdue = True
                    self._timeline("overdue", f"Overdue: {task.kind.value}", task_id=task.task_id)
                    self._changed_task(task)
            upcoming = [
                t.due_at
                for t in self.state.tasks.values()
                if t.is_open and not t.overdue and t.due_at is not None and t.due_at > now
            ]
            self.watch_until = min(upcoming) if upcoming else None
            self.deadlines_changed = False
            timeout = self.watch_until - now if self.watch_until else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self.deadlines_changed, timeout=timeout, timeout_summary="next due"
                )

    async def _settle(self) -> None:
        """Everything committed, every delivery done, every handler finished."""
        await workflow.wait_condition(
            lambda: (
                not self.changes.any
                and not self.committing
                and not self.deliveries
                and workflow.all_handlers_finished()
            )
        )

    async def _continue_as_new_if_long(self) -> None:
        info = workflow.info()
        too_long = info.get_current_history_length() > self.start.continue_as_new_after
        if too_long or info.is_continue_as_new_suggested():
            await self._continue_as_new()

    async def _continue_as_new(self) -> None:
        await self._settle()
        carried = self.state.model_copy(deep=True)
        carried.tasks = {k: t for k, t in carried.tasks.items() if t.is_open}
        carried.continued_runs += 1
        workflow.continue_as_new(self.start.model_copy(update={"state": carried}))
