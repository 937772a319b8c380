"""Course terms: what the term workflow's activities read and write — its plan, the notices to
participants (reminders, cancellations, a seat offered, completion) and to the teaching peers
and their coordinators (attendance due, a participant to follow up), completion and the course
milestone on a citizen's episode. Each call is idempotent (notification and event ids come from
the term, session and participant ids); notices are queued here and delivered by the Notifier.
Personal data stays in PostgreSQL: only ids pass through here and the workflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from temporalio import activity
from temporalio.service import RPCError, RPCStatusCode

from activities.episode_store import queue_notification
from db import courses, outbox
from db.connection import PooledConnection
from db.events_received import DELIVERED, mark_signalled, record_event
from db.outbox import Queued
from db.pool import DatabasePool
from schemas.courses import (
    AttendanceCheck,
    AttendanceOutcome,
    CourseTaskKind,
    MilestoneRequest,
    Notices,
    ReminderRequest,
    SeatOffered,
    SessionCancelledNotice,
    TermCompleted,
    TermPlan,
    participant_user_id,
)
from schemas.events import MilestonePayload, MilestoneReached
from schemas.notifications import Channel, DeliveryStatus, Notification, Template
from schemas.people import SYSTEM, Recipient, Role
from schemas.programme import MilestoneKind

log = structlog.get_logger(__name__)

# The episode workflow's signal for an event (by name: workflows import activities).
RECORD_EVENT_SIGNAL = "record_event"
# Recipient.service of a notice to a term's participants (who are no users).
PARTICIPANTS = "course-participants"
# How long a teaching peer has for a participant_absent task.
FOLLOW_UP_DUE = timedelta(days=7)
# The episode's milestone a completed course records, and its detail.
COURSE_MILESTONE = MilestoneKind.COURSE_ATTENDANCE
COURSE_MILESTONE_DETAIL = "course_completed"


def unrecorded_key(session_id: str) -> str:
    return f"course_attendance_unrecorded:{session_id}"


def milestone_event_id(term_id: str, participant_id: str) -> str:
    """The same on every retry, so the episode applies the milestone once."""
    return f"course-completed:{term_id}:{participant_id}"


class CourseActivities:
    """The term workflow's database work and notices; every call is idempotent."""

    def __init__(self, pool: DatabasePool, *, sms_enabled: bool = False) -> None:
        self._pool = pool
        self._sms_enabled = sms_enabled

    # ------------------------------------------------------------------ plan

    @activity.defn
    async def course_load_term(self, term_id: str) -> TermPlan | None:
        """The term's status and sessions (None: no such term)."""
        async with self._pool.acquire() as conn:
            return await courses.term_plan(conn, term_id)

    # ------------------------------------------------------------------ to participants

    @activity.defn
    async def course_remind_session(self, request: ReminderRequest) -> Notices:
        """Everyone enrolled now is reminded of the session (once per session and lead
        time); nothing when the session was cancelled meanwhile."""
        async with self._pool.acquire() as conn:
            found = await courses.session(conn, request.session_id)
            if found is None or found.status != "planned":
                return Notices()
            people = await courses.enrolled(conn, request.term_id)
            notice = await self._tell_participants(
                conn,
                f"course-reminder:{request.session_id}:{request.hours_before}h",
                Template.COURSE_SESSION_REMINDER,
                request.term_id,
                people,
                session_id=request.session_id,
            )
        return Notices(notifications=notice)

    @activity.defn
    async def course_notify_session_cancelled(self, notice: SessionCancelledNotice) -> Notices:
        """Everyone enrolled hears that the session is cancelled (once per session)."""
        async with self._pool.acquire() as conn:
            people = await courses.enrolled(conn, notice.term_id)
            told = await self._tell_participants(
                conn,
                f"course-session-cancelled:{notice.session_id}",
                Template.COURSE_SESSION_CANCELLED,
                notice.term_id,
                people,
                session_id=notice.session_id,
            )
        return Notices(notifications=told)

    @activity.defn
    async def course_notify_term_cancelled(self, term_id: str) -> Notices:
        """Everyone enrolled or waiting hears that the term is cancelled (once)."""
        async with self._pool.acquire() as conn:
            people = [
                e.participant_id
                for e in await courses.enrolments(conn, term_id)
                if e.status in ("enrolled", "waiting")
            ]
            told = await self._tell_participants(
                conn,
                f"course-term-cancelled:{term_id}",
                Template.COURSE_TERM_CANCELLED,
                term_id,
                people,
            )
        return Notices(notifications=told)

    @activity.defn
    async def course_offer_seats(self, offer: SeatOffered) -> Notices:
        """Participants moved up from the waiting list hear they have a seat (once each);
        one who has cancelled since is not told."""
        told: list[Notification] = []
        async with self._pool.acquire() as conn:
            holding = set(await courses.enrolled(conn, offer.term_id))
            for participant_id in offer.participant_ids:
                if participant_id not in holding:
                    continue
                told += await self._tell_participants(
                    conn,
                    f"course-seat:{offer.term_id}:{participant_id}",
                    Template.COURSE_SEAT_OFFERED,
                    offer.term_id,
                    [participant_id],
                )
        return Notices(notifications=tuple(told))

    async def _tell_participants(
        self,
        conn: PooledConnection,
        notification_id: str,
        template: Template,
        term_id: str,
        participant_ids: list[str],
        *,
        session_id: str | None = None,
    ) -> tuple[Notification, ...]:
        """One notification with a row per participant and channel (e-mail when they gave
        one, SMS when they gave a number and SMS is on); none when nobody can be reached."""
        params = await courses.term_texts(conn, term_id)
        if session_id is not None:
            found = await courses.session(conn, session_id)
            if found is not None:
                params |= {
                    "starts_at": found.starts_at.astimezone(UTC).isoformat(),
                    "ends_at": found.ends_at.astimezone(UTC).isoformat(),
                    "place": found.place,
                }
        rows: list[Queued] = []
        for participant_id, has_email, has_phone in await courses.reachable(conn, participant_ids):
            channels = [Channel.EMAIL] if has_email else []
            if has_phone and self._sms_enabled:
                channels.append(Channel.SMS)
            rows += [
                Queued(
                    user_id=participant_user_id(participant_id),
                    channel=channel,
                    status=DeliveryStatus.PENDING,
                )
                for channel in channels
            ]
        if not rows:
            return ()
        notification = Notification(
            notification_id=notification_id,
            recipient=Recipient(role=Role.SYSTEM, id=term_id, service=PARTICIPANTS),
            template=template,
            created_at=datetime.now(UTC),
            params=params,
        )
        await outbox.queue(conn, notification, rows)
        log.info(
            "course notice queued",
            notification_id=notification_id,
            term_id=term_id,
            template=template.value,
            rows=len(rows),
        )
        return (notification,)

    # ------------------------------------------------------------------ to teaching peers

    @activity.defn
    async def course_check_attendance(self, check: AttendanceCheck) -> AttendanceOutcome:
        """Recorded: the attendance task is done, and each participant absent from this and
        the session before it becomes a participant_absent task for the teaching peers, who
        are told. Not recorded: step 1 opens attendance_unrecorded and tells the teaching
        peers; step 2 tells the organisation's coordinators."""
        notices: list[Notification] = []
        async with self._pool.acquire() as conn, conn.transaction():
            teachers = await courses.teachers(conn, check.term_id)
            if not await courses.attendance_recorded(conn, check.session_id):
                key = unrecorded_key(check.session_id)
                if check.step == 1:
                    await courses.open_task(
                        conn,
                        kind=CourseTaskKind.ATTENDANCE_UNRECORDED,
                        term_id=check.term_id,
                        organisation_id=check.organisation_id,
                        session_id=check.session_id,
                        dedupe_key=key,
                        due_at=check.due_at,
                    )
                    for peer_id in teachers:
                        notices.append(
                            await self._tell_staff(
                                conn,
                                f"course-attendance-due:{check.session_id}:{peer_id}",
                                Template.COURSE_ATTENDANCE_DUE,
                                Recipient(role=Role.PEER, id=peer_id),
                                check,
                            )
                        )
                elif check.step == 2:
                    await courses.escalate_task(conn, key)
                    notices.append(
                        await self._tell_staff(
                            conn,
                            f"course-attendance-escalated:{check.session_id}",
                            Template.COURSE_ATTENDANCE_ESCALATED,
                            Recipient(role=Role.COORDINATOR, id=check.organisation_id),
                            check,
                        )
                    )
                return AttendanceOutcome(
                    recorded=False, notices=Notices(notifications=tuple(notices))
                )
            await courses.close_task_by_key(conn, unrecorded_key(check.session_id), "system")
            missed = await courses.missed_twice(conn, check.term_id, check.session_id)
            for participant_id in missed:
                opened = await courses.open_task(
                    conn,
                    kind=CourseTaskKind.PARTICIPANT_ABSENT,
                    term_id=check.term_id,
                    organisation_id=check.organisation_id,
                    session_id=check.session_id,
                    participant_id=participant_id,
                    dedupe_key=f"course_participant_absent:{participant_id}:{check.session_id}",
                    due_at=check.due_at + FOLLOW_UP_DUE,
                )
                if opened is None:
                    continue
                for peer_id in teachers:
                    notices.append(
                        await self._tell_staff(
                            conn,
                            f"course-follow-up:{check.session_id}:{participant_id}:{peer_id}",
                            Template.COURSE_FOLLOW_UP,
                            Recipient(role=Role.PEER, id=peer_id),
                            check,
                        )
                    )
        log.info(
            "course attendance checked",
            term_id=check.term_id,
            session_id=check.session_id,
            missed_twice=len(missed),
        )
        return AttendanceOutcome(
            recorded=True, missed_twice=tuple(missed), notices=Notices(notifications=tuple(notices))
        )

    async def _tell_staff(
        self,
        conn: PooledConnection,
        notification_id: str,
        template: Template,
        recipient: Recipient,
        check: AttendanceCheck,
    ) -> Notification:
        """A notice to users (inbox, e-mail, SMS as for every notice): ids only."""
        notice = Notification(
            notification_id=notification_id,
            recipient=recipient,
            template=template,
            created_at=datetime.now(UTC),
            params={"term_id": check.term_id, "session_id": check.session_id},
        )
        await queue_notification(conn, notice, sms_enabled=self._sms_enabled)
        return notice

    # ------------------------------------------------------------------ the end

    @activity.defn
    async def course_complete_term(self, term_id: str) -> TermCompleted:
        """Enrolled participants who attended enough are completed and told; the term is
        closed. Retried, it completes nobody twice and queues the same notice."""
        async with self._pool.acquire() as conn:
            completion = await courses.complete_term(conn, term_id)
            done = [c.participant_id for c in completion.completed]
            told = await self._tell_participants(
                conn, f"course-completed:{term_id}", Template.COURSE_COMPLETED, term_id, done
            )
        log.info(
            "course term completed",
            term_id=term_id,
            completed=len(done),
            not_completed=completion.not_completed,
        )
        return TermCompleted(completion=completion, notices=Notices(notifications=told))

    @activity.defn
    async def course_record_milestone(self, request: MilestoneRequest) -> bool:
        """The course milestone on the citizen's episode, through the same path as an event
        from the API: kept in events_received, then signalled to the episode. False when the
        episode has ended (nobody can apply it any more)."""
        event = MilestoneReached(
            event_id=milestone_event_id(request.term_id, request.participant_id),
            occurred_at=request.occurred_at,
            actor=SYSTEM,
            payload=MilestonePayload(kind=COURSE_MILESTONE, detail=COURSE_MILESTONE_DETAIL),
        )
        async with self._pool.acquire() as conn:
            earlier = await record_event(
                conn, event, source="course", status="received", episode_id=request.episode_id
            )
        if earlier in DELIVERED:
            return True
        handle = activity.client().get_workflow_handle(request.episode_id)
        try:
            await handle.signal(RECORD_EVENT_SIGNAL, event)
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
            log.warning(
                "course milestone not recorded: episode ended",
                term_id=request.term_id,
                episode_id=request.episode_id,
            )
            return False
        async with self._pool.acquire() as conn:
            await mark_signalled(conn, [event.event_id])
        log.info(
            "course milestone signalled", term_id=request.term_id, episode_id=request.episode_id
        )
        return True
