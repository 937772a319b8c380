"""Course notices reach participants, who are no users: by e-mail when they gave an address,
by SMS when they gave a number (and SMS is on), each once however often the activity runs;
the text names the course, the time and the place, never the participant. A participant who
is the citizen of an episode gets them as that citizen's message choices allow, read at
delivery."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from activities.courses import CourseActivities
from activities.notifications import (
    OPTED_OUT,
    TOO_LATE_AFTER_QUIET_HOURS,
    EmailSender,
    Notifier,
    SmsSender,
)
from db import citizen_preferences, courses
from db.pool import DatabasePool
from schemas.citizen_messages import PreferredChannel
from schemas.courses import (
    EnrolledBy,
    NewParticipant,
    ParticipantKind,
    ReminderRequest,
    SessionCancelledNotice,
    participant_user_id,
)
from schemas.notifications import DeliveryStatus, Notification
from tests.activities.builders import Roster
from tests.activities.citizens import CitizenEpisode, citizen_episode, quiet_later, quiet_now
from tests.activities.conftest import SmsGateway
from tests.activities.test_notifications import text_of
from tests.builders import course_term
from tests.conftest import SmtpServer

WHO = courses.Actor(role="coordinator", actor_id="coordinator-1")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_a_reminder_goes_by_email_and_sms_once_and_names_no_one(
    db_pool: DatabasePool,
    roster: Roster,
    smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
    http: httpx.AsyncClient,
) -> None:
    start = datetime(2031, 3, 3, 16, 0, tzinfo=UTC)
    org = await roster.organisation()
    name = f"Named{uuid.uuid4().hex[:8]}"
    email = f"{name.lower()}@example.org"
    async with db_pool.acquire() as conn:
        term_id = await course_term(
            conn,
            WHO,
            org,
            [start],
            length=timedelta(hours=3),
            programme="ark-course",
            title=("ARK: mental health first aid", "ARK: førstehjælp ved psykisk sygdom"),
            place="Town hall, room 4",
            participant_kinds=(ParticipantKind.STAFF, ParticipantKind.STUDENT),
            opened=True,
        )
        by_email = await courses.create_participant(
            conn,
            NewParticipant(
                display_name=name,
                email=email,
                kind=ParticipantKind.STAFF,
                consent_at=datetime.now(UTC),
            ),
        )
        by_phone = await courses.create_participant(
            conn,
            NewParticipant(
                display_name=name,
                phone="+45 87654321",
                kind=ParticipantKind.STUDENT,
                consent_at=datetime.now(UTC),
            ),
        )
        for person in (by_email, by_phone):
            await courses.enrol(conn, term_id, person, EnrolledBy(role="self"))
        session_id = (await courses.sessions(conn, term_id))[0].session_id

    work = CourseActivities(db_pool, sms_enabled=True)
    request = ReminderRequest(term_id=term_id, session_id=session_id, hours_before=24)
    notices = await work.course_remind_session(request)
    again = await work.course_remind_session(request)
    assert [n.notification_id for n in notices.notifications] == [
        n.notification_id for n in again.notifications
    ]
    (notice,) = notices.notifications
    assert name not in str(notice.params) and email not in str(notice.params)

    email_sender = EmailSender(smtp_server.host, smtp_server.port, "kursus@kommune.test", timeout=5)
    notifier = Notifier(db_pool, email_sender, SmsSender(sms_gateway.url, http), "http://h.test")
    delivery = await notifier.deliver_notification(notice)
    await notifier.deliver_notification(notice)
    assert {d.status for d in delivery.deliveries} == {DeliveryStatus.SENT}
    async with db_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT user_id, channel FROM outbox WHERE notification_id = $1 ORDER BY channel",
            notice.notification_id,
        )
    assert [(r["user_id"], r["channel"]) for r in rows] == [
        (participant_user_id(by_email), "email"),
        (participant_user_id(by_phone), "sms"),
    ]

    (mail,) = smtp_server.mailbox.to(email)
    body = text_of(mail)
    assert "ARK: førstehjælp ved psykisk sygdom" in body
    assert "Tid: mandag den 3. marts 2031 kl. 17.00-20.00" in body
    assert "Sted: Town hall, room 4" in body
    assert name not in body
    (sms,) = sms_gateway.accepted()
    assert sms["to"] == "+45 87654321"
    assert "mandag den 3. marts 2031 kl. 17.00-20.00" in sms["text"] and name not in sms["text"]


@dataclass
class Taking:
    """A participant enrolled in the term, with the address and number they gave."""

    participant_id: str
    email: str
    phone: str

    @property
    def user_id(self) -> str:
        return participant_user_id(self.participant_id)


@dataclass
class CitizenOnCourse:
    """A term open to citizens and relatives with a session at each of `session_ids`, the
    citizen of an episode and someone else's relative enrolled in it."""

    term_id: str
    session_ids: list[str]
    citizen: CitizenEpisode
    as_citizen: Taking
    relative: Taking
    work: CourseActivities

    async def remind(self, session: int = 0, hours: int = 24) -> Notification:
        request = ReminderRequest(
            term_id=self.term_id, session_id=self.session_ids[session], hours_before=hours
        )
        (notice,) = (await self.work.course_remind_session(request)).notifications
        return notice

    async def choose_channel(self, channel: PreferredChannel) -> None:
        async with self.citizen.pool.acquire() as conn:
            await citizen_preferences.set_preferred_channel(
                conn, self.citizen.citizen_id, channel, self.citizen.me()
            )


