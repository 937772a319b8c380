"""The machinery beside the process: waits, commits, deliveries, deadlines, continue-as-new."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from activities.care_communication.sender import NO_TRANSPORT, NOT_SENT_REASONS
    from activities.episode_store import EpisodeStore
    from activities.notifications import Notifier
    from schemas.care_communication import (
        CareCommunicationKind,
        DeliveryOutcome,
        DeliveryStatus,
        OutgoingCareCommunication,
        delivery_workflow_id,
    )
    from schemas.commit import EpisodeCommit
    from schemas.commit_refusal import CommitRefusal
    from schemas.episode import TERMINAL_PHASES
    from schemas.notifications import Delivery, Notification, Template
    from schemas.people import SYSTEM
    from schemas.tasks import TaskKind
    from workflows import commit_refusals, ladder, patches, projections
    from workflows.calls import DATABASE_CALL, DELIVERY
    from workflows.care_communication import CareCommunicationDelivery
    from workflows.record import EpisodeRecord
    from workflows.timings import DEFERRAL_FLOOR, ESCALATION_DUE, MAX_DEFERRALS


# Why a CareCommunication did not reach the municipality (codes of the reason catalog).
UNDELIVERED_REASON = {
    DeliveryStatus.REJECTED: "rejected by the municipality",
    DeliveryStatus.UNANSWERED: "no acknowledgement",
    DeliveryStatus.UNDELIVERABLE: "refused by the transport",
}


class Interrupted(Exception):
    """The episode must end now (death, consent withdrawn, cancelled) or close early."""


class Machinery:
    """Runs beside the process: keeps the read model, the outbox and the deadlines in step."""

    def __init__(self, record: EpisodeRecord) -> None:
        self.record = record
        self.committed_seq = record.state.commit_seq
        self.committing = False
        self.deliveries: set[asyncio.Task[None]] = set()
        # CareCommunications to the municipality whose delivery has not ended yet.
        self.to_municipality = 0
        # What the main loop waits for right now, and how often it has woken: lets an
        # update wait for the main loop's reaction before it answers.
        self.waiting_for: Callable[[], bool] | None = None
        self.main_turns = 0
        # The refusal the last commit met: the same refusal again is not reported again, so
        # a report that cannot be stored either does not commit in a loop.
        self.last_refusal: CommitRefusal | None = None

    def start(self) -> list[asyncio.Task[None]]:
        """The loops that run until the process ends (the commit loop first)."""
        return [
            asyncio.create_task(self._commit_loop()),
            asyncio.create_task(self._watch_deadlines()),
        ]

    # ------------------------------------------------------------------ waiting

    async def wait(
        self,
        condition: Callable[[], bool],
        *,
        within: timedelta | None = None,
        summary: str | None = None,
    ) -> bool:
        """Wait for the condition; False on timeout. Raises when the episode must end."""
        record = self.record
        if within is not None and within <= timedelta(0):
            if record.interrupted:
                raise Interrupted
            return condition()
        self.waiting_for = lambda: condition() or record.interrupted
        try:
            await workflow.wait_condition(self.waiting_for, timeout=within, timeout_summary=summary)
        except TimeoutError:
            if record.interrupted:
                raise Interrupted from None
            return False
        finally:
            self.waiting_for = None
            self.main_turns += 1
        if record.interrupted:
            raise Interrupted
        return True

    async def main_reacted(self) -> None:
        """If a change lets the main loop go on, wait until it has (in the same workflow
        task), so its reaction (a new phase, new tasks) goes with the change."""
        if self.waiting_for is not None and self.waiting_for():
            turn = self.main_turns
            await workflow.wait_condition(lambda: self.main_turns > turn)

    async def committed(self) -> None:
        """Wait until the main loop has reacted to a change and all of it is in the read model,
        so the person who made the change sees its consequences when their call returns."""
        await self.main_reacted()
        state, changes = self.record.state, self.record.changes
        target = state.commit_seq + 1 if changes.any else state.commit_seq
        await workflow.wait_condition(lambda: self.committed_seq >= target)

    # ------------------------------------------------------------------ commits

    async def _commit_loop(self) -> None:
        record = self.record
        state, changes = record.state, record.changes
        while True:
            await workflow.wait_condition(lambda: changes.any)
            if workflow.patched(patches.COMMIT_AFTER_MAIN_REACTS):
                # An event by signal is `applied` with its consequences, as one by update is.
                await self.main_reacted()
            state.commit_seq += 1
            commit = changes.take(
                seq=state.commit_seq,
                projection=projections.projection(record.start, state, workflow.now()),
                tasks=state.tasks,
            )
            self.committing = True
            delivered = await self._store(commit)
            self.committing = False
            self.committed_seq = commit.commit_seq
            for notification in delivered:
                job = asyncio.create_task(self._deliver(notification))
                self.deliveries.add(job)
                job.add_done_callback(self.deliveries.discard)

    async def _store(self, commit: EpisodeCommit) -> tuple[Notification, ...]:
        """Store the commit; the notifications now in the outbox, to deliver."""
        try:
            await self._call_commit(commit)
        except (ActivityError, ApplicationError) as err:
            refusal = commit_refusals.refusal_of(err)
            if refusal is None or not workflow.patched(patches.COMMIT_REFUSED_RAISES_TASK):
                raise
            return await self._store_what_can_be(commit, refusal)
        self.last_refusal = None
        return commit.notifications

    async def _call_commit(self, commit: EpisodeCommit) -> None:
        if workflow.patched(patches.COMMIT_AS_LOCAL_ACTIVITY):
            # In the same workflow task as the change: no round trip through the
            # server's activity queue and one history event instead of six.
            await workflow.execute_local_activity_method(
                EpisodeStore.commit_episode, commit, **DATABASE_CALL
            )
        else:
            await workflow.execute_activity_method(
                EpisodeStore.commit_episode, commit, **DATABASE_CALL
            )

    async def _store_what_can_be(
        self, commit: EpisodeCommit, refusal: CommitRefusal
    ) -> tuple[Notification, ...]:
        """PostgreSQL refuses the commit for good (a NUL in a note, a broken constraint):
        store it without the characters no text column can hold, else also without the rows
        of the table that refuses them, else not at all; and raise a task for a person. The
        episode goes on either way, so its escalations and notifications still go out."""
        commit_refusals.clean_state(self.record.state, commit)
        cleaned = commit_refusals.cleaned(commit)
        again: CommitRefusal | None = refusal
        if cleaned != commit:
            again = await self._try_commit(cleaned)
            if again is None:
                return self._stored(commit, cleaned, refusal, "without characters it cannot store")
        assert again is not None
        part = commit_refusals.without(cleaned, again.table)
        if part is not None and part != cleaned and await self._try_commit(part) is None:
            return self._stored(commit, part, refusal, f"without its {again.table} rows")
        return self._stored(commit, None, refusal, "not stored")

    async def _try_commit(self, commit: EpisodeCommit) -> CommitRefusal | None:
        """None once stored; the refusal if PostgreSQL refuses this one too."""
        try:
            await self._call_commit(commit)
        except (ActivityError, ApplicationError) as err:
            refusal = commit_refusals.refusal_of(err)
            if refusal is None:
                raise
            return refusal
        return None

    def _stored(
        self,
        commit: EpisodeCommit,
        stored: EpisodeCommit | None,
        refusal: CommitRefusal,
        how: str,
    ) -> tuple[Notification, ...]:
        """Report the refusal; the notifications of what was stored, to deliver."""
        self._report_refusal(commit.commit_seq, refusal, how)
        return stored.notifications if stored else ()

    def _report_refusal(self, commit_seq: int, refusal: CommitRefusal, stored: str) -> None:
        """Audit, timeline and an operator task: where and what kind, never a value."""
        workflow.logger.warning(
            "episode commit refused",
            extra={
                "commit_seq": commit_seq,
                "table": refusal.table,
                "error": refusal.error,
                "sqlstate": refusal.sqlstate,
                "stored": stored,
            },
        )
        if refusal == self.last_refusal:
            return
        self.last_refusal = refusal
        record = self.record
        record.audit(
            SYSTEM,
            "commit.refused",
            detail={
                "commit_seq": str(commit_seq),
                "table": refusal.table,
                "error": refusal.error,
                "sqlstate": refusal.sqlstate,
                "stored": stored,
            },
        )
        record.timeline("commit_refused", "timeline.commit_refused", params={"stored": stored})
        if not record.tasks_of(TaskKind.COMMIT_FAILED):
            record.add_task(TaskKind.COMMIT_FAILED, record.coordinator(), due_in=ESCALATION_DUE)

    async def _deliver(self, notification: Notification) -> None:
        record = self.record
        try:
            delivery = await workflow.execute_activity_method(
                Notifier.deliver_notification, notification, **DELIVERY
            )
            await self._deliver_after_quiet_hours(notification, delivery)
        except ActivityError:
            workflow.logger.warning(
                "notification could not be delivered",
                extra={"notification_id": notification.notification_id},
            )
            record.timeline("delivery", "timeline.delivery_failed")
            if workflow.patched(patches.OUTBOX_MARKED_FAILED):
                await workflow.execute_local_activity_method(
                    Notifier.mark_delivery_failed, notification, **DATABASE_CALL
                )
            if notification.template != Template.NOTIFICATION_FAILED:
                record.add_task(
                    TaskKind.NOTIFICATION_FAILED,
                    record.coordinator(),
                    due_in=ESCALATION_DUE,
                    template=Template.NOTIFICATION_FAILED,
                )

    async def _deliver_after_quiet_hours(
        self, notification: Notification, delivery: Delivery
    ) -> None:
        """A notice to the citizen or a relative that met their quiet hours is still pending:
        deliver it again when they end (a bounded number of times: they may keep moving)."""
        for _ in range(MAX_DEFERRALS):
            until = delivery.deferred_until
            if until is None or not workflow.patched(patches.CITIZEN_REMINDERS):
                return
            await workflow.sleep(
                max(until - workflow.now(), DEFERRAL_FLOOR), summary="quiet hours end"
            )
            delivery = await workflow.execute_activity_method(
                Notifier.deliver_notification, notification, **DELIVERY
            )
        if delivery.deferred_until is not None:
            workflow.logger.warning(
                "notification still in quiet hours, left pending",
                extra={"notification_id": notification.notification_id},
            )

    # ------------------------------------------------------------------ MedCom out

    def send_to_municipality(
        self, kind: CareCommunicationKind, subject: str, occurred_at: datetime
    ) -> None:
        """Send the municipality a CareCommunication, delivered by a child workflow until
        its Acknowledgement comes (settle and continue-as-new wait for it). `subject` names
        what it is about ('discharge', 'network_meeting:<task id>', 'closing_summary') so
        the same thing is never sent twice; the message carries ids only."""
        record = self.record
        record.state.municipality_messages.append(subject)
        message = OutgoingCareCommunication(
            message_id=record.new_id("cc"),
            episode_id=record.episode_id,
            kind=kind,
            occurred_at=occurred_at,
        )
        record.audit(
            SYSTEM,
            "medcom.care_communication",
            detail={"message_id": message.message_id, "kind": kind.value},
        )
        record.touch()
        self.to_municipality += 1
        # The message is built from the read model: it goes once the commit that holds what
        # it tells about (the discharge, the consent, the booking) is stored.
        stored = record.state.commit_seq + 1
        job = asyncio.create_task(self._deliver_care_communication(message, stored))
        self.deliveries.add(job)
        job.add_done_callback(self.deliveries.discard)

    async def _deliver_care_communication(
        self, message: OutgoingCareCommunication, stored: int
    ) -> None:
        await workflow.wait_condition(lambda: self.committed_seq >= stored)
        try:
            outcome = await workflow.execute_child_workflow(
                CareCommunicationDelivery.run,
                message,
                id=delivery_workflow_id(message.message_id),
                static_summary=f"CareCommunication {message.kind.value}",
            )
        except ChildWorkflowError:
            # Terminated or failed by an operator: nobody knows whether it arrived.
            outcome = DeliveryOutcome(
                message_id=message.message_id,
                kind=message.kind,
                status=DeliveryStatus.UNANSWERED,
                attempts=0,
                reason="delivery stopped",
            )
        try:
            self._care_communication_ended(outcome)
        finally:
            self.to_municipality -= 1

    def _care_communication_ended(self, outcome: DeliveryOutcome) -> None:
        """The timeline says how it went; a coordinator sees to one the municipality did
        not receive (while the episode runs: an ended one has nobody left to decide it)."""
        record = self.record
        kind = outcome.kind.value
        # When the ending comes depends on the municipality: its line has an id of its own.
        line = f"{outcome.message_id}-end"
        if outcome.status == DeliveryStatus.ACKNOWLEDGED:
            record.timeline(
                "medcom",
                "timeline.care_communication_acknowledged",
                params={"message": kind},
                entry_id=line,
            )
            return
        if outcome.status == DeliveryStatus.NOT_SENT and outcome.reason == NO_TRANSPORT:
            return  # MedCom is switched off where this runs: nothing to say
        if outcome.status == DeliveryStatus.NOT_SENT:
            why = outcome.reason if outcome.reason in NOT_SENT_REASONS else "not sent"
            record.timeline(
                "medcom",
                "timeline.care_communication_not_sent",
                params={"message": kind, "reason": why},
                entry_id=line,
            )
            return
        record.timeline(
            "medcom",
            "timeline.care_communication_failed",
            params={"message": kind, "reason": UNDELIVERED_REASON[outcome.status]},
            entry_id=line,
        )
        if record.state.phase not in TERMINAL_PHASES:
            record.add_task(
                TaskKind.MEDCOM_UNDELIVERED, record.coordinator(), due_in=ESCALATION_DUE
            )

    # ------------------------------------------------------------------ deadlines

    async def _watch_deadlines(self) -> None:
        """Take each task's ladder steps as they fall due (before the escalation ladder:
        mark tasks overdue when their due time passes); offers expire instead."""
        record = self.record
        climbing = workflow.patched(patches.ESCALATION_LADDER)
        while True:
            now = workflow.now()
            if climbing:
                record.watch_until = ladder.climb(record, now)
            else:
                record.watch_until = self._mark_overdue(now)
            record.deadlines_changed = False
            timeout = record.watch_until - now if record.watch_until else None
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: record.deadlines_changed, timeout=timeout, timeout_summary="next due"
                )

    def _mark_overdue(self, now: datetime) -> datetime | None:
        """Before the ladder: tasks past due become overdue; the next due time."""
        record = self.record
        tasks = record.state.tasks
        for task in tasks.values():
            late = task.due_at is not None and task.due_at <= now
            # Offers are not overdue: they expire and go to the next peer.
            if task.is_open and late and not task.overdue and task.kind != TaskKind.PEER_OFFER:
                task.overdue = True
                record.timeline(
                    "overdue", "timeline.overdue", params={"task": task.kind}, task_id=task.task_id
                )
                record.changed_task(task)
        upcoming = [
            t.due_at
            for t in tasks.values()
            if t.is_open and not t.overdue and t.due_at is not None and t.due_at > now
        ]
        return min(upcoming) if upcoming else None

    # ------------------------------------------------------------------ settling

    async def settle(self) -> None:
        """Everything committed, every delivery done, every handler finished."""
        changes = self.record.changes
        await workflow.wait_condition(
            lambda: (
                not changes.any
                and not self.committing
                and not self.deliveries
                and workflow.all_handlers_finished()
            )
        )

    async def continue_as_new_if_long(self) -> None:
        info = workflow.info()
        too_long = info.get_current_history_length() > self.record.start.continue_as_new_after
        if too_long or info.is_continue_as_new_suggested():
            await self.continue_as_new()

    async def continue_as_new(self) -> None:
        """Carry the state (open tasks only) into a fresh run with a short history."""
        await self.settle()
        carried = self.record.state.model_copy(deep=True)
        carried.tasks = {k: t for k, t in carried.tasks.items() if t.is_open}
        carried.continued_runs += 1
        workflow.continue_as_new(self.record.start.model_copy(update={"state": carried}))
