"""The network meeting's e-mail carries an iCalendar invitation (invite.ics, METHOD:REQUEST) in
Copenhagen time, says date, time and place in Danish and English, and names no citizen."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar, Event
from structlog.testing import capture_logs

from activities.episode_store import EpisodeStore
from activities.notifications import EmailSender, Notifier, SmsSender
from db.pool import DatabasePool
from schemas.notifications import Channel, DeliveryStatus, Notification, Template
from schemas.people import Recipient, Role
from tests.activities.builders import NOW, Roster, commit, key, new_episode_id
from tests.activities.conftest import SmsGateway
from tests.conftest import SmtpServer

PUBLIC_URL = "https://hverdagsbro.test"
SENDER = "hverdagsbro@kommune.test"
CPH = ZoneInfo("Europe/Copenhagen")
SUMMARY = "Netværksmøde / Network meeting (hverdagsbro)"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    yield smtp_server
    smtp_server.mailbox.refuse = False


@pytest.fixture
def notifier(
    db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway, http: httpx.AsyncClient
) -> Notifier:
    email = EmailSender(smtp.host, smtp.port, SENDER, timeout=5)
    return Notifier(db_pool, email, SmsSender(sms_gateway.url, http), PUBLIC_URL)


def meeting_params(
    meeting_on: str = "2026-06-15",
    starts_at: str = "10:00",
    place: str = "Afsnit P3, mødelokale 2",
    duration_minutes: str = "60",
) -> dict[str, str]:
    return {
        "meeting_on": meeting_on,
        "starts_at": starts_at,
        "place": place,
        "duration_minutes": duration_minutes,
    }


async def queued(
    pool: DatabasePool, roster: Roster, params: dict[str, str]
) -> tuple[Notification, str]:
    """A committed NETWORK_MEETING notification to one peer with e-mail and phone."""
    peer = await roster.peer(await roster.organisation(), phone=True)
    episode_id = new_episode_id()
    n = Notification(
        notification_id=f"{episode_id}-n-{key()}",
        episode_id=episode_id,
        recipient=Recipient(role=Role.PEER, id=peer),
        template=Template.NETWORK_MEETING,
        created_at=NOW,
        params=params,
    )
    await EpisodeStore(pool, sms_enabled=True).commit_episode(
        commit(episode_id, notifications=(n,))
    )
    return n, peer


def calendar_parts(mail: Message) -> list[Message]:
    return [part for part in mail.walk() if part.get_content_type() == "text/calendar"]


def invite_of(mail: Message) -> tuple[bytes, Calendar, Event]:
    """The one invite.ics the mail carries: its bytes, the calendar and its one event."""
    [part] = calendar_parts(mail)
    assert part.get_filename() == "invite.ics"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_disposition() == "attachment"
    data = part.get_payload(decode=True)
    assert isinstance(data, bytes)
    calendar = Calendar.from_ical(data)
    [event] = calendar.events
    return data, calendar, event


def body_of(mail: Message) -> str:
    [part] = [p for p in mail.walk() if p.get_content_type() == "text/plain"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


async def test_a_summer_meeting_is_an_invitation_in_copenhagen_summer_time(
    notifier: Notifier,
    roster: Roster,
    db_pool: DatabasePool,
    smtp: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    n, peer = await queued(db_pool, roster, meeting_params(duration_minutes="90"))
    address = await roster.email_of(peer)

    await notifier.deliver_notification(n)

    [mail] = smtp.mailbox.to(address)
    ics, calendar, event = invite_of(mail)
    assert calendar["METHOD"] == "REQUEST"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Copenhagen"]
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert b"DTSTART;TZID=Europe/Copenhagen:20260615T100000" in ics
    assert event.start == datetime(2026, 6, 15, 10, 0, tzinfo=CPH)
    assert event.start.astimezone(UTC) == datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
    assert event.end.astimezone(UTC) == datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
    assert str(event["SUMMARY"]) == SUMMARY
    assert str(event["LOCATION"]) == "Afsnit P3, mødelokale 2"
    link = f"{PUBLIC_URL}/episodes/{n.episode_id}"
    assert str(event["DESCRIPTION"]) == link
    assert str(event["ORGANIZER"]) == f"mailto:{SENDER}"
    assert [str(a) for a in event.attendees] == [f"mailto:{address}"]
    assert event.sequence == 0
    assert event.DTSTAMP == NOW

    body = body_of(mail)
    for line in (
        "Dato: mandag den 15. juni 2026",
        "Tid: kl. 10.00-11.30 (dansk tid)",
        "Sted: Afsnit P3, mødelokale 2",
        "Date: Monday 15 June 2026",
        "Time: 10:00-11:30 (Danish time)",
        "Place: Afsnit P3, mødelokale 2",
        f"Log ind for at se mere: {link}",
        f"Log in to see more: {link}",
    ):
        assert line in body
    sms = sms_gateway.accepted()[0]["text"]
    assert "15.06.2026 kl. 10.00" in sms
    assert "Monday 15 June 2026 at 10:00" in sms
    assert "Afsnit P3" not in sms
    assert link in sms


async def test_a_winter_meeting_is_an_invitation_in_copenhagen_winter_time(
    notifier: Notifier, roster: Roster, db_pool: DatabasePool, smtp: SmtpServer
) -> None:
    n, peer = await queued(db_pool, roster, meeting_params("2026-01-20", "09:30"))

    await notifier.deliver_notification(n)

    [mail] = smtp.mailbox.to(await roster.email_of(peer))
    _, _, event = invite_of(mail)
    assert event.start == datetime(2026, 1, 20, 9, 30, tzinfo=CPH)
    assert event.start.utcoffset() == timedelta(hours=1)
    assert event.start.astimezone(UTC) == datetime(2026, 1, 20, 8, 30, tzinfo=UTC)
    assert event.end.astimezone(UTC) == datetime(2026, 1, 20, 9, 30, tzinfo=UTC)
    assert "Tid: kl. 09.30-10.30 (dansk tid)" in body_of(mail)


async def test_a_meeting_without_a_time_is_an_all_day_event(
    notifier: Notifier,
    roster: Roster,
    db_pool: DatabasePool,
    smtp: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    params = meeting_params("2026-10-25", starts_at="", place="", duration_minutes="")
    n, peer = await queued(db_pool, roster, params)

    await notifier.deliver_notification(n)

    [mail] = smtp.mailbox.to(await roster.email_of(peer))
    _, _, event = invite_of(mail)
    assert event.start == date(2026, 10, 25)
    assert not isinstance(event.start, datetime)
    assert event.end == date(2026, 10, 26)
    assert "LOCATION" not in event
    body = body_of(mail)
    assert "Tid: hele dagen (intet klokkeslæt aftalt)" in body
    assert "Time: all day (no time agreed)" in body
    assert "Sted: ikke angivet" in body
    assert "(hele dagen)" in sms_gateway.accepted()[0]["text"]


async def test_sending_the_same_notification_again_updates_the_same_event(
    notifier: Notifier, roster: Roster, db_pool: DatabasePool, smtp: SmtpServer
) -> None:
    n, peer = await queued(db_pool, roster, meeting_params())
    other, other_peer = await queued(db_pool, roster, meeting_params())
    address = await roster.email_of(peer)

    await notifier.deliver_notification(n)
    # A resend: the row is pending again (as after a send whose 'sent' was never recorded).
    await db_pool.execute(
        "UPDATE outbox SET status = 'pending' WHERE notification_id = $1 AND channel = 'email'",
        n.notification_id,
    )
    await notifier.deliver_notification(n)
    await notifier.deliver_notification(other)

    first, second = smtp.mailbox.to(address)
    first_ics, _, first_event = invite_of(first)
    second_ics, _, second_event = invite_of(second)
    assert first_event.uid == second_event.uid
    assert first_event.sequence == second_event.sequence == 0
    assert first_ics == second_ics
    assert first_event.uid.endswith("@kommune.test")
    assert n.notification_id not in first_event.uid
    assert n.episode_id not in first_event.uid
    [other_mail] = smtp.mailbox.to(await roster.email_of(other_peer))
    assert invite_of(other_mail)[2].uid != first_event.uid


async def test_the_invitation_names_no_citizen(
    notifier: Notifier, roster: Roster, db_pool: DatabasePool, smtp: SmtpServer
) -> None:
    n, peer = await queued(db_pool, roster, meeting_params(place="Hjemme hos borgeren"))
    address = await roster.email_of(peer)
    await db_pool.execute(
        "INSERT INTO citizens (citizen_id, cpr, name, phone, email)"
        " VALUES ($1, '1512904321', 'Bodil Borger', '+4587654321', 'bodil@example.dk')",
        f"citizen-{n.episode_id}",
    )

    with capture_logs() as logs:
        await notifier.deliver_notification(n)

    [mail] = smtp.mailbox.to(address)
    ics, _, _ = invite_of(mail)
    text = ics.decode().replace("\r\n ", "")  # unfolded: a name cannot hide across a fold
    for secret in (
        "1512904321",
        "Bodil",
        "bodil@",
        "+4587654321",
        "Name of",
        f"citizen-{n.episode_id}",
    ):
        assert secret not in text
        assert secret not in body_of(mail)
    # The only addresses in it: the sender (organizer) and the reader's own (attendee).
    assert set(re.findall(r"mailto:([^\s;]+)", text)) == {SENDER, address}
    assert address not in repr(logs)


@pytest.mark.parametrize(
    ("params", "invalid"),
    [
        ({"starts_at": "10:00", "place": "Afsnit P3, mødelokale 2"}, "meeting_on"),
        (meeting_params(meeting_on="15-06-2026"), "meeting_on"),
        (meeting_params(meeting_on="2026-02-30"), "meeting_on"),
        (meeting_params(starts_at="25:00"), "starts_at"),
    ],
    ids=["missing date", "not ISO", "no such day", "no such time"],
)
async def test_bad_meeting_params_send_the_mail_without_the_invitation(
    notifier: Notifier,
    roster: Roster,
    db_pool: DatabasePool,
    smtp: SmtpServer,
    params: dict[str, str],
    invalid: str,
) -> None:
    n, peer = await queued(db_pool, roster, params)

    with capture_logs() as logs:
        delivery = await notifier.deliver_notification(n)

    [mail] = smtp.mailbox.to(await roster.email_of(peer))
    assert calendar_parts(mail) == []
    body = body_of(mail)
    assert "Du er inviteret til et netværksmøde i hverdagsbro" in body
    assert "You are invited to a network meeting in hverdagsbro" in body
    assert f"{PUBLIC_URL}/episodes/{n.episode_id}" in body
    assert all(d.status == DeliveryStatus.SENT for d in delivery.deliveries)
    assert {d.channel for d in delivery.deliveries} == set(Channel)
    [warning] = [e for e in logs if e["event"].startswith("network meeting invitation")]
    assert warning["notification_id"] == n.notification_id
    assert warning["invalid"] == [invalid]
    for value in ("Afsnit P3", params.get(invalid, "Afsnit P3")):
        assert value not in repr(warning)