async def taking(
    db_pool: DatabasePool, term_id: str, kind: ParticipantKind, episode_id: str | None = None
) -> Taking:
    tag = uuid.uuid4().hex[:8]
    email = f"deltager.{tag}@course.example"
    phone = f"+45 4{uuid.uuid4().int % 10**7:07d}"
    async with db_pool.acquire() as conn:
        participant_id = await courses.create_participant(
            conn,
            NewParticipant(
                display_name=f"Deltager{tag}",
                email=email,
                phone=phone,
                kind=kind,
                episode_id=episode_id,
                consent_at=datetime.now(UTC),
            ),
        )
        await courses.enrol(conn, term_id, participant_id, EnrolledBy(role="self"))
    return Taking(participant_id=participant_id, email=email, phone=phone)


async def citizen_on_course(
    db_pool: DatabasePool, roster: Roster, sessions: int
) -> CitizenOnCourse:
    first = datetime(2031, 3, 3, 16, 0, tzinfo=UTC)
    org = await roster.organisation()
    async with db_pool.acquire() as conn:
        term_id = await course_term(
            conn, WHO, org, [first + timedelta(weeks=i) for i in range(sessions)], opened=True
        )
        session_ids = [s.session_id for s in await courses.sessions(conn, term_id)]
    citizen = await citizen_episode(db_pool)
    return CitizenOnCourse(
        term_id=term_id,
        session_ids=session_ids,
        citizen=citizen,
        as_citizen=await taking(db_pool, term_id, ParticipantKind.CITIZEN, citizen.episode_id),
        relative=await taking(db_pool, term_id, ParticipantKind.RELATIVE),
        work=CourseActivities(db_pool, sms_enabled=True),
    )


@pytest.fixture
def notifier(
    db_pool: DatabasePool, smtp_server: SmtpServer, sms_gateway: SmsGateway, http: httpx.AsyncClient
) -> Notifier:
    """Delivery with the project's default quiet hours."""
    email = EmailSender(smtp_server.host, smtp_server.port, "kursus@kommune.test", timeout=5)
    return Notifier(db_pool, email, SmsSender(sms_gateway.url, http), "http://h.test")


Rows = dict[tuple[str, str], tuple[str, int, str | None]]


async def outbox_rows(pool: DatabasePool, notification_id: str) -> Rows:
    """(user_id, channel) -> (status, attempts, last_error)."""
    found = await pool.fetch(
        "SELECT user_id, channel, status, attempts, last_error FROM outbox"
        " WHERE notification_id = $1",
        notification_id,
    )
    return {
        (r["user_id"], r["channel"]): (r["status"], r["attempts"], r["last_error"]) for r in found
    }


