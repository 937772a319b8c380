"""The episode workflow: one citizen's bridge from a psychiatric admission to everyday life."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    # `import package.module as name`, not `from package import module`: the sandbox
    # passes through what goes by its import hook, and `from workflows import facts`
    # loads `workflows.facts` past it, so every workflow instance imported these modules
    # afresh (an eighth of the worker's CPU while a restarted worker replayed episodes).
    import workflows.citizen_acts as citizen_acts
    import workflows.citizen_notices as citizen_notices
    import workflows.facts as facts
    import workflows.first_contact as first_contact
    import workflows.goals as goals
    import workflows.hospital_course as hospital_course
    import workflows.patches as patches
    import workflows.projections as projections
    from activities.citizen_notices import CitizenNoticeChoices
    from activities.matching import PeerMatcher
    from activities.supervision import SupervisionActivities
    from schemas.care_communication import CareCommunicationKind
    from schemas.episode import (
        TERMINAL_PHASES,
        EpisodeOutcome,
        EpisodeStart,
        EpisodeView,
        Phase,
    )
    from schemas.events import (
        ConcernFlagged,
        EpisodeEvent,
        EventReceipt,
        GoalAdded,
        GoalChanged,
        GoalDropped,
        Pathway,
    )
    from schemas.matching import Reservation, ReservationRelease, ReservationRequest
    from schemas.notifications import Template
    from schemas.supervision import ExtraSupervisionRequest, HardEnding
    from schemas.tasks import (
        HandOver,
        HandOverResult,
        ManualMatch,
        NetworkMeetingBooked,
        ReviewDecision,
        Task,
        TaskDecision,
        TaskDecisionResult,
        TaskKind,
        TaskStatus,
    )
    from workflows.calls import DATABASE_CALL
    from workflows.decisions import apply_decision, check_content, check_decision, reject
    from workflows.machinery import Interrupted, Machinery
    from workflows.record import EpisodeRecord
    from workflows.runtime import InWorkflow
    from workflows.timings import (
        CLOSING_DUE,
        CLOSING_GIVE_UP,
        ESCALATION_DUE,
        EXTRA_SUPERVISION_DUE,
        PROGRAMME_REVIEW_DUE,
        TASK_DUE,
        first_contact_deadline,
        follow_up_clock_due,
        in_ward_contact_due,
    )


@workflow.defn
class EpisodeWorkflow:
    """Referral -> matching -> pre-discharge -> discharge -> follow-up -> closing."""

    @workflow.init
    def __init__(self, start: EpisodeStart) -> None:
        self.start = start
        self.programme = start.programme
        self.referral = start.referral
        state = start.state.model_copy(deep=True) if start.state else facts.initial_state(start)
        self.record = EpisodeRecord(start, state, InWorkflow())
        self.state = state  # the record's state, never replaced within a run
        self.machinery = Machinery(self.record)
        # Every wait of the process ends early (Interrupted) when the episode must end.
        self.wait = self.machinery.wait
        self.handing_over = False  # a hand-over update is between its reservation and its end
        # The follow-up contacts planned in this period (offsets on the follow-up clock).
        self.follow_up_offsets: tuple[timedelta, ...] = ()

    # ------------------------------------------------------------------ the process

    @workflow.run
    async def run(self, start: EpisodeStart) -> EpisodeOutcome:
        background = self.machinery.start()
        background.append(asyncio.create_task(self.tell_municipality()))
        background.append(asyncio.create_task(self.tell_citizen()))
        extra_supervision = asyncio.create_task(self.offer_extra_supervision())
        if start.state is None:
            facts.record_referral(self.record)
        self.record.touch()
        with contextlib.suppress(Interrupted):
            await self.match_peer()
            await self.prepare_discharge()
            await self.make_first_contact()
            await self.follow_up()
        if self.record.ending is None and self.state.peer_id is not None:
            with contextlib.suppress(Interrupted):
                await self.close()
        if self.state.phase not in TERMINAL_PHASES:
            phase, reason = self.record.ending or (
                Phase.CANCELLED,
                "closed before a peer was matched",
            )
            await self._finish(phase, reason)
        if self._debrief_due_after_ending():
            await self._debrief_after_ending()
        if self._hard_ending() is not None and not extra_supervision.done():
            await extra_supervision
        await self.machinery.settle()
        for job in [*background, extra_supervision]:
            job.cancel()
        return projections.outcome(start, self.state)

    async def match_peer(self) -> None:
        """Offer the episode to the best peers in turn; escalate when nobody takes it."""
        if self.state.peer_id is not None:
            return
        record = self.record
        record.set_phase(Phase.MATCHING)
        # Facts in every phase: an offer made after a discharge stands shorter, and one
        # already made is cut short by the discharge.
        hurried = workflow.patched(patches.FACTS_IN_EVERY_PHASE)
        for _ in range(self.programme.max_offers):
            reservation = await self._reserve(peer_id=None)
            if reservation.peer_id is None:
                record.timeline("matching", "timeline.no_peer_fits")
                break
            timeout = (
                first_contact.offer_timeout(self.programme, self.state)
                if hurried
                else self.programme.offer_timeout
            )
            offer = record.add_task(
                TaskKind.PEER_OFFER,
                record.peer(reservation.peer_id),
                due_in=timeout,
                number=reservation.offer_no,
                template=Template.OFFER,
            )
            if hurried:
                answered = await self._offer_answered(offer)
            else:
                answered = await self.wait(
                    lambda offer=offer: not offer.is_open,  # type: ignore[misc]
                    within=self.programme.offer_timeout,
                    summary=f"offer {reservation.offer_no} answer",
                )
            if offer.status == TaskStatus.ACCEPTED:
                return  # assigned as the offer was accepted (see decisions)
            if not answered:
                record.close_task(offer, TaskStatus.EXPIRED, "offer not answered in time")
            await self._release(reservation.offer_no)
        await self._escalate_matching()

    async def prepare_discharge(self) -> None:
        """Tasks for the ward and the first meeting; wait for the discharge (an ambulant
        citizen has none to wait for)."""
        if self.state.discharged_at is not None or self.state.ambulant_since is not None:
            return
        if self._goes_ambulant():
            self._start_ambulant()
            return
        record = self.record
        record.set_phase(Phase.PRE_DISCHARGE)
        if not record.tasks_of(TaskKind.DISCHARGE_AGREEMENT, open_only=False):
            if self.programme.meets_before_discharge:
                record.add_task(TaskKind.FIRST_MEETING, record.peer(), due_in=TASK_DUE)
            record.add_task(TaskKind.DISCHARGE_AGREEMENT, record.ward(), due_in=TASK_DUE)
            record.add_task(TaskKind.COORDINATION_PLAN, record.ward(), due_in=TASK_DUE)
        every = self.programme.in_ward_contact_every
        if every is not None and workflow.patched(patches.IN_WARD_CONTACTS):
            await self._contacts_in_ward(every)
        await self.wait(
            lambda: hospital_course.has_left_hospital(self.state.hospital), summary="discharge"
        )
        discharged_at = hospital_course.first_discharge(self.state.hospital)
        assert discharged_at is not None
        self.state.discharged_at = discharged_at
        self.state.follow_up_started_at = discharged_at
        for meeting in record.tasks_of(TaskKind.FIRST_MEETING) + record.tasks_of(
            TaskKind.IN_WARD_CONTACT
        ):
            record.close_task(meeting, TaskStatus.EXPIRED, "citizen discharged before it")
        facts.tell_municipality_if_due(record)
        record.touch()

    async def make_first_contact(self) -> None:
        """The peer makes contact within hours of discharge (fewer at elevated risk); an
        ambulant citizen within as many hours of the peer taking the episode."""
        if self.state.first_contact_at is not None:
            return
        record = self.record
        ambulant = self.state.ambulant_since is not None
        phase = Phase.FOLLOW_UP if ambulant else Phase.DISCHARGED
        record.set_phase(phase)
        contact = next(iter(record.tasks_of(TaskKind.FIRST_CONTACT)), None)
        moving_deadline = workflow.patched(patches.FACTS_IN_EVERY_PHASE)
        if contact is not None and moving_deadline:
            # Discharged before a peer was matched: the coordinator held the clock.
            first_contact.hand_to_peer(record, contact)
        if contact is None:
            contact = record.add_task(
                TaskKind.FIRST_CONTACT,
                record.peer(),
                due_at=first_contact_deadline(self.programme, self.state),
                # An ambulant episode's peer has just taken it: no discharge to tell of.
                template=None if ambulant else Template.DISCHARGED,
            )
        escalated = bool(record.tasks_of(TaskKind.FIRST_CONTACT_ESCALATION, open_only=False))
        while contact.is_open:
            if hospital_course.is_readmitted(hospital_course.course(self.state)):
                await self._wait_out_readmission(resume=phase)
                contact.due_at = first_contact_deadline(self.programme, self.state)
                record.changed_task(contact)
                continue
            assert contact.due_at is not None
            left = None if escalated else contact.due_at - workflow.now()
            if left is not None and left <= timedelta(0):
                self._escalate_first_contact()
                escalated = True
                continue
            due = contact.due_at
            await self.wait(
                lambda due=due: (  # type: ignore[misc]
                    not contact.is_open
                    or hospital_course.is_readmitted(hospital_course.course(self.state))
                    or (moving_deadline and contact.due_at != due)
                ),
                within=left,
                summary="first contact deadline",
            )
        self.state.first_contact_at = contact.decided_at or workflow.now()
        record.touch()

    async def follow_up(self) -> None:
        """Planned contacts per the programme; open-ended programmes are reviewed and go on."""
        record, state = self.record, self.state
        record.set_phase(Phase.FOLLOW_UP)
        # An open-ended programme's review comes after `review_every_weeks` of follow-up;
        # before the patch it came when the last planned contact was done.
        reviewed = self.programme.open_ended and workflow.patched(patches.REVIEW_EVERY_WEEKS)
        offsets = (
            self.programme.review_period_offsets()
            if reviewed
            else self.programme.follow_up_offsets()
        )
        self.follow_up_offsets = tuple(offsets)
        if state.follow_ups_planned == 0:
            state.follow_ups_planned = len(offsets)
        while True:
            while state.next_follow_up < len(offsets):
                await self._follow_up_clock_reaches(
                    offsets[state.next_follow_up], summary=f"follow-up {state.next_follow_up + 1}"
                )
                for missed in record.tasks_of(TaskKind.FOLLOW_UP):
                    record.close_task(missed, TaskStatus.EXPIRED, "follow-up missed")
                state.next_follow_up += 1
                record.add_task(
                    TaskKind.FOLLOW_UP,
                    record.peer(),
                    due_in=self.programme.follow_up_task_window,
                    number=state.follow_ups_planned - len(offsets) + state.next_follow_up,
                )
                await self.machinery.continue_as_new_if_long()
            for last in record.tasks_of(TaskKind.FOLLOW_UP):
                assert last.due_at is not None
                await self.wait(
                    lambda last=last: not last.is_open,  # type: ignore[misc]
                    within=last.due_at - workflow.now(),
                    summary="last follow-up",
                )
                if last.is_open:
                    record.close_task(last, TaskStatus.EXPIRED, "follow-up missed")
            if not self.programme.open_ended:
                return
            if reviewed:
                await self._follow_up_clock_reaches(
                    self.programme.review_every, summary="programme review"
                )
            if not await self._review_says_continue():
                return
            state.review_periods_done += 1
            state.follow_ups_planned += len(offsets)
            state.next_follow_up = 0
            state.follow_up_started_at = workflow.now()
            state.paused_for = 0.0
            record.timeline("review", "timeline.review_continues")
            await self.machinery.continue_as_new()

    async def close(self) -> None:
        """Outcome questionnaire, closing summary to the municipality, debrief for the peer."""
        record = self.record
        record.set_phase(Phase.CLOSING)
        for task in record.tasks_of(TaskKind.FOLLOW_UP) + record.tasks_of(TaskKind.FIRST_CONTACT):
            record.close_task(task, TaskStatus.CANCELLED, "episode closing")
        questionnaire = next(iter(record.tasks_of(TaskKind.OUTCOME_QUESTIONNAIRE)), None)
        if questionnaire is None:
            questionnaire = record.add_task(
                TaskKind.OUTCOME_QUESTIONNAIRE, record.peer(), due_in=CLOSING_DUE
            )
            record.add_task(TaskKind.DEBRIEF, record.peer(), due_in=CLOSING_DUE)
            per_service = workflow.patched(patches.CLOSING_SUMMARY_PER_SERVICE)
            if not per_service and facts.may_share_with(self.state, "social_services"):
                record.notify(record.caseworker("social_services"), Template.CLOSING_SUMMARY)
        debrief = record.tasks_of(TaskKind.DEBRIEF)
        await self.wait(
            lambda: not questionnaire.is_open and not any(d.is_open for d in debrief),
            within=CLOSING_GIVE_UP,
            summary="closing tasks",
        )
        if workflow.patched(patches.CLOSING_SUMMARY_PER_SERVICE):
            # Once the questionnaire and the closing note are in, each service the citizen
            # consented to sharing with gets its summary (its own slice of the episode).
            for service in facts.SERVICE_GOALS:
                if facts.may_share_with(self.state, service):
                    record.notify(record.caseworker(service), Template.CLOSING_SUMMARY)
            await self._send_closing_summary()
        reason = "completed" if self.state.outcome else "closed without outcome questionnaire"
        await self._finish(Phase.CLOSED, reason)

    async def tell_municipality(self) -> None:
        """Beside the process: the municipality gets a MedCom CareCommunication when the
        citizen is discharged (once, as soon as the discharge and the consent to share with
        it are both known) and for each network meeting booked."""
        while True:
            await workflow.wait_condition(lambda: self._news_for_municipality() is not None)
            news = self._news_for_municipality()
            if news is None or not workflow.patched(patches.CARE_COMMUNICATION_OUT):
                return
            self.machinery.send_to_municipality(*news)

    def _news_for_municipality(self) -> tuple[CareCommunicationKind, str, datetime] | None:
        """What the municipality has not been told yet: (kind, subject, when it happened)."""
        state = self.state
        if state.phase in TERMINAL_PHASES or not facts.may_share_with(state, "social_services"):
            return None
        told = state.municipality_messages
        if state.discharged_at is not None and "discharge" not in told:
            return CareCommunicationKind.DISCHARGE, "discharge", state.discharged_at
        for task in self.record.tasks_of(TaskKind.NETWORK_MEETING, open_only=False):
            booked = isinstance(task.result, NetworkMeetingBooked)
            subject = f"network_meeting:{task.task_id}"
            if booked and task.decided_at is not None and subject not in told:
                return CareCommunicationKind.NETWORK_MEETING, subject, task.decided_at
        return None

    async def tell_citizen(self) -> None:
        """Beside the process: the notices the citizen and their relatives are owed
        (workflows/citizen_notices), each queued once when it falls due, timed by the
        citizen's quiet hours and opt-out as they stand then; a change of the facts (a
        meeting booked, a readmission, a peer) plans them anew."""
        await workflow.wait_condition(lambda: bool(self._notices_owed()))
        if not workflow.patched(patches.CITIZEN_REMINDERS):
            return
        while True:
            next_at: datetime | None = None
            if self._notices_owed():
                choices = await workflow.execute_local_activity_method(
                    CitizenNoticeChoices.citizen_notice_choices,
                    self.start.episode_id,
                    **DATABASE_CALL,
                )
                next_at = citizen_notices.queue_due(self.record, self._notices_owed(), choices)
            owed = self._notices_owed()
            left = None if next_at is None else max(next_at - workflow.now(), timedelta(0))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda owed=owed: self._notices_owed() != owed,  # type: ignore[misc]
                    timeout=left,
                    timeout_summary="next notice to the citizen",
                )

    def _notices_owed(self) -> list[citizen_notices.Notice]:
        return citizen_notices.owed(
            self.start.episode_id, self.programme, self.state, self.follow_up_offsets
        )

    async def offer_extra_supervision(self) -> None:
        """Beside the process: after a hard ending (the citizen died, an urgent concern) the
        peer is offered an extra supervision or debrief, once per episode."""
        await workflow.wait_condition(lambda: self._hard_ending() is not None)
        ending = self._hard_ending()
        if ending is None or not workflow.patched(patches.EXTRA_SUPERVISION_AFTER_HARD_ENDING):
            return
        assert self.state.peer_id is not None
        request = ExtraSupervisionRequest(
            episode_id=self.start.episode_id,
            peer_id=self.state.peer_id,
            ending=ending,
            due_at=workflow.now() + EXTRA_SUPERVISION_DUE,
        )
        await workflow.execute_activity_method(
            SupervisionActivities.request_extra_supervision, request, **DATABASE_CALL
        )
        self.state.extra_supervision_asked = True

    def _hard_ending(self) -> HardEnding | None:
        """The hard ending the peer has not been offered an extra supervision for yet."""
        state = self.state
        if state.extra_supervision_asked or state.peer_id is None:
            return None
        ending = self.record.ending
        if state.phase == Phase.DECEASED or (ending is not None and ending[0] == Phase.DECEASED):
            return HardEnding.DECEASED
        return state.hard_ending

    def _note_hard_ending(self, event: EpisodeEvent) -> None:
        """An urgent concern raised while a peer has the episode is a hard ending for them."""
        urgent = isinstance(event, ConcernFlagged) and event.payload.urgent
        if urgent and self.state.peer_id is not None and self.state.hard_ending is None:
            self.state.hard_ending = HardEnding.URGENT_CONCERN

    async def _send_closing_summary(self) -> None:
        """The closing summary goes to the municipality by MedCom too (with the consent to
        share with it); the episode stays open until it is delivered, and while a coordinator
        sees to one that was not."""
        state = self.state
        if not facts.may_share_with(state, "social_services"):
            return
        if "closing_summary" in state.municipality_messages:
            return
        if not workflow.patched(patches.CARE_COMMUNICATION_OUT):
            return
        kind = CareCommunicationKind.CLOSING_SUMMARY
        self.machinery.send_to_municipality(kind, "closing_summary", workflow.now())
        await self.wait(
            lambda: (
                self.machinery.to_municipality == 0
                and not self.record.tasks_of(TaskKind.MEDCOM_UNDELIVERED)
            ),
            within=CLOSING_GIVE_UP,
            summary="closing summary delivered",
        )

    # ------------------------------------------------------------------ steps in detail

    async def _contacts_in_ward(self, every: timedelta) -> None:
        """While the citizen is admitted, the peer has a planned contact on the ward every
        `every` from the first meeting (none earlier than three months before the planned
        discharge), each with the ladder of its task kind; the discharge ends them."""
        state, record = self.state, self.record

        def discharged() -> bool:
            return hospital_course.has_left_hospital(state.hospital)

        while not discharged():
            if state.next_in_ward_contact_at is None:
                meeting = next(iter(record.tasks_of(TaskKind.FIRST_MEETING, open_only=False)), None)
                if meeting is None:
                    return  # matched after the discharge was known: nothing to meet before
                if meeting.is_open:
                    await self.wait(
                        lambda meeting=meeting: (  # type: ignore[misc]
                            discharged() or not meeting.is_open
                        ),
                        summary="first meeting",
                    )
                    continue
                state.next_in_ward_contact_at = (meeting.decided_at or workflow.now()) + every
            planned = state.discharge_planned_for
            left = in_ward_contact_due(state) - workflow.now()
            if left > timedelta(0):
                await self.wait(
                    lambda planned=planned: (  # type: ignore[misc]
                        discharged() or state.discharge_planned_for != planned
                    ),
                    within=left,
                    summary=f"in-ward contact {state.in_ward_contacts + 1}",
                )
                continue
            for missed in record.tasks_of(TaskKind.IN_WARD_CONTACT):
                record.close_task(missed, TaskStatus.EXPIRED, "in-ward contact missed")
            state.in_ward_contacts += 1
            state.next_in_ward_contact_at = workflow.now() + every
            record.add_task(
                TaskKind.IN_WARD_CONTACT,
                record.peer(),
                due_in=self.programme.follow_up_task_window,
                number=state.in_ward_contacts,
            )

    def _goes_ambulant(self) -> bool:
        """Referred without an admission, and none reported since: nothing to wait for.
        (A citizen admitted meanwhile waits for the discharge like any other.)"""
        return (
            self.referral.pathway == Pathway.AMBULANT
            and not hospital_course.ever_admitted(self.state.hospital)
            and workflow.patched(patches.AMBULANT_PATHWAY)
        )

    def _start_ambulant(self) -> None:
        """The peer has just taken the episode (the accepted offer or the manual match): the
        first-contact clock and the follow-up plan run from now, as they run from a
        discharge, so a slow match never leaves the peer a deadline already passed."""
        now = workflow.now()
        self.state.ambulant_since = now
        self.state.follow_up_started_at = now
        self.record.timeline("ambulant", "timeline.ambulant_start")
        self.record.touch()

    async def _escalate_matching(self) -> None:
        self.record.set_phase(Phase.UNMATCHED)
        self.state.escalations += 1
        due_in = (
            first_contact.manual_match_due(self.programme, self.state)
            if workflow.patched(patches.FACTS_IN_EVERY_PHASE)
            else ESCALATION_DUE
        )
        self.record.add_task(
            TaskKind.MANUAL_MATCH,
            self.record.coordinator(),
            due_in=due_in,
            template=Template.ESCALATION,
        )
        await self.wait(lambda: self.state.peer_id is not None, summary="manual match")

    def _escalate_first_contact(self) -> None:
        record = self.record
        self.state.escalations += 1
        record.add_task(
            TaskKind.FIRST_CONTACT_ESCALATION,
            record.coordinator(),
            due_in=ESCALATION_DUE,
            template=Template.ESCALATION,
        )
        record.notify(record.ward(), Template.ESCALATION)
        record.timeline("escalation", "timeline.first_contact_escalated")

    async def _offer_answered(self, offer: Task) -> bool:
        """Wait for the peer's answer until the offer's due time, which a discharge without
        a peer may bring forward; False if it lapsed unanswered."""
        while offer.is_open:
            due = offer.due_at
            assert due is not None
            left = due - workflow.now()
            if left <= timedelta(0):
                return False
            await self.wait(
                lambda due=due: not offer.is_open or offer.due_at != due,  # type: ignore[misc]
                within=left,
                summary=f"offer {offer.number} answer",
            )
        return True

    def _debrief_due_after_ending(self) -> bool:
        """Withdrawn, cancelled or deceased with a peer: the peer has a debrief too."""
        ended_early = self.state.phase != Phase.CLOSED
        return (
            ended_early
            and self.state.peer_id is not None
            and workflow.patched(patches.DEBRIEF_AFTER_EVERY_ENDING)
        )

    async def _debrief_after_ending(self) -> None:
        """The episode has ended (its phase says so); the peer's debrief is the one task
        left, waited for at most CLOSING_GIVE_UP."""
        record = self.record
        debrief = record.add_task(TaskKind.DEBRIEF, record.peer(), due_in=CLOSING_DUE)
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: not debrief.is_open,
                timeout=CLOSING_GIVE_UP,
                timeout_summary="debrief after the ending",
            )
        if debrief.is_open:
            record.close_task(debrief, TaskStatus.EXPIRED, "debrief not done")

    async def _follow_up_clock_reaches(self, offset: timedelta, *, summary: str) -> None:
        """Sleep on the follow-up clock, which stands still while the citizen is readmitted."""
        while True:
            if hospital_course.is_readmitted(hospital_course.course(self.state)):
                await self._wait_out_readmission(resume=Phase.FOLLOW_UP)
                continue
            left = follow_up_clock_due(self.state, offset) - workflow.now()
            if left <= timedelta(0):
                return
            await self.wait(
                lambda: hospital_course.is_readmitted(hospital_course.course(self.state)),
                within=left,
                summary=summary,
            )

    async def _wait_out_readmission(self, resume: Phase) -> None:
        record = self.record
        paused_from = workflow.now()
        record.set_phase(Phase.READMITTED)
        await self.wait(
            lambda: not hospital_course.is_admitted(hospital_course.course(self.state)),
            summary="discharge",
        )
        paused = workflow.now() - paused_from
        self.state.paused_for += paused.total_seconds()
        for task in record.tasks_of(TaskKind.FOLLOW_UP):
            if task.due_at is not None:
                task.due_at += paused
                record.changed_task(task)
        record.notify(record.peer(), Template.DISCHARGED)
        record.timeline("discharged", "timeline.discharged_again")
        record.set_phase(resume)

    async def _review_says_continue(self) -> bool:
        review = next(iter(self.record.tasks_of(TaskKind.PROGRAMME_REVIEW)), None)
        if review is None:
            review = self.record.add_task(
                TaskKind.PROGRAMME_REVIEW, self.record.peer(), due_in=PROGRAMME_REVIEW_DUE
            )
        await self.wait(lambda: not review.is_open, summary="programme review")
        return isinstance(review.result, ReviewDecision) and review.result.continue_episode

    async def _finish(self, phase: Phase, reason: str) -> None:
        record = self.record
        for task in [t for t in self.state.tasks.values() if t.is_open]:
            record.close_task(task, TaskStatus.CANCELLED, f"episode {phase.value}")
        for offer_no in range(1, self.state.offers_made + 1):
            await self._release(offer_no)
        if phase != Phase.CLOSED:
            ended = {"phase": phase.value}
            if self.state.peer_id is not None:
                record.notify(record.peer(), Template.EPISODE_ENDED, params=ended)
            record.notify(record.coordinator(), Template.EPISODE_ENDED, params=ended)
        self.state.end_reason = reason
        self.state.ended_at = workflow.now()
        record.set_phase(phase)

    # ------------------------------------------------------------------ handlers

    @workflow.signal
    def record_event(self, event: EpisodeEvent) -> None:
        """A fact from the ward, MedCom or a person; applied once per event_id."""
        if facts.receive(self.record, event) == "accepted":
            self._note_hard_ending(event)

    @workflow.update
    async def submit_event(self, event: EpisodeEvent) -> EventReceipt:
        """Like record_event, but answers once the event is in the read model."""
        outcome = facts.receive(self.record, event)
        if outcome == "accepted":
            self._note_hard_ending(event)
        await self.machinery.committed()
        return EventReceipt(
            event_id=event.event_id, episode_id=self.start.episode_id, outcome=outcome
        )

    @submit_event.validator
    def _validate_event(self, event: EpisodeEvent) -> None:
        if self.state.phase in TERMINAL_PHASES:
            raise reject("episode_id", f"the episode has ended ({self.state.phase.value})")
        if (refused := citizen_acts.problem(self.record, event)) is not None:
            raise reject(*refused)
        is_goal_event = isinstance(event, GoalAdded | GoalChanged | GoalDropped)
        if is_goal_event and (why := goals.problem(self.record, event)) is not None:  # type: ignore[arg-type]
            raise reject(*why)

    @workflow.update
    async def decide_task(self, decision: TaskDecision) -> TaskDecisionResult:
        """A person accepts, declines or completes a task."""
        task = self.state.tasks[decision.task_id]
        if isinstance(decision.result, ManualMatch):
            await self._manual_match(decision.result, task)
        apply_decision(self.record, decision, task)
        await self.machinery.committed()
        return TaskDecisionResult(task_id=task.task_id, status=task.status)

    @decide_task.validator
    def _validate_decision(self, decision: TaskDecision) -> None:
        task = self.state.tasks.get(decision.task_id)
        check_decision(decision, task, self.state.phase)
        assert task is not None
        check_content(self.record, decision, task)

    @workflow.update
    async def hand_over(self, hand_over: HandOver) -> HandOverResult:
        """The coordinator hands the episode to another peer; the capacity moves with it."""
        await self._hand_over(hand_over)
        await self.machinery.committed()
        assert self.state.peer_id is not None
        return HandOverResult(
            episode_id=self.start.episode_id,
            peer_id=self.state.peer_id,
            tasks_moved=len(self.record.peer_tasks()),
        )

    @hand_over.validator
    def _validate_hand_over(self, hand_over: HandOver) -> None:
        if self.state.phase in TERMINAL_PHASES:
            raise reject("episode_id", f"the episode has ended ({self.state.phase.value})")
        if self.state.peer_id is None:
            raise reject("episode_id", "no peer has taken the episode yet; match it instead")
        if hand_over.peer_id == self.state.peer_id:
            raise reject("peer_id", "this peer already has the episode")
        if self.handing_over:
            raise reject("episode_id", "another hand-over of this episode is under way")

    @workflow.query
    def view(self) -> EpisodeView:
        """The episode as it stands, for pages and operators."""
        history_events = workflow.info().get_current_history_length()
        return projections.view(self.start, self.state, history_events)

    # ------------------------------------------------------------------ matching

    async def _manual_match(self, match: ManualMatch, task: Task) -> None:
        """The coordinator names the peer; refused (InvalidDecision) if they cannot take it."""
        try:
            reservation = await self._reserve(peer_id=match.peer_id)
        except ActivityError as err:
            if isinstance(err.cause, ApplicationError) and err.cause.non_retryable:
                reason = err.cause.message.removeprefix("peer_id: ")
                raise reject("result.peer_id", reason) from None
            raise
        if reservation.peer_id is None:
            await self._release(reservation.offer_no)
            raise reject("result.peer_id", reservation.reason or "the peer cannot be assigned")
        if not task.is_open:
            await self._release(reservation.offer_no)
            raise reject("task_id", f"the task is already {task.status.value}")
        self.record.assign(reservation.peer_id, reservation.offer_no)
        self.record.notify(self.record.peer(), Template.ASSIGNED)

    async def _hand_over(self, hand_over: HandOver) -> None:
        """Reserve the new peer (capacity checked, not overridden) and give back the old
        peer's slot in the same transaction; the open peer tasks go with the episode.
        One hand-over at a time: a second one that arrives meanwhile is refused."""
        if self.handing_over:
            raise reject("episode_id", "another hand-over of this episode is under way")
        self.handing_over = True
        try:
            await self._hand_over_now(hand_over)
        finally:
            self.handing_over = False

    async def _hand_over_now(self, hand_over: HandOver) -> None:
        old_offer = self.state.assigned_offer_no
        try:
            reservation = await self._reserve(
                peer_id=hand_over.peer_id, override=False, releases=old_offer
            )
        except ActivityError as err:
            if isinstance(err.cause, ApplicationError) and err.cause.non_retryable:
                raise reject("peer_id", err.cause.message.removeprefix("peer_id: ")) from None
            raise
        if reservation.peer_id is None:
            await self._release(reservation.offer_no)
            raise reject("peer_id", reservation.reason or "the peer cannot take the episode")
        if self.state.phase in TERMINAL_PHASES:
            await self._release(reservation.offer_no)
            raise reject("episode_id", "the episode ended meanwhile")
        self.record.hand_over(hand_over, reservation.offer_no)

    async def _reserve(
        self, peer_id: str | None, *, override: bool = True, releases: int | None = None
    ) -> Reservation:
        """Hold a slot of the best peer not offered yet, or of the peer named."""
        self.state.offers_made += 1
        request = ReservationRequest(
            episode_id=self.start.episode_id,
            offer_no=self.state.offers_made,
            programme=self.programme.code,
            municipality_code=self.referral.municipality_code,
            organisation_id=self.referral.organisation_id,
            languages=self.referral.languages,
            exclude_peer_ids=() if peer_id else tuple(self.state.offered_peer_ids),
            peer_id=peer_id,
            override_capacity=peer_id is not None and override,
            releases_offer_no=releases,
        )
        reservation = await workflow.execute_activity_method(
            PeerMatcher.reserve_peer, request, **DATABASE_CALL
        )
        if reservation.peer_id is not None:
            self.state.offered_peer_ids.append(reservation.peer_id)
        return reservation

    async def _release(self, offer_no: int) -> None:
        release = ReservationRelease(episode_id=self.start.episode_id, offer_no=offer_no)
        await workflow.execute_activity_method(PeerMatcher.release_peer, release, **DATABASE_CALL)
