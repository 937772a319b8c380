"""One supervision group's rhythm: its sessions planned on schedule, the supervisor's
attendance awaited (and chased), two misses in a row turned into a task for the coordinator,
and extra sessions (a debrief) for a peer after a hard ending."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.supervision import REQUEST_EXTRA_SIGNAL, SupervisionActivities
    from schemas.roster import SupervisionSchedule
    from schemas.supervision import (
        AttendanceCheck,
        ExtraRequest,
        GroupStart,
        GroupState,
        GroupView,
        PlannedSession,
        SessionKind,
        SessionPlan,
        extra_slot,
        first_slot,
        following_slot,
    )
    from workflows.calls import DATABASE_CALL

# The supervisor records who came within this long after the session ends; then the
# coordinator gets an attendance_unrecorded task (due this long after it is opened).
ATTENDANCE_DUE = timedelta(days=2)
# A session's attendance is awaited this long at most; a record that comes later still
# counts on the pages, but no longer raises a supervision_missed task.
ATTENDANCE_GIVE_UP = timedelta(days=28)
# Extra requests remembered to count a repeated request once.
EXTRA_KEYS_KEPT = 200


@workflow.defn
class SupervisionGroupWorkflow:
    """A group meets every few weeks until it is deactivated; its id is
    `supervision-<group id>` and it holds ids only."""

    @workflow.init
    def __init__(self, start: GroupStart) -> None:
        self.start = start
        self.state = (
            start.state.model_copy(deep=True)
            if start.state is not None
            else GroupState(schedule=start.schedule)
        )
        self.woken = False  # a handler brought something for the main loop
        self.rescheduled = False

    @workflow.run
    async def run(self, start: GroupStart) -> None:
        while self.state.active:
            await self._plan_regular()
            await self._plan_extra()
            await self._follow_sessions()
            if not self.state.active:
                break
            if self._run_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self.state.sessions_this_run = 0
                workflow.continue_as_new(start.model_copy(update={"state": self.state}))
            self.woken = False
            wait = max(self._next_wake() - workflow.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self.woken, timeout=wait, timeout_summary="next supervision step"
                )
        await self._cancel_not_started()

    # ------------------------------------------------------------------ steps

    async def _plan_regular(self) -> None:
        """Keep the next regular session planned; once it has begun, it is followed for its
        attendance and the one after it is planned."""
        state, now = self.state, workflow.now()
        upcoming = state.next_regular
        moved = upcoming is not None and first_slot(state.schedule, now) != upcoming.starts_at
        if upcoming is not None and self.rescheduled and upcoming.starts_at > now and moved:
            await self._cancel(upcoming)
            upcoming = state.next_regular = None
        self.rescheduled = False
        if upcoming is not None and upcoming.starts_at <= now:
            state.following.append(upcoming)
            state.sessions_this_run += 1
            starts_at = following_slot(state.schedule, upcoming.starts_at, now)
            state.next_regular = await self._plan(starts_at, SessionKind.REGULAR, None)
        elif upcoming is None:
            starts_at = first_slot(state.schedule, now)
            state.next_regular = await self._plan(starts_at, SessionKind.REGULAR, None)

    async def _plan_extra(self) -> None:
        state = self.state
        while state.pending_extra:
            request = state.pending_extra[0]
            starts_at = extra_slot(state.schedule, workflow.now())
            session = await self._plan(starts_at, SessionKind.EXTRA, request.peer_id)
            state.following.append(session)
            state.extra_keys.append(request.request_key)
            del state.extra_keys[:-EXTRA_KEYS_KEPT]
            state.pending_extra.pop(0)

    async def _follow_sessions(self) -> None:
        """Sessions whose attendance came in are checked; overdue ones are chased once; ones
        awaited long enough are let go."""
        state, now = self.state, workflow.now()
        for session in list(state.following):
            signalled = session.session_id in state.attendance_in
            overdue = now >= session.ends_at + ATTENDANCE_DUE
            given_up = now >= session.ends_at + ATTENDANCE_GIVE_UP
            if not (signalled or given_up or (overdue and not session.unrecorded_task)):
                continue
            chase = overdue and not session.unrecorded_task and not given_up
            result = await workflow.execute_activity_method(
                SupervisionActivities.check_attendance,
                AttendanceCheck(
                    group_id=self.start.group_id,
                    organisation_id=self.start.organisation_id,
                    session_id=session.session_id,
                    kind=session.kind,
                    overdue=chase,
                    due_at=now + ATTENDANCE_DUE,
                ),
                **DATABASE_CALL,
            )
            if session.session_id in state.attendance_in:
                state.attendance_in.remove(session.session_id)
            index = state.following.index(session)
            if result.recorded or given_up:
                state.following.pop(index)
            elif chase:
                state.following[index] = session.model_copy(update={"unrecorded_task": True})
        # A record for a session the group no longer follows (one let go, or not begun) needs
        # nothing more from the workflow.
        followed = {s.session_id for s in state.following}
        state.attendance_in = [s for s in state.attendance_in if s in followed]

    def _next_wake(self) -> datetime:
        state = self.state
        times = [] if state.next_regular is None else [state.next_regular.starts_at]
        for session in state.following:
            wait = ATTENDANCE_GIVE_UP if session.unrecorded_task else ATTENDANCE_DUE
            times.append(session.ends_at + wait)
        return min(times)

    def _run_is_long(self) -> bool:
        return (
            self.state.sessions_this_run >= self.start.sessions_per_run
            or workflow.info().is_continue_as_new_suggested()
        )

    async def _plan(
        self, starts_at: datetime, kind: SessionKind, for_peer_id: str | None
    ) -> PlannedSession:
        plan = SessionPlan(
            group_id=self.start.group_id,
            starts_at=starts_at,
            duration_minutes=self.state.schedule.duration_minutes,
            kind=kind,
            for_peer_id=for_peer_id,
        )
        return await workflow.execute_activity_method(
            SupervisionActivities.plan_session, plan, **DATABASE_CALL
        )

    async def _cancel(self, session: PlannedSession) -> None:
        await workflow.execute_activity_method(
            SupervisionActivities.cancel_session, session.session_id, **DATABASE_CALL
        )

    async def _cancel_not_started(self) -> None:
        """The group ended: sessions that have not begun will not be held."""
        now = workflow.now()
        if self.state.next_regular is not None:
            await self._cancel(self.state.next_regular)
            self.state.next_regular = None
        for session in [s for s in self.state.following if s.starts_at > now]:
            await self._cancel(session)
            self.state.following.remove(session)

    # ------------------------------------------------------------------ handlers

    @workflow.signal
    def attendance_recorded(self, session_id: str) -> None:
        """The supervisor's page wrote a session's attendance (the rows are in PostgreSQL)."""
        if session_id not in self.state.attendance_in:
            self.state.attendance_in.append(session_id)
        self.woken = True

    @workflow.signal
    def schedule_changed(self, schedule: SupervisionSchedule) -> None:
        """The coordinator changed when the group meets; the next session moves with it."""
        self.state.schedule = schedule
        self.rescheduled = True
        self.woken = True

    @workflow.signal(name=REQUEST_EXTRA_SIGNAL)
    def request_extra(self, request: ExtraRequest) -> None:
        """An extra session for one peer (once per request key)."""
        state = self.state
        seen = state.extra_keys + [r.request_key for r in state.pending_extra]
        if request.request_key not in seen:
            state.pending_extra.append(request)
        self.woken = True

    @workflow.signal
    def deactivate(self) -> None:
        """The group stops meeting; the workflow ends."""
        self.state.active = False
        self.woken = True

    @workflow.query
    def view(self) -> GroupView:
        return GroupView(
            group_id=self.start.group_id,
            active=self.state.active,
            schedule=self.state.schedule,
            next_regular=self.state.next_regular,
            following=tuple(self.state.following),
        )
