"""Course notices reach participants, who are no users: by e-mail when they gave an address,
by SMS when they gave a number (and SMS is on), each once however often the activity runs;
the text names the course, the time and the place, never the participant."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from activities.courses import CourseActivities
from activities.notifications import EmailSender, Notifier, SmsSender
from db import courses
from db.pool import DatabasePool
from schemas.courses import (
    EnrolledBy,
    NewParticipant,
    ParticipantKind,
    ReminderRequest,
    participant_user_id,
)
from schemas.notifications import DeliveryStatus
from tests.activities.builders import Roster
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
