"""Course terms on a time-skipping server of their own: a whole term with a citizen who has an
episode (the course milestone lands on it), a relative, one absent twice in a row (a follow-up
for the teaching peer) and one on the waiting list who moves up when someone cancels;
reminders a day before each session; a cancelled session and a cancelled term told to
everyone enrolled; attendance nobody records chased to the teaching peer, then the
coordinators.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records the whole term for the replay test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.messages import link, render
from activities.notifications import TOO_LATE_AFTER_QUIET_HOURS
from command.synthetic.driver import start
from command.synthetic.referral import referral
from command.synthetic.roster import Roster, make_roster
from db import courses, outbox
from db.outbox import Queued
from db.pool import DatabasePool
from schemas.courses import (
    EnrolledBy,
    EnrolmentChanged,
    EnrolmentStatus,
    NewParticipant,
    ParticipantKind,
    TermView,
    participant_user_id,
    term_workflow_id,
)
from schemas.notifications import Channel, DeliveryStatus, Notification, Template
from schemas.people import Recipient, Role
from schemas.programme import MilestoneKind
from tests.activities.citizens import citizen_episode, quiet_later, quiet_now
from tests.builders import course_term
from tests.conftest import SmtpServer
from tests.test_keys import TEST_CONVERTER
from workers.course_starter import ensure_term_workflow
from workflows.course_term import CourseTermWorkflow

HISTORIES = Path(__file__).parent / "histories" / "course_term"
WARD = EnrolledBy(role="ward", actor_id="ward-staff")
SESSION = timedelta(hours=2)


@pytest.fixture(scope="module")
def env(own_env: WorkflowEnvironment, own_worker: Worker) -> WorkflowEnvironment:
    return own_env


@dataclass
class Term:
    env: WorkflowEnvironment
    pool: DatabasePool
    roster: Roster
    term_id: str
    sessions: list[str]
    starts: list[datetime]
    emails: dict[str, str] = field(default_factory=dict)

    @property
    def handle(self) -> WorkflowHandle[CourseTermWorkflow, None]:
        return self.env.client.get_workflow_handle_for(
            CourseTermWorkflow.run, term_workflow_id(self.term_id)
        )

    @property
    def teacher(self) -> str:
        return self.roster.peers[0]

    @property
    def who(self) -> courses.Actor:
        return courses.Actor(role="peer", actor_id=self.teacher)

    async def until(self, check: Callable[[TermView], bool]) -> TermView:
        for _ in range(600):
            view = await self.handle.query(CourseTermWorkflow.view)
            if check(view):
                return view
            await asyncio.sleep(0.05)
        raise AssertionError(f"the term never got there: {view}")

    async def participant(
        self, kind: ParticipantKind = ParticipantKind.RELATIVE, episode_id: str | None = None
    ) -> str:
        email = f"course-{uuid.uuid4().hex[:10]}@example.org"
        async with self.pool.acquire() as conn:
            participant_id = await courses.create_participant(
                conn,
                NewParticipant(
                    display_name="Course Participant",
                    email=email,
                    kind=kind,
                    episode_id=episode_id,
                    consent_at=await self.env.get_current_time(),
                ),
            )
        self.emails[participant_id] = email
        return participant_id

    async def enrol(self, participant_id: str) -> EnrolmentStatus:
        async with self.pool.acquire() as conn:
            return (await courses.enrol(conn, self.term_id, participant_id, WARD)).status

    async def skip_to(self, at: datetime) -> None:
        await self.env.sleep(at - await self.env.get_current_time())

    async def held(self, index: int, absent: tuple[str, ...] = ()) -> None:
        """Just after session `index` ends the teaching peer records who came (everybody
        enrolled but `absent`) and tells the workflow, as the page does."""
        await self.skip_to(self.starts[index] + SESSION + timedelta(minutes=5))
        session_id = self.sessions[index]
        await self.until(lambda v: any(f.session_id == session_id for f in v.following))
        async with self.pool.acquire() as conn:
            present = {p: p not in absent for p in await courses.enrolled(conn, self.term_id)}
            await courses.record_attendance(conn, session_id, present, self.who)
        await self.handle.signal(CourseTermWorkflow.attendance_recorded, session_id)
        await self.until(lambda v: session_id in v.sessions_done)

    async def sent_to(self, template: str) -> set[str]:
        """The participants (or users) an outbox row of `template` for this term was sent to."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT DISTINCT user_id FROM outbox WHERE template = $1 AND status = 'sent'"
                " AND (recipient_id = $2 OR params->>'term_id' = $2)",
                template,
                self.term_id,
            )
        return {str(r["user_id"]).removeprefix("participant:") for r in rows}

    async def statuses(self, notification_id: str, user_id: str) -> set[tuple[str, str | None]]:
        """(status, last_error) of each of a notification's rows to one reader."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT status, last_error FROM outbox WHERE notification_id = $1 AND user_id = $2",
                notification_id,
                user_id,
            )
        return {(r["status"], r["last_error"]) for r in rows}

    async def rows_of(self, notification_id: str) -> int:
        async with self.pool.acquire() as conn:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM outbox WHERE notification_id = $1", notification_id
            )
        return count


async def new_term(
    env: WorkflowEnvironment,
    pool: DatabasePool,
    *,
    sessions: int = 3,
    seats: int = 4,
    sessions_to_complete: int = 2,
) -> Term:
    """A recovery-college course of the roster's organisation and a term of weekly sessions
    from three days from now, co-taught by the roster's first peer (not opened yet)."""
    roster = await make_roster(pool, peers=1)
    first = (await env.get_current_time()).replace(microsecond=0) + timedelta(days=3)
    starts = [first + timedelta(weeks=n) for n in range(sessions)]
    who = courses.Actor(role="coordinator", actor_id=roster.coordinator)
    async with pool.acquire() as conn:
        term_id = await course_term(
            conn,
            who,
            roster.organisation_id,
            starts,
            length=SESSION,
            seats=seats,
            teachers=(roster.peers[0],),
            sessions_to_complete=sessions_to_complete,
        )
        session_ids = [s.session_id for s in await courses.sessions(conn, term_id)]
    return Term(env, pool, roster, term_id, session_ids, starts)


