"""Peer groups: the group workflow's sessions and attendance checks, and the follow-up tasks
they raise (a member absent several sessions in a row for the facilitator; attendance nobody
recorded for the organisation's coordinators)."""

from __future__ import annotations

from datetime import timedelta

import structlog
from temporalio import activity

from db import peer_groups as groups
from db.pool import DatabasePool
from schemas.peer_groups import PeerAttendanceResult
from schemas.supervision import AttendanceCheck, PlannedSession, SessionPlan

log = structlog.get_logger(__name__)

# How long the facilitator has for a member_absent task.
ABSENT_TASK_DUE = timedelta(days=7)


def unrecorded_key(session_id: str) -> str:
    return f"attendance_unrecorded:{session_id}"


class PeerGroupActivities:
    """Sessions, attendance checks and the tasks they raise; each call is idempotent."""

    def __init__(self, pool: DatabasePool) -> None:
        self._pool = pool

    @activity.defn
    async def plan_group_session(self, plan: SessionPlan) -> PlannedSession:
        """The session's row (once per group and start)."""
        async with self._pool.acquire() as conn:
            session_id = await groups.plan_session(conn, plan.group_id, plan.starts_at)
        return PlannedSession(
            session_id=session_id,
            starts_at=plan.starts_at,
            ends_at=plan.starts_at + timedelta(minutes=plan.duration_minutes),
        )

    @activity.defn
    async def cancel_group_session(self, session_id: str) -> None:
        """A planned session that will not be held (the schedule changed, the group ended)."""
        async with self._pool.acquire() as conn:
            await groups.cancel_session(conn, session_id)

    @activity.defn
    async def check_group_attendance(self, check: AttendanceCheck) -> PeerAttendanceResult:
        """Once the facilitator has recorded a session: each current member absent from their
        last `absent_in_a_row` sessions becomes a member_absent task for the facilitator, and
        the coordinators' attendance_unrecorded task for it is done. Not recorded and overdue:
        the coordinators get attendance_unrecorded."""
        async with self._pool.acquire() as conn, conn.transaction():
            group = await groups.group(conn, check.group_id)
            if group is None:
                return PeerAttendanceResult(recorded=False)
            if not await groups.attendance_recorded(conn, check.session_id):
                opened = None
                if check.overdue:
                    opened = await groups.open_task(
                        conn,
                        kind="attendance_unrecorded",
                        group_id=check.group_id,
                        organisation_id=group.organisation_id,
                        session_id=check.session_id,
                        dedupe_key=unrecorded_key(check.session_id),
                        due_at=check.due_at,
                    )
                return PeerAttendanceResult(recorded=False, task_opened=opened is not None)
            await groups.close_task_by_key(conn, unrecorded_key(check.session_id), "system")
            absent = await groups.absent_in_a_row(
                conn, check.group_id, check.session_id, group.absent_in_a_row
            )
            for member_id in absent:
                await groups.open_task(
                    conn,
                    kind="member_absent",
                    group_id=check.group_id,
                    organisation_id=group.organisation_id,
                    session_id=check.session_id,
                    dedupe_key=f"member_absent:{member_id}:{check.session_id}",
                    due_at=check.due_at + ABSENT_TASK_DUE,
                    assigned_to=group.facilitator_id,
                    member_id=member_id,
                )
        log.info(
            "peer group attendance checked",
            group_id=check.group_id,
            session_id=check.session_id,
            absent_in_a_row=len(absent),
        )
        return PeerAttendanceResult(recorded=True, absent_in_a_row=tuple(absent))
