"""One peer group's rhythm: its sessions planned on the supervision groups' schedule
arithmetic, the facilitator's attendance awaited (and chased), and a member absent several
sessions in a row turned into a follow-up task for the facilitator. Members join and leave in
PostgreSQL; each attendance check reads who is a member then."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.peer_groups import PeerGroupActivities
    from schemas.peer_groups import PeerGroupStart, PeerGroupState, PeerGroupView
    from schemas.supervision import AttendanceCheck, PlannedSession, SessionPlan
    from workflows.calls import DATABASE_CALL
    from workflows.recurring_sessions import RecurringSessions


@workflow.defn
class PeerGroupWorkflow(RecurringSessions):
    """A peer group meets on its schedule until it is deactivated; its id is
    `peer-group-<group id>` and it holds ids only."""

    WAIT_SUMMARY = "next peer group step"
    state: PeerGroupState

    @workflow.init
    def __init__(self, start: PeerGroupStart) -> None:
        self.start = start
        self.state = (
            start.state.model_copy(deep=True)
            if start.state is not None
            else PeerGroupState(schedule=start.schedule)
        )
        self.woken = False
        self.rescheduled = False

    @workflow.run
    async def run(self, start: PeerGroupStart) -> None:
        await self._meet(start, start.sessions_per_run)

    # ------------------------------------------------------------------ steps

    def _next_planned(self) -> PlannedSession | None:
        return self.state.next_session

    def _keep_next(self, session: PlannedSession | None) -> None:
        self.state.next_session = session

    async def _plan_next_at(self, starts_at: datetime) -> PlannedSession:
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

    async def _check_attendance(
        self, session: PlannedSession, chase: bool, due_at: datetime
    ) -> bool:
        result = await workflow.execute_activity_method(
            PeerGroupActivities.check_group_attendance,
            AttendanceCheck(
                group_id=self.start.group_id,
                organisation_id=self.start.organisation_id,
                session_id=session.session_id,
                overdue=chase,
                due_at=due_at,
            ),
            **DATABASE_CALL,
        )
        return result.recorded

    # ------------------------------------------------------------------ handlers

    @workflow.query
    def view(self) -> PeerGroupView:
        return PeerGroupView(
            group_id=self.start.group_id,
            active=self.state.active,
            schedule=self.state.schedule,
            next_session=self.state.next_session,
            following=tuple(self.state.following),
        )