async def open_term(term: Term, queue: str) -> None:
    async with term.pool.acquire() as conn:
        assert await courses.open_term(conn, term.term_id, term.who)
    await ensure_term_workflow(term.env.client, term.term_id, task_queue=queue)


async def _episode_row(pool: DatabasePool, episode_id: str) -> None:
    for _ in range(400):
        if await pool.fetchval("SELECT 1 FROM episodes WHERE episode_id = $1", episode_id):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the episode never reached the read model")


async def _milestone_applied(pool: DatabasePool, episode_id: str, event_id: str) -> None:
    """The episode applied the course milestone (its read model has it) through the event
    path the API uses."""
    for _ in range(400):
        milestones = await pool.fetchval(
            "SELECT milestones FROM episodes WHERE episode_id = $1", episode_id
        )
        if MilestoneKind.COURSE_ATTENDANCE.value in (milestones or []):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the course milestone never reached the episode")
    status = await pool.fetchval("SELECT status FROM events_received WHERE event_id = $1", event_id)
    assert status == "applied"


async def test_a_whole_term(
    env: WorkflowEnvironment, db_pool: DatabasePool, own_queue: str, smtp_server: SmtpServer
) -> None:
    term = await new_term(env, db_pool)
    episode = await start(env, db_pool, term.roster, own_queue, referral(term.roster))
    await _episode_row(db_pool, episode.id)

    citizen = await term.participant(ParticipantKind.CITIZEN, episode_id=episode.id)
    relative = await term.participant()
    absent = await term.participant()
    leaver = await term.participant()
    waiter = await term.participant()
    for person in (citizen, relative, absent, leaver):
        assert await term.enrol(person) == EnrolmentStatus.ENROLLED
    assert await term.enrol(waiter) == EnrolmentStatus.WAITING
    assert await term.enrol(citizen) == EnrolmentStatus.ENROLLED, "a retried enrolment"
    await open_term(term, own_queue)

    # Someone cancels: the first on the waiting list takes the seat and is told.
    async with db_pool.acquire() as conn:
        result = await courses.cancel_enrolment(conn, term.term_id, leaver, term.who)
    assert result.moved_up == waiter
    await term.handle.signal(
        CourseTermWorkflow.enrolment_changed, EnrolmentChanged(moved_up=(waiter,))
    )
    seat = f"course-seat:{term.term_id}:{waiter}"
    await term.until(lambda v: True)
    for _ in range(200):
        if waiter in await term.sent_to("course_seat_offered"):
            break
        await asyncio.sleep(0.05)
    assert await term.sent_to("course_seat_offered") == {waiter}
    assert await term.rows_of(seat) == 1

    # The reminder goes a day before the session, to everyone holding a seat then.
    reminder = f"course-reminder:{term.sessions[0]}:24h"
    await term.skip_to(term.starts[0] - timedelta(hours=24, minutes=10))
    await term.until(lambda v: True)
    assert await term.rows_of(reminder) == 0, "no reminder before its time"
    await term.skip_to(term.starts[0] - timedelta(hours=23))
    await term.until(lambda v: f"{term.sessions[0]}:24" in v.reminders_sent)
    for _ in range(200):
        if len(await term.sent_to("course_session_reminder")) == 4:
            break
        await asyncio.sleep(0.05)
    assert await term.sent_to("course_session_reminder") == {citizen, relative, absent, waiter}
    assert len(smtp_server.mailbox.to(term.emails[waiter])) == 2  # the seat and the reminder
    assert not smtp_server.mailbox.to(term.emails[leaver])

    # Absent from the first two sessions: a follow-up for the teaching peer.
    await term.held(0, absent=(absent,))
    await term.held(1, absent=(absent,))
    view = await term.until(lambda v: v.follow_ups == 1)
    async with db_pool.acquire() as conn:
        tasks = await courses.teacher_tasks(conn, term.teacher)
    assert [(t.kind.value, t.participant_id) for t in tasks] == [("participant_absent", absent)]
    assert await term.sent_to("course_follow_up") == {term.teacher}

    # The last session, then completion: two sessions attended are enough.
    await term.held(2, absent=(absent,))
    view = await term.until(lambda v: v.completed)
    assert view.sessions_done == tuple(term.sessions)
    await term.handle.result()
    async with db_pool.acquire() as conn:
        statuses = {
            e.participant_id: e.status for e in await courses.enrolments(conn, term.term_id)
        }
        found = await courses.term(conn, term.term_id)
    assert statuses == {
        citizen: EnrolmentStatus.COMPLETED,
        relative: EnrolmentStatus.COMPLETED,
        waiter: EnrolmentStatus.COMPLETED,
        absent: EnrolmentStatus.ENROLLED,
        leaver: EnrolmentStatus.CANCELLED,
    }
    assert found is not None and found.status == "closed"
    assert await term.sent_to("course_completed") == {citizen, relative, waiter}
    await _milestone_applied(db_pool, episode.id, f"course-completed:{term.term_id}:{citizen}")
    await _record_or_replay(await term.handle.fetch_history())


