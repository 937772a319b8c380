"""The rhythm every group workflow that meets on a schedule shares (supervision groups, peer
groups): the next session kept planned and moved when the schedule changes, each held session's
attendance awaited, chased once and let go, the wake-ups between, continue-as-new after a run
of sessions, and the sessions not begun cancelled when the group ends."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import ClassVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel

    from schemas.roster import SupervisionSchedule
    from schemas.supervision import PlannedSession, SessionRhythm, first_slot, following_slot

# The page's user records who came within this long after the session ends; then the
# coordinators get an attendance_unrecorded task (due this long after it is opened).
ATTENDANCE_DUE = timedelta(days=2)
# A session's attendance is awaited this long at most; a later record still shows on the pages
# but raises no follow-up task.
ATTENDANCE_GIVE_UP = timedelta(days=28)


class RecurringSessions(ABC):
    """The shared steps and signals; a group workflow subclasses it, keeps its own `@workflow.run`
    (which awaits `_meet`) and says how its sessions are planned, cancelled and checked."""

    # The timer's summary in the Temporal UI while the workflow waits for its next step.
    WAIT_SUMMARY: ClassVar[str]

    state: SessionRhythm
    woken: bool  # a handler brought something for the main loop
    rescheduled: bool

    @abstractmethod
    def _next_planned(self) -> PlannedSession | None:
        """The next regular session planned and not begun."""

    @abstractmethod
    def _keep_next(self, session: PlannedSession | None) -> None:
        """Remember the next regular session (None: none is planned)."""

    @abstractmethod
    async def _plan_next_at(self, starts_at: datetime) -> PlannedSession:
        """Plan the next regular session (an activity)."""

    @abstractmethod
    async def _cancel(self, session: PlannedSession) -> None:
        """Cancel a session that will not be held (an activity)."""

    @abstractmethod
    async def _check_attendance(
        self, session: PlannedSession, chase: bool, due_at: datetime
    ) -> bool:
        """Check a session's attendance (an activity); True when it is recorded."""

    async def _meet(
        self,
        start: BaseModel,
        sessions_per_run: int,
        extra_steps: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """The main loop until the group is deactivated; continues as new with `start`
        carrying the state after `sessions_per_run` sessions."""
        while self.state.active:
            await self._plan_next()
            if extra_steps is not None:
                await extra_steps()
            await self._follow_sessions()
            if not self.state.active:
                break
            if self._run_is_long(sessions_per_run):
                await workflow.wait_condition(workflow.all_handlers_finished)
                self.state.sessions_this_run = 0
                workflow.continue_as_new(start.model_copy(update={"state": self.state}))
            self.woken = False
            wait = max(self._next_wake() - workflow.now(), timedelta(seconds=1))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self.woken, timeout=wait, timeout_summary=self.WAIT_SUMMARY
                )
        await self._cancel_not_started()

    # ------------------------------------------------------------------ steps

    async def _plan_next(self) -> None:
        """Keep the next regular session planned; once it has begun, it is followed for its
        attendance and the one after it is planned."""
        state, now = self.state, workflow.now()
        upcoming = self._next_planned()
        moved = upcoming is not None and first_slot(state.schedule, now) != upcoming.starts_at
        if upcoming is not None and self.rescheduled and upcoming.starts_at > now and moved:
            await self._cancel(upcoming)
            upcoming = None
            self._keep_next(None)
        self.rescheduled = False
        if upcoming is not None and upcoming.starts_at <= now:
            state.following.append(upcoming)
            state.sessions_this_run += 1
            starts_at = following_slot(state.schedule, upcoming.starts_at, now)
            self._keep_next(await self._plan_next_at(starts_at))
        elif upcoming is None:
            self._keep_next(await self._plan_next_at(first_slot(state.schedule, now)))

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
            recorded = await self._check_attendance(session, chase, now + ATTENDANCE_DUE)
            if session.session_id in state.attendance_in:
                state.attendance_in.remove(session.session_id)
            index = state.following.index(session)
            if recorded or given_up:
                state.following.pop(index)
            elif chase:
                state.following[index] = session.model_copy(update={"unrecorded_task": True})
        # A record for a session the group no longer follows (one let go, or not begun) needs
        # nothing more from the workflow.
        followed = {s.session_id for s in state.following}
        state.attendance_in = [s for s in state.attendance_in if s in followed]

    def _next_wake(self) -> datetime:
        upcoming = self._next_planned()
        times = [] if upcoming is None else [upcoming.starts_at]
        for session in self.state.following:
            wait = ATTENDANCE_GIVE_UP if session.unrecorded_task else ATTENDANCE_DUE
            times.append(session.ends_at + wait)
        return min(times)

    def _run_is_long(self, sessions_per_run: int) -> bool:
        return (
            self.state.sessions_this_run >= sessions_per_run
            or workflow.info().is_continue_as_new_suggested()
        )

    async def _cancel_not_started(self) -> None:
        """The group ended: sessions that have not begun will not be held."""
        now = workflow.now()
        upcoming = self._next_planned()
        if upcoming is not None:
            await self._cancel(upcoming)
            self._keep_next(None)
        for session in [s for s in self.state.following if s.starts_at > now]:
            await self._cancel(session)
            self.state.following.remove(session)

    # ------------------------------------------------------------------ handlers

    @workflow.signal
    def attendance_recorded(self, session_id: str) -> None:
        """The group's page wrote a session's attendance (the rows are in PostgreSQL)."""
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