def reached(smtp: SmtpServer, gateway: SmsGateway, person: Taking) -> tuple[int, int]:
    """How many e-mails and text messages reached the person's own address and number."""
    texts = [m for m in gateway.accepted() if m["to"] == person.phone]
    return len(smtp.mailbox.to(person.email)), len(texts)


async def test_a_citizen_who_turned_reminders_off_after_the_reminder_was_queued_gets_none(
    db_pool: DatabasePool,
    roster: Roster,
    notifier: Notifier,
    smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    course = await citizen_on_course(db_pool, roster, sessions=1)
    notice = await course.remind()
    async with db_pool.acquire() as conn:
        await citizen_preferences.set_reminders_opted_out(
            conn, course.citizen.citizen_id, True, course.citizen.me()
        )

    await notifier.deliver_notification(notice)
    await notifier.deliver_notification(notice)

    assert await outbox_rows(db_pool, notice.notification_id) == {
        (course.as_citizen.user_id, "email"): ("skipped", 0, OPTED_OUT),
        (course.as_citizen.user_id, "sms"): ("skipped", 0, OPTED_OUT),
        (course.relative.user_id, "email"): ("sent", 1, None),
        (course.relative.user_id, "sms"): ("sent", 1, None),
    }
    assert reached(smtp_server, sms_gateway, course.as_citizen) == (0, 0)
    assert reached(smtp_server, sms_gateway, course.relative) == (1, 1), "exactly once"


async def test_turning_reminders_off_does_not_hide_that_a_session_is_cancelled(
    db_pool: DatabasePool,
    roster: Roster,
    notifier: Notifier,
    smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    course = await citizen_on_course(db_pool, roster, sessions=1)
    async with db_pool.acquire() as conn:
        await citizen_preferences.set_reminders_opted_out(
            conn, course.citizen.citizen_id, True, course.citizen.me()
        )
    (cancelled,) = (
        await course.work.course_notify_session_cancelled(
            SessionCancelledNotice(term_id=course.term_id, session_id=course.session_ids[0])
        )
    ).notifications

    await notifier.deliver_notification(cancelled)

    assert reached(smtp_server, sms_gateway, course.as_citizen) == (1, 1)
    assert reached(smtp_server, sms_gateway, course.relative) == (1, 1)


async def test_a_citizen_participants_channel_choice_is_the_one_used_and_none_stops_them(
    db_pool: DatabasePool,
    roster: Roster,
    notifier: Notifier,
    smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    """Chosen between the reminders: each is delivered as the choice stands at the time."""
    course = await citizen_on_course(db_pool, roster, sessions=3)
    me, relative = course.as_citizen.user_id, course.relative.user_id
    everything_sent = {
        (relative, "email"): ("sent", 1, None),
        (relative, "sms"): ("sent", 1, None),
    }
    chosen: dict[PreferredChannel, Rows] = {}
    for session, channel in enumerate(
        (PreferredChannel.SMS, PreferredChannel.EMAIL, PreferredChannel.NONE)
    ):
        await course.choose_channel(channel)
        notice = await course.remind(session)
        await notifier.deliver_notification(notice)
        chosen[channel] = await outbox_rows(db_pool, notice.notification_id)

    assert chosen[PreferredChannel.SMS] == {
        (me, "email"): ("skipped", 0, "SMS preferred"),
        (me, "sms"): ("sent", 1, None),
        **everything_sent,
    }
    assert chosen[PreferredChannel.EMAIL] == {
        (me, "email"): ("sent", 1, None),
        (me, "sms"): ("skipped", 0, "e-mail preferred"),
        **everything_sent,
    }
    assert chosen[PreferredChannel.NONE] == {
        (me, "email"): ("skipped", 0, "messages turned off"),
        (me, "sms"): ("skipped", 0, "messages turned off"),
        **everything_sent,
    }
    assert reached(smtp_server, sms_gateway, course.as_citizen) == (1, 1)
    assert reached(smtp_server, sms_gateway, course.relative) == (3, 3)


async def test_a_reminder_from_a_term_that_never_delivers_again_goes_even_in_quiet_hours(
    db_pool: DatabasePool,
    roster: Roster,
    notifier: Notifier,
    smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    """A term started before patch `course-quiet-hours` never delivers a notice again, so its
    notices do not ask to wait (`waits_out_quiet_hours` unset): a reminder held back for the
    quiet hours would never go, so it is sent (the citizen's other choices hold)."""
    course = await citizen_on_course(db_pool, roster, sessions=1)
    await course.citizen.choose_quiet_hours(quiet_now())
    notice = await course.remind()

    delivery = await notifier.deliver_notification(notice)

    assert delivery.deferred_until is None
    assert {d.status for d in delivery.deliveries} == {DeliveryStatus.SENT}
    assert reached(smtp_server, sms_gateway, course.as_citizen) == (1, 1)


async def test_a_citizen_participants_reminder_waits_out_their_quiet_hours(
    db_pool: DatabasePool,
    roster: Roster,
    notifier: Notifier,
    smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    """From a term that delivers again: the citizen's rows stay pending until their quiet
    hours end (the relative's go now); let pass, they are skipped saying why."""
    course = await citizen_on_course(db_pool, roster, sessions=1)
    await course.citizen.choose_quiet_hours(quiet_now())
    notice = (await course.remind()).model_copy(update={"waits_out_quiet_hours": True})
    me = course.as_citizen.user_id

    delivery = await notifier.deliver_notification(notice)

    assert delivery.deferred_until is not None
    assert timedelta(0) < delivery.deferred_until - datetime.now(UTC) <= timedelta(hours=1)
    rows = await outbox_rows(db_pool, notice.notification_id)
    assert rows[(me, "email")] == ("pending", 0, None)
    assert rows[(me, "sms")] == ("pending", 0, None)
    assert reached(smtp_server, sms_gateway, course.as_citizen) == (0, 0)
    assert reached(smtp_server, sms_gateway, course.relative) == (1, 1)

    assert await notifier.let_quiet_pass(notice) == 2
    rows = await outbox_rows(db_pool, notice.notification_id)
    assert rows[(me, "email")] == ("skipped", 0, TOO_LATE_AFTER_QUIET_HOURS)
    assert rows[(me, "sms")] == ("skipped", 0, TOO_LATE_AFTER_QUIET_HOURS)
    assert rows[(course.relative.user_id, "email")] == ("sent", 1, None)

    # Once the quiet hours are over (here: moved away from now), it goes.
    again = (await course.remind(hours=2)).model_copy(update={"waits_out_quiet_hours": True})
    await course.citizen.choose_quiet_hours(quiet_later())
    delivery = await notifier.deliver_notification(again)
    assert delivery.deferred_until is None
    assert reached(smtp_server, sms_gateway, course.as_citizen) == (1, 1)


async def test_no_course_notice_goes_to_a_citizen_participant_who_has_died(
    db_pool: DatabasePool,
    roster: Roster,
    notifier: Notifier,
    smtp_server: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    course = await citizen_on_course(db_pool, roster, sessions=1)
    notice = await course.remind()
    async with db_pool.acquire() as conn:
        # What the read model holds once the episode applied a `deceased` fact.
        await conn.execute(
            "UPDATE episodes SET phase = 'deceased' WHERE episode_id = $1",
            course.citizen.episode_id,
        )

    await notifier.deliver_notification(notice)

    rows = await outbox_rows(db_pool, notice.notification_id)
    assert rows[(course.as_citizen.user_id, "email")] == ("skipped", 0, "citizen deceased")
    assert rows[(course.as_citizen.user_id, "sms")] == ("skipped", 0, "citizen deceased")
    assert reached(smtp_server, sms_gateway, course.as_citizen) == (0, 0)
    assert reached(smtp_server, sms_gateway, course.relative) == (1, 1)