async def test_a_cancelled_session_and_term_are_told_to_everyone_enrolled(
    env: WorkflowEnvironment, db_pool: DatabasePool, own_queue: str
) -> None:
    term = await new_term(env, db_pool, sessions=2, seats=2)
    first, second, waiting = [await term.participant() for _ in range(3)]
    for person in (first, second, waiting):
        await term.enrol(person)
    await open_term(term, own_queue)

    async with db_pool.acquire() as conn:
        assert await courses.cancel_session(conn, term.sessions[0], term.who)
    await term.handle.signal(CourseTermWorkflow.session_cancelled, term.sessions[0])
    await term.until(lambda v: bool(v.sessions) and v.sessions[0].cancelled)
    for _ in range(200):
        if len(await term.sent_to("course_session_cancelled")) == 2:
            break
        await asyncio.sleep(0.05)
    assert await term.sent_to("course_session_cancelled") == {first, second}

    # No reminder for the cancelled session; the other is still reminded.
    await term.skip_to(term.starts[1] - timedelta(hours=23))
    await term.until(lambda v: f"{term.sessions[1]}:24" in v.reminders_sent)
    assert await term.rows_of(f"course-reminder:{term.sessions[0]}:24h") == 0

    async with db_pool.acquire() as conn:
        assert await courses.cancel_term(conn, term.term_id, term.who)
    await term.handle.signal(CourseTermWorkflow.term_cancelled)
    await term.handle.result()
    assert await term.sent_to("course_term_cancelled") == {first, second, waiting}
    described = await term.handle.describe()
    assert described.status == WorkflowExecutionStatus.COMPLETED


