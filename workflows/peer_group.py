"""One peer group's rhythm: its sessions planned on the supervision groups' schedule
arithmetic, the facilitator's attendance awaited (and chased), and a member absent several
sessions in a row turned into a follow-up task for the facilitator. Members join and leave in
PostgreSQL; each attendance check reads who is a member then."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.peer_groups import PeerGroupActivities
    from schemas.peer_groups import PeerGroupStart, PeerGroupState, PeerGroupView
    from schemas.roster import SupervisionSchedule
    from schemas.supervision import (
        AttendanceCheck,
        PlannedSession,
        SessionPlan,
        first_slot,
        following_slot,
    )
    from workflows.calls import DATABASE_CALL

# The facilitator records who came within this long after the session ends; then the
# coordinators get an attendance_unrecorded task (due this long after it is opened).
ATTENDANCE_DUE = timedelta(days=2)
# A session's attendance is awaited this long at most; a later record still shows on the pages
# but raises no follow-up task.
ATTENDANCE_GIVE_UP = timedelta(days=28)


@workflow.defn
class PeerGroupWorkflow:
    """A peer group meets on its schedule until it is deactivated; its id is
    `peer-group-<group id>` and it holds ids only."""

    @workflow.init
    def __init__(self, start: PeerGroupStart) -> None:
        self.start = start
        self.state = (
            start.state.model_copy(deep=True)
            if start.state is not None
            else PeerGroupState(schedule=start.schedule)
        )
        self.woken = False  # a handler brought something for the main loop
        self.rescheduled = False

    @workflow.run
    async def run(self, start: PeerGroupStart) -> None:
        while self.state.active:
            await self._plan_next()
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
                    lambda: self.woken, timeout=wait, timeout_summary="next peer group step"
                )
        await self._cancel_not_started()

    # ------------------------------------------------------------------ steps

    async def _plan_next(self) -> None:
        """Keep the next session planned; once it has begun it is followed for its attendance
        and the one after it is planned."""
        state, now = self.state, workflow.now()
        upcoming = state.next_session
        moved = upcoming is not None and first_slot(state.schedule, now) != upcoming.starts_at
        if upcoming is not None and self.rescheduled and upcoming.starts_at > now and moved:
            await self._cancel(upcoming)
            upcoming = state.next_session = None
        self.rescheduled = False
        if upcoming is not None and upcoming.starts_at <= now:
            state.following.append(upcoming)
            state.sessions_this_run += 1
            state.next_session = await self._plan(
                following_slot(state.schedule, upcoming.starts_at, now)
            )
        elif upcoming is None:
            state.next_session = await self._plan(first_slot(state.schedule, now))

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
                PeerGroupActivities.check_group_attendance,
                AttendanceCheck(
                    group_id=self.start.group_id,
                    organisation_id=self.start.organisation_id,
                    session_id=session.session_id,
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
        followed = {s.session_id for s in state.following}
        state.attendance_in = [s for s in state.attendance_in if s in followed]

    def _next_wake(self) -> datetime:
        state = self.state
        times = [] if state.next_session is None else [state.next_session.starts_at]
        for session in state.following:
            wait = ATTENDANCE_GIVE_UP if session.unrecorded_task else ATTENDANCE_DUE
            times.append(session.ends_at + wait)
        return min(times)

    def _run_is_long(self) -> bool:
        return (
            self.state.sessions_this_run >= self.start.sessions_per_run
            or workflow.info().is_continue_as_new_suggested()
        )

    async def _plan(self, starts_at: datetime) -> PlannedSession:
        plan = SessionPlan(
            group_id=self.start.group_id,
            starts_at=starts_at,
            duration_minutes=self.state.schedule.duration_minutes,
        )
        return await workflow.execute_activity_method(
            PeerGroupActivities.plan_group_session, plan, **DATABASE_CALL
        )

    async def _cancel(self, session: PlannedSession) -> None:
        await workflow.execute_activity_method(
            PeerGroupActivities.cancel_group_session, session.session_id, **DATABASE_CALL
        )

    async def _cancel_not_started(self) -> None:
        """The group ended: sessions that have not begun will not be held."""
        if self.state.next_session is not None:
            await self._cancel(self.state.next_session)
            self.state.next_session = None

    # ------------------------------------------------------------------ handlers

    @workflow.signal
    def attendance_recorded(self, session_id: str) -> None:
        """The facilitator's page wrote a session's attendance (the rows are in PostgreSQL)."""
        if session_id not in self.state.attendance_in:
            self.state.attendance_in.append(session_id)
        self.woken = True

    @workflow.signal
    def schedule_changed(self, schedule: SupervisionSchedule) -> None:
        """The coordinator changed when the group meets; the next session moves with it."""
        self.state.schedule = schedule
        self.rescheduled = True
        self.woken = True

    @workflow.signal
    def deactivate(self) -> None:
        """The group stops meeting; the workflow ends."""
        self.state.active = False
        self.woken = True

    @workflow.query
    def view(self) -> PeerGroupView:
        return PeerGroupView(
            group_id=self.start.group_id,
            active=self.state.active,
            schedule=self.state.schedule,
            next_session=self.state.next_session,
            following=tuple(self.state.following),
        )
