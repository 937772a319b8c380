"""Supervision: the group workflow's sessions and attendance checks, the coordinator's roster
tasks about them, and the extra supervision offered to a peer after a hard ending."""

from __future__ import annotations

from datetime import timedelta

import structlog
from temporalio import activity
from temporalio.service import RPCError, RPCStatusCode

from db import roster_tasks
from db import supervision as groups
from db.pool import DatabasePool
from schemas.roster import RosterTaskKind
from schemas.supervision import (
    AttendanceCheck,
    AttendanceResult,
    ExtraRequest,
    ExtraSupervisionRequest,
    ExtraSupervisionResult,
    PlannedSession,
    SessionKind,
    SessionPlan,
    group_workflow_id,
)

log = structlog.get_logger(__name__)

# The group workflow's signal for an extra session (by name: the workflow imports this module).
REQUEST_EXTRA_SIGNAL = "request_extra"
# How long a coordinator has for a supervision_missed task.
MISSED_TASK_DUE = timedelta(days=7)


def unrecorded_key(session_id: str) -> str:
    return f"attendance_unrecorded:{session_id}"


class SupervisionActivities:
    """Sessions, attendance checks and the tasks they raise; each call is idempotent."""

    def __init__(self, pool: DatabasePool) -> None:
        self._pool = pool

    @activity.defn
    async def plan_session(self, plan: SessionPlan) -> PlannedSession:
        """The session's row (once per group, start and kind)."""
        async with self._pool.acquire() as conn:
            session_id = await groups.plan_session(conn, plan)
        return PlannedSession(
            session_id=session_id,
            starts_at=plan.starts_at,
            ends_at=plan.starts_at + timedelta(minutes=plan.duration_minutes),
            kind=plan.kind,
            for_peer_id=plan.for_peer_id,
        )

    @activity.defn
    async def cancel_session(self, session_id: str) -> None:
        """A planned session that will not be held (the schedule changed, the group ended)."""
        async with self._pool.acquire() as conn:
            await groups.cancel_session(conn, session_id)

    @activity.defn
    async def check_attendance(self, check: AttendanceCheck) -> AttendanceResult:
        """Once the supervisor has recorded a session: members who missed this and the
        regular session before it become a supervision_missed task each, and an
        attendance_unrecorded task for it is done. Not recorded and overdue: the
        coordinator gets attendance_unrecorded."""
        async with self._pool.acquire() as conn, conn.transaction():
            if not await groups.attendance_recorded(conn, check.session_id):
                opened = None
                if check.overdue:
                    opened = await roster_tasks.open_task(
                        conn,
                        kind=RosterTaskKind.ATTENDANCE_UNRECORDED,
                        organisation_id=check.organisation_id,
                        group_id=check.group_id,
                        dedupe_key=unrecorded_key(check.session_id),
                        due_at=check.due_at,
                        detail={"session_id": check.session_id},
                    )
                return AttendanceResult(recorded=False, task_opened=opened is not None)
            await groups.close_task_by_key(conn, unrecorded_key(check.session_id), "system")
            if check.kind != SessionKind.REGULAR:
                return AttendanceResult(recorded=True)
            missed = await groups.missed_twice(conn, check.group_id, check.session_id)
            for peer_id in missed:
                await roster_tasks.open_task(
                    conn,
                    kind=RosterTaskKind.SUPERVISION_MISSED,
                    organisation_id=check.organisation_id,
                    peer_id=peer_id,
                    group_id=check.group_id,
                    dedupe_key=f"supervision_missed:{peer_id}:{check.session_id}",
                    due_at=check.due_at + MISSED_TASK_DUE,
                    detail={"session_id": check.session_id},
                )
        log.info(
            "supervision attendance checked",
            group_id=check.group_id,
            session_id=check.session_id,
            missed_twice=len(missed),
        )
        return AttendanceResult(recorded=True, missed_twice=tuple(missed))

    @activity.defn
    async def request_extra_supervision(
        self, request: ExtraSupervisionRequest
    ) -> ExtraSupervisionResult:
        """After a hard ending: an extra_supervision task for the peer's organisation (once
        per episode), and an extra session in each of the peer's active groups."""
        async with self._pool.acquire() as conn:
            organisation_id = await groups.peer_organisation(conn, request.peer_id)
            if organisation_id is None:
                return ExtraSupervisionResult(task_opened=False)
            opened = await roster_tasks.open_task(
                conn,
                kind=RosterTaskKind.EXTRA_SUPERVISION,
                organisation_id=organisation_id,
                peer_id=request.peer_id,
                dedupe_key=f"extra_supervision:{request.episode_id}",
                due_at=request.due_at,
                detail={"episode_id": request.episode_id, "ending": request.ending.value},
            )
            group_ids = await groups.peer_groups(conn, request.peer_id)
        told = []
        extra = ExtraRequest(request_key=request.episode_id, peer_id=request.peer_id)
        for group_id in group_ids:
            handle = activity.client().get_workflow_handle(group_workflow_id(group_id))
            try:
                await handle.signal(REQUEST_EXTRA_SIGNAL, extra)
            except RPCError as err:
                if err.status != RPCStatusCode.NOT_FOUND:
                    raise
                # The group's workflow is not running (made sure of at the next worker start);
                # the coordinator's task still offers the extra supervision.
                log.warning("supervision group workflow not found", group_id=group_id)
                continue
            told.append(group_id)
        log.info(
            "extra supervision requested",
            episode_id=request.episode_id,
            peer_id=request.peer_id,
            groups=len(told),
        )
        return ExtraSupervisionResult(task_opened=opened is not None, groups_told=tuple(told))