async def test_a_citizens_reminder_waits_out_their_quiet_hours(
    env: WorkflowEnvironment, db_pool: DatabasePool, own_queue: str
) -> None:
    """The reminder reaches the citizen taking part when their quiet hours end (the relative
    at its time); one whose quiet hours do not end (tried every five minutes, six times) is
    let pass, saying so. Delivery reads the wall clock and the term its own, days ahead of it:
    the test moves the quiet hours around the wall clock."""
    term = await new_term(env, db_pool, sessions=2)
    citizen = await citizen_episode(db_pool)
    await citizen.choose_quiet_hours(quiet_now())
    taking = await term.participant(ParticipantKind.CITIZEN, episode_id=citizen.episode_id)
    relative = await term.participant()
    for person in (taking, relative):
        await term.enrol(person)
    await open_term(term, own_queue)
    me = participant_user_id(taking)

    first = f"course-reminder:{term.sessions[0]}:24h"
    await term.skip_to(term.starts[0] - timedelta(hours=24, minutes=-2))
    await term.until(lambda v: first in v.reminders_deferred)
    assert await term.statuses(first, me) == {("pending", None)}
    assert await term.sent_to("course_session_reminder") == {relative}

    await citizen.choose_quiet_hours(quiet_later())
    await term.skip_to(term.starts[0] - timedelta(hours=24, minutes=-10))
    await term.until(lambda v: first not in v.reminders_deferred)
    assert await term.statuses(first, me) == {("sent", None)}

    # Still in quiet hours at every try: let pass before the session, the reason on the row.
    await citizen.choose_quiet_hours(quiet_now())
    second = f"course-reminder:{term.sessions[1]}:24h"
    await term.skip_to(term.starts[1] - timedelta(hours=24, minutes=-2))
    await term.until(lambda v: second in v.reminders_deferred)
    await term.skip_to(term.starts[1] - timedelta(hours=23))
    await term.until(lambda v: second not in v.reminders_deferred)
    assert await term.statuses(second, me) == {("skipped", TOO_LATE_AFTER_QUIET_HOURS)}
    assert await term.rows_of(second) == 2  # one e-mail row to each of the two
    await _record_or_replay(await term.handle.fetch_history(), "-quiet-hours")


async def test_attendance_nobody_records_goes_to_the_peer_then_the_coordinators(
    env: WorkflowEnvironment, db_pool: DatabasePool, own_queue: str
) -> None:
    term = await new_term(env, db_pool, sessions=1, sessions_to_complete=1)
    person = await term.participant()
    await term.enrol(person)
    await open_term(term, own_queue)
    session_id = term.sessions[0]
    ended = term.starts[0] + SESSION

    await term.skip_to(ended + timedelta(hours=49))
    await term.until(lambda v: any(f.step == 1 for f in v.following))
    async with db_pool.acquire() as conn:
        tasks = await courses.term_tasks(conn, term.term_id)
    assert [(t.kind.value, t.escalated_at) for t in tasks] == [("attendance_unrecorded", None)]
    assert await term.sent_to("course_attendance_due") == {term.teacher}
    assert await term.sent_to("course_attendance_escalated") == set()

    await term.skip_to(ended + timedelta(hours=97))
    await term.until(lambda v: any(f.step == 2 for f in v.following))
    assert await term.sent_to("course_attendance_escalated") == {term.roster.coordinator}

    # Recorded late: the task is done and the term completes.
    async with db_pool.acquire() as conn:
        await courses.record_attendance(conn, session_id, {person: True}, term.who)
    await term.handle.signal(CourseTermWorkflow.attendance_recorded, session_id)
    await term.until(lambda v: v.completed)
    async with db_pool.acquire() as conn:
        assert await courses.term_tasks(conn, term.term_id) == []
        done = await courses.enrolment(conn, term.term_id, person)
    assert done is not None and done.status == EnrolmentStatus.COMPLETED


