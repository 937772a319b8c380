"""One supervision group's rhythm: its sessions planned on schedule, the supervisor's
attendance awaited (and chased), two misses in a row turned into a task for the coordinator,
and extra sessions (a debrief) for a peer after a hard ending."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.supervision import REQUEST_EXTRA_SIGNAL, SupervisionActivities
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
    )
    from workflows.calls import DATABASE_CALL
    from workflows.recurring_sessions import RecurringSessions

# Extra requests remembered to count a repeated request once.
EXTRA_KEYS_KEPT = 200


@workflow.defn
class SupervisionGroupWorkflow(RecurringSessions):
    """A group meets every few weeks until it is deactivated; its id is
    `supervision-<group id>` and it holds ids only."""

    WAIT_SUMMARY = "next supervision step"
    state: GroupState

    @workflow.init
    def __init__(self, start: GroupStart) -> None:
        self.start = start
        self.state = (
            start.state.model_copy(deep=True)
            if start.state is not None
            else GroupState(schedule=start.schedule)
        )
        self.woken = False
        self.rescheduled = False

    @workflow.run
    async def run(self, start: GroupStart) -> None:
        await self._meet(start, start.sessions_per_run, extra_steps=self._plan_extra)

    # ------------------------------------------------------------------ steps

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

    def _next_planned(self) -> PlannedSession | None:
        return self.state.next_regular

    def _keep_next(self, session: PlannedSession | None) -> None:
        self.state.next_regular = session

    async def _plan_next_at(self, starts_at: datetime) -> PlannedSession:
        return await self._plan(starts_at, SessionKind.REGULAR, None)

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

    async def _check_attendance(
        self, session: PlannedSession, chase: bool, due_at: datetime
    ) -> bool:
        result = await workflow.execute_activity_method(
            SupervisionActivities.check_attendance,
            AttendanceCheck(
                group_id=self.start.group_id,
                organisation_id=self.start.organisation_id,
                session_id=session.session_id,
                kind=session.kind,
                overdue=chase,
                due_at=due_at,
            ),
            **DATABASE_CALL,
        )
        return result.recorded

    # ------------------------------------------------------------------ handlers

    @workflow.signal(name=REQUEST_EXTRA_SIGNAL)
    def request_extra(self, request: ExtraRequest) -> None:
        """An extra session for one peer (once per request key)."""
        state = self.state
        seen = state.extra_keys + [r.request_key for r in state.pending_extra]
        if request.request_key not in seen:
            state.pending_extra.append(request)
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
