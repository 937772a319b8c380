"""One course term, from opening to completion: reminders before each session to everyone
enrolled, the teaching peers' attendance awaited after it (reminded, then their coordinators
told, then let go), a participant absent twice in a row followed up by the teaching peers,
cancelled sessions and seats offered told to the participants, and at the end completion per
participant with the course milestone on a citizen's episode. A reminder to a participant who
is an episode's citizen waits out their quiet hours, or is let pass if they outlast its use."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    import workflows.patches as patches
    from activities.courses import CourseActivities
    from activities.notifications import Notifier
    from schemas.courses import (
        AttendanceCheck,
        DeferredReminder,
        EnrolmentChanged,
        FollowedSession,
        MilestoneRequest,
        Notices,
        PlannedCourseSession,
        ReminderRequest,
        SeatOffered,
        SessionCancelledNotice,
        TermStart,
        TermState,
        TermStatus,
        TermView,
    )
    from schemas.notifications import Delivery, Notification
    from workflows.calls import DATABASE_CALL, DELIVERY
    from workflows.timings import DEFERRAL_FLOOR, MAX_DEFERRALS

# Followed sessions' steps: awaiting the record, the teaching peers reminded, the
# coordinators told.
AWAITING, PEERS_TOLD, COORDINATORS_TOLD = 0, 1, 2


@workflow.defn
class CourseTermWorkflow:
    """A term's rhythm; its id is `course-term-<term id>` and it holds ids only."""

    @workflow.init
    def __init__(self, start: TermStart) -> None:
        self.start = start
        self.state = TermState()
        self.woken = False

    @workflow.run
    async def run(self, start: TermStart) -> None:
        plan = await workflow.execute_activity_method(
            CourseActivities.course_load_term, start.term_id, **DATABASE_CALL
        )
        if plan is None or plan.status != TermStatus.OPEN:
            return
        self.organisation_id = plan.organisation_id
        state = self.state
        # A session cancelled by a signal that came before the plan stays cancelled.
        state.sessions = [
            s.model_copy(update={"cancelled": True}) if s.session_id in state.cancel_notices else s
            for s in plan.sessions
        ]
        while not state.cancelled:
            await self._tell_pending()
            await self._remind()
            await self._remind_after_quiet_hours()
            self._follow_ended()
            await self._check_attendance()
            if self._over():
                break
            self.woken = False
            wait = max(self._next_wake() - workflow.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self.woken, timeout=wait, timeout_summary="next course step"
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        for waiting in list(state.deferred):
            await self._let_pass(waiting)
        if state.cancelled:
            await self._deliver(
                await workflow.execute_activity_method(
                    CourseActivities.course_notify_term_cancelled, start.term_id, **DATABASE_CALL
                )
            )
            return
        await self._complete()

    # ------------------------------------------------------------------ steps

    def _live(self) -> list[PlannedCourseSession]:
        return [s for s in self.state.sessions if not s.cancelled]

    async def _tell_pending(self) -> None:
        """Cancelled sessions and seats offered since the last step are told."""
        state = self.state
        while state.cancel_notices:
            session_id = state.cancel_notices[0]
            notices = await workflow.execute_activity_method(
                CourseActivities.course_notify_session_cancelled,
                SessionCancelledNotice(term_id=self.start.term_id, session_id=session_id),
                **DATABASE_CALL,
            )
            await self._deliver(notices)
            state.cancels_told.append(state.cancel_notices.pop(0))
        if state.moved_up:
            moved = tuple(state.moved_up)
            notices = await workflow.execute_activity_method(
                CourseActivities.course_offer_seats,
                SeatOffered(term_id=self.start.term_id, participant_ids=moved),
                **DATABASE_CALL,
            )
            await self._deliver(notices)
            state.moved_up = [p for p in state.moved_up if p not in moved]

    async def _remind(self) -> None:
        """Each reminder whose time has come, unless its session has begun."""
        state, now = self.state, workflow.now()
        for session in self._live():
            for hours in self.start.remind_hours_before:
                key = f"{session.session_id}:{hours}"
                if key in state.reminders_sent or now < session.starts_at - timedelta(hours=hours):
                    continue
                state.reminders_sent.append(key)
                if now >= session.starts_at:
                    continue  # too late (the worker was away): no reminder after the start
                notices = await workflow.execute_activity_method(
                    CourseActivities.course_remind_session,
                    ReminderRequest(
                        term_id=self.start.term_id,
                        session_id=session.session_id,
                        hours_before=hours,
                    ),
                    **DATABASE_CALL,
                )
                if not workflow.patched(patches.COURSE_QUIET_HOURS):
                    await self._deliver(notices)
                    continue
                for notification in notices.notifications:
                    waiting = notification.model_copy(update={"waits_out_quiet_hours": True})
                    delivery = await self._deliver_one(waiting)
                    if delivery is not None and delivery.deferred_until is not None:
                        await self._defer(waiting, session, delivery.deferred_until, tries=1)

    async def _remind_after_quiet_hours(self) -> None:
        """Each reminder whose citizen's quiet hours have ended is delivered again, unless
        its session has begun or was cancelled since."""
        state, now = self.state, workflow.now()
        for waiting in [d for d in state.deferred if d.due <= now]:
            state.deferred.remove(waiting)
            session = next((s for s in self._live() if s.session_id == waiting.session_id), None)
            if session is None or now >= session.starts_at:
                await self._let_pass(waiting)
                continue
            delivery = await self._deliver_one(waiting.notification)
            if delivery is not None and delivery.deferred_until is not None:
                await self._defer(
                    waiting.notification, session, delivery.deferred_until, waiting.tries + 1
                )

    async def _defer(
        self,
        notification: Notification,
        session: PlannedCourseSession,
        until: datetime,
        tries: int,
    ) -> None:
        """Rows still pending in quiet hours that end at `until`: delivered again then, or
        let pass if the session begins first (or they keep moving)."""
        waiting = DeferredReminder(
            notification=notification,
            session_id=session.session_id,
            due=max(until, workflow.now() + DEFERRAL_FLOOR),
            tries=tries,
        )
        if waiting.due >= session.starts_at or tries > MAX_DEFERRALS:
            await self._let_pass(waiting)
        else:
            self.state.deferred.append(waiting)

    async def _let_pass(self, waiting: DeferredReminder) -> None:
        if waiting in self.state.deferred:
            self.state.deferred.remove(waiting)
        await workflow.execute_activity_method(
            Notifier.let_quiet_pass, waiting.notification, **DATABASE_CALL
        )

    def _follow_ended(self) -> None:
        state, now = self.state, workflow.now()
        followed = {f.session_id for f in state.following} | set(state.sessions_done)
        for session in self._live():
            if session.ends_at <= now and session.session_id not in followed:
                state.following.append(
                    FollowedSession(session_id=session.session_id, ends_at=session.ends_at)
                )

    async def _check_attendance(self) -> None:
        """A session whose record came in is checked (absences followed up); one overdue is
        chased one step; one awaited long enough is let go."""
        state, now, start = self.state, workflow.now(), self.start
        for followed in list(state.following):
            signalled = followed.session_id in state.attendance_in
            given_up = now >= followed.ends_at + timedelta(hours=start.give_up_after_hours)
            step = followed.step
            due = self._step_due(followed)
            chase = due is not None and now >= due and not given_up
            if not (signalled or given_up or chase):
                continue
            outcome = await workflow.execute_activity_method(
                CourseActivities.course_check_attendance,
                AttendanceCheck(
                    term_id=start.term_id,
                    organisation_id=self.organisation_id,
                    session_id=followed.session_id,
                    step=step + 1 if chase else AWAITING,
                    due_at=now + timedelta(hours=start.escalate_after_hours),
                ),
                **DATABASE_CALL,
            )
            await self._deliver(outcome.notices)
            if followed.session_id in state.attendance_in:
                state.attendance_in.remove(followed.session_id)
            index = state.following.index(followed)
            if outcome.recorded or given_up:
                state.following.pop(index)
                state.sessions_done.append(followed.session_id)
                state.follow_ups += len(outcome.missed_twice)
            elif chase:
                state.following[index] = followed.model_copy(update={"step": step + 1})
        # A record for a session let go needs nothing more; one for a session not ended yet
        # waits for it to end.
        state.attendance_in = [s for s in state.attendance_in if s not in state.sessions_done]

    def _step_due(self, followed: FollowedSession) -> datetime | None:
        """When the next chase of a session's attendance is due (None: no more chasing)."""
        start = self.start
        if followed.step == AWAITING:
            return followed.ends_at + timedelta(hours=start.attendance_due_hours)
        if followed.step == PEERS_TOLD:
            hours = start.attendance_due_hours + start.escalate_after_hours
            return followed.ends_at + timedelta(hours=hours)
        return None

    def _over(self) -> bool:
        """Every session has been held and followed, or cancelled."""
        done = set(self.state.sessions_done)
        return not self.state.following and all(s.session_id in done for s in self._live())

    def _next_wake(self) -> datetime:
        state, now, start = self.state, workflow.now(), self.start
        times: list[datetime] = []
        for session in self._live():
            for hours in start.remind_hours_before:
                at = session.starts_at - timedelta(hours=hours)
                if f"{session.session_id}:{hours}" not in state.reminders_sent and at > now:
                    times.append(at)
            if session.ends_at > now:
                times.append(session.ends_at)
        for followed in state.following:
            due = self._step_due(followed)
            times.append(due if due is not None and due > now else followed.ends_at)
            times.append(followed.ends_at + timedelta(hours=start.give_up_after_hours))
        times.extend(d.due for d in state.deferred)
        later = [t for t in times if t > now]
        return min(later) if later else now + timedelta(minutes=1)

    async def _complete(self) -> None:
        """Completion per participant; the milestone on each completing citizen's episode."""
        result = await workflow.execute_activity_method(
            CourseActivities.course_complete_term, self.start.term_id, **DATABASE_CALL
        )
        await self._deliver(result.notices)
        for done in result.completion.completed:
            if done.episode_id is None:
                continue
            await workflow.execute_activity_method(
                CourseActivities.course_record_milestone,
                MilestoneRequest(
                    term_id=self.start.term_id,
                    participant_id=done.participant_id,
                    episode_id=done.episode_id,
                    occurred_at=workflow.now(),
                ),
                **DATABASE_CALL,
            )
        self.state.completed = True

    async def _deliver(self, notices: Notices) -> None:
        """E-mail and SMS like every notification; given up after the delivery retries, its
        rows are marked failed (the term goes on)."""
        for notification in notices.notifications:
            await self._deliver_one(notification)

    async def _deliver_one(self, notification: Notification) -> Delivery | None:
        """What happened to it; None when it was given up."""
        try:
            return await workflow.execute_activity_method(
                Notifier.deliver_notification, notification, **DELIVERY
            )
        except ActivityError:
            workflow.logger.warning(
                "course notice could not be delivered",
                extra={"notification_id": notification.notification_id},
            )
            await workflow.execute_activity_method(
                Notifier.mark_delivery_failed, notification, **DATABASE_CALL
            )
            return None

    # ------------------------------------------------------------------ handlers

    @workflow.signal
    def attendance_recorded(self, session_id: str) -> None:
        """A teaching peer's page wrote a session's attendance (the rows are in PostgreSQL)."""
        if session_id not in self.state.attendance_in:
            self.state.attendance_in.append(session_id)
        self.woken = True

    @workflow.signal
    def session_cancelled(self, session_id: str) -> None:
        """The page cancelled a session (db/courses.cancel_session): everyone enrolled is told,
        and it is neither reminded of nor followed."""
        state = self.state
        if session_id in state.cancel_notices or session_id in state.cancels_told:
            return
        state.cancel_notices.append(session_id)
        state.sessions = [
            s.model_copy(update={"cancelled": True}) if s.session_id == session_id else s
            for s in state.sessions
        ]
        state.following = [f for f in state.following if f.session_id != session_id]
        self.woken = True

    @workflow.signal
    def enrolment_changed(self, change: EnrolmentChanged) -> None:
        """Someone cancelled (db/courses.cancel_enrolment); those moved up are told."""
        for participant_id in change.moved_up:
            if participant_id not in self.state.moved_up:
                self.state.moved_up.append(participant_id)
        self.woken = True

    @workflow.signal
    def term_cancelled(self) -> None:
        """The page cancelled the term (db/courses.cancel_term): everyone is told; it ends."""
        self.state.cancelled = True
        self.woken = True

    @workflow.query
    def view(self) -> TermView:
        state = self.state
        return TermView(
            term_id=self.start.term_id,
            sessions=tuple(state.sessions),
            sessions_done=tuple(state.sessions_done),
            following=tuple(state.following),
            reminders_sent=tuple(state.reminders_sent),
            reminders_deferred=tuple(d.notification.notification_id for d in state.deferred),
            follow_ups=state.follow_ups,
            cancelled=state.cancelled,
            completed=state.completed,
        )