async def test_the_outbox_reads_a_participants_address_who_is_no_user(
    env: WorkflowEnvironment, db_pool: DatabasePool
) -> None:
    """A row addressed to 'participant:<id>' is sent to the address in course_participants;
    once the participant is gone (erased) it is skipped like an inactive user's."""
    term = await new_term(env, db_pool, sessions=1)
    person = await term.participant()
    user_id = participant_user_id(person)
    notice = Notification(
        notification_id=f"course-test-{uuid.uuid4().hex}",
        recipient=Recipient(role=Role.SYSTEM, id=term.term_id),
        template=Template.COURSE_COMPLETED,
        created_at=await env.get_current_time(),
    )
    async with db_pool.acquire() as conn:
        row = Queued(user_id=user_id, channel=Channel.EMAIL, status=DeliveryStatus.PENDING)
        await outbox.queue(conn, notice, [row])
        async with conn.transaction():
            claimed = await outbox.claim(conn, notice.notification_id, user_id, Channel.EMAIL)
        assert claimed is not None and claimed.active
        assert (claimed.email, claimed.phone) == (term.emails[person], None)
        await conn.execute("DELETE FROM course_participants WHERE participant_id = $1", person)
        async with conn.transaction():
            claimed = await outbox.claim(conn, notice.notification_id, user_id, Channel.EMAIL)
        assert claimed is not None and not claimed.active and claimed.email is None


async def _record_or_replay(history: WorkflowHistory, case: str = "") -> None:
    """This run and every stored one replay on the current code (`case` names a run that is
    not the whole term in the recorded file's name)."""
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        HISTORIES.mkdir(parents=True, exist_ok=True)
        recorded_as = HISTORIES / f"course-term.{label}{case}.json"
        recorded_as.write_text(history.to_json(), encoding="utf-8")
    replayer = Replayer(workflows=[CourseTermWorkflow], data_converter=TEST_CONVERTER)
    await replayer.replay_workflow(history)
    for path in sorted(HISTORIES.glob("*.json")):
        recorded = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
        await replayer.replay_workflow(recorded)


def test_a_participants_reminder_says_what_when_and_where_in_danish_and_english() -> None:
    """No login link for someone without a login; the time in Copenhagen time."""
    message = render(
        Template.COURSE_SESSION_REMINDER,
        link("https://hverdagsbro.test", None, None, Template.COURSE_SESSION_REMINDER),
        None,
        {
            "title": "Recovery and everyday life",
            "title_da": "Recovery og hverdagsliv",
            "place": "Recovery school, room 2",
            "starts_at": "2031-03-03T16:00:00+00:00",
            "ends_at": "2031-03-03T18:00:00+00:00",
        },
    )
    assert "Kursus: Recovery og hverdagsliv" in message.body
    assert "Tid: mandag den 3. marts 2031 kl. 17.00-19.00" in message.body
    assert "Time: Monday 3 March 2031, 17:00-19:00" in message.body
    assert "Sted: Recovery school, room 2" in message.body
    assert "Log ind" not in message.body and "http" not in message.body
    assert message.sms.startswith("Påmindelse: Du er tilmeldt en kursusgang: Recovery og")


def test_a_teaching_peers_notice_opens_their_teaching_page() -> None:
    url = link("https://hverdagsbro.test", None, None, Template.COURSE_FOLLOW_UP)
    assert url == "https://hverdagsbro.test/courses/teaching"
    escalated = Template.COURSE_ATTENDANCE_ESCALATED
    assert link("https://hverdagsbro.test", None, None, escalated).endswith("/courses")
    message = render(Template.COURSE_FOLLOW_UP, url, None, {"term_id": "ct-1"})
    assert url in message.body and "ct-1" not in message.body
