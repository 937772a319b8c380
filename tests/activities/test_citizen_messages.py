"""Messages to the citizen and their relatives: by e-mail and SMS to the address the episode
holds, each row sent once, never to a citizen who turned reminders off, never to a relative
without the share_with_relative consent, and never in the quiet hours (the row waits)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from structlog.testing import capture_logs
from temporalio.exceptions import ApplicationError

from activities.notifications import OPTED_OUT, QUIET_HOURS, EmailSender, Notifier, SmsSender
from db import citizen_preferences, relatives
from db.pool import DatabasePool
from schemas.citizen_messages import (
    PreferredChannel,
    QuietHours,
    citizen_user_id,
    relative_user_id,
)
from schemas.notifications import DeliveryStatus, Template
from schemas.people import Role
from tests.activities.citizens import (
    NO_QUIET_HOURS,
    NOT_SHARED,
    WARD,
    citizen_episode,
    quiet_later,
    quiet_now,
)
from tests.activities.conftest import SmsGateway
from tests.activities.test_notifications import text_of
from tests.conftest import SmtpServer

PUBLIC_URL = "https://hverdagsbro.example.dk"
MEETING_AT = "2031-03-04T09:00:00+00:00"  # Tuesday 4 March 2031, 10:00 in Copenhagen


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    yield smtp_server
    smtp_server.mailbox.refuse = False


def notifier_for(
    pool: DatabasePool,
    smtp: SmtpServer,
    gateway: SmsGateway,
    http: httpx.AsyncClient,
    quiet_hours: QuietHours,
) -> Notifier:
    email = EmailSender(smtp.host, smtp.port, "hverdagsbro@kommune.test", timeout=5)
    sms = SmsSender(gateway.url, http)
    return Notifier(pool, email, sms, PUBLIC_URL, quiet_hours=quiet_hours)


@pytest.fixture
def notifier(
    db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway, http: httpx.AsyncClient
) -> Notifier:
    """Delivery whose default quiet hours do not cover the time the test runs."""
    return notifier_for(db_pool, smtp, sms_gateway, http, quiet_later())


Rows = dict[tuple[str, str], tuple[str, int, str | None]]


async def rows(pool: DatabasePool, notification_id: str) -> Rows:
    """(user_id, channel) -> (status, attempts, last_error)."""
    found = await pool.fetch(
        "SELECT user_id, channel, status, attempts, last_error FROM outbox"
        " WHERE notification_id = $1",
        notification_id,
    )
    return {
        (r["user_id"], r["channel"]): (r["status"], r["attempts"], r["last_error"]) for r in found
    }


def texts_to(gateway: SmsGateway, phone: str | None) -> list[str]:
    return [m["text"] for m in gateway.accepted() if m["to"] == phone]


async def test_a_reminder_reaches_the_citizens_own_address_once_even_when_delivered_twice(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    citizen = await citizen_episode(db_pool)
    n = citizen.notice(Template.CITIZEN_MEETING_REMINDER, Role.CITIZEN, when=MEETING_AT)
    await citizen.commit(notifications=(n,))

    first = await notifier.deliver_notification(n)
    second = await notifier.deliver_notification(n)

    assert first == second
    assert first.deferred_until is None
    me = citizen_user_id(citizen.episode_id)
    assert await rows(db_pool, n.notification_id) == {
        (me, "email"): ("sent", 1, None),
        (me, "sms"): ("sent", 1, None),
    }, "e-mail and SMS, and no inbox: the citizen has no login"
    assert citizen.email is not None
    [mail] = smtp.mailbox.to(citizen.email)
    body = text_of(mail)
    assert "Husk dit møde med din peer tir. 4/3 kl. 10.00." in body
    assert "Reminder: meeting with your peer Tue 4 Mar 10:00." in body
    assert f"{PUBLIC_URL}/my/bridge" in body
    [sms] = texts_to(sms_gateway, citizen.phone)
    assert sms == (
        "Husk dit møde med din peer tir. 4/3 kl. 10.00. / Reminder: meeting with your peer"
        f" Tue 4 Mar 10:00. Stop: {PUBLIC_URL}/my/bridge"
    )
    assert len(sms) <= 160


async def test_a_failed_sms_is_sent_exactly_once_by_the_retry(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    citizen = await citizen_episode(db_pool, email=False)
    n = citizen.notice(Template.CITIZEN_AFTER_DISCHARGE, Role.CITIZEN, by="2031-03-07")
    await citizen.commit(notifications=(n,))
    sms_gateway.status = 503

    with pytest.raises(ApplicationError, match="SMS gateway answered HTTP 503") as failure:
        await notifier.deliver_notification(n)
    assert not failure.value.non_retryable

    sms_gateway.status = 200
    await notifier.deliver_notification(n)
    await notifier.deliver_notification(n)

    assert texts_to(sms_gateway, citizen.phone) == [
        "Din peer kontakter dig senest fre. 7/3. / Your peer will contact you by Fri 7 Mar."
        f" Stop: {PUBLIC_URL}/my/bridge"
    ]
    me = citizen_user_id(citizen.episode_id)
    assert (await rows(db_pool, n.notification_id))[(me, "sms")] == ("sent", 2, None)


async def test_a_citizen_who_turned_reminders_off_gets_none_and_the_rows_say_why(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    citizen = await citizen_episode(db_pool)
    async with db_pool.acquire() as conn:
        chosen = await citizen_preferences.set_reminders_opted_out(
            conn, citizen.citizen_id, True, citizen.me()
        )
    assert chosen.reminders_opted_out and chosen.opted_out_at is not None
    n = citizen.notice(
        Template.CITIZEN_SESSION_REMINDER, Role.CITIZEN, when=MEETING_AT, title="Recovery"
    )
    await citizen.commit(notifications=(n,))

    delivery = await notifier.deliver_notification(n)

    assert {(d.channel.value, d.status, d.detail) for d in delivery.deliveries} == {
        ("email", DeliveryStatus.SKIPPED, OPTED_OUT),
        ("sms", DeliveryStatus.SKIPPED, OPTED_OUT),
    }
    assert citizen.email is not None
    assert smtp.mailbox.to(citizen.email) == []
    assert texts_to(sms_gateway, citizen.phone) == []


async def test_reminders_turned_on_again_reach_the_citizen(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer
) -> None:
    citizen = await citizen_episode(db_pool, phone=False)
    # A choice stores the default quiet hours with it: keep them off the time the test runs.
    await citizen.choose_quiet_hours(quiet_later())
    async with db_pool.acquire() as conn:
        await citizen_preferences.set_reminders_opted_out(
            conn, citizen.citizen_id, True, citizen.me()
        )
        back = await citizen_preferences.set_reminders_opted_out(
            conn, citizen.citizen_id, False, citizen.me()
        )
    assert not back.reminders_opted_out and back.opted_out_at is None
    n = citizen.notice(Template.CITIZEN_MEETING_REMINDER, Role.CITIZEN, when=MEETING_AT)
    await citizen.commit(notifications=(n,))

    await notifier.deliver_notification(n)

    assert citizen.email is not None
    assert len(smtp.mailbox.to(citizen.email)) == 1


async def test_the_preferred_channel_is_the_one_used_and_none_means_no_messages(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    citizen = await citizen_episode(db_pool)
    await citizen.choose_quiet_hours(quiet_later())
    async with db_pool.acquire() as conn:
        await citizen_preferences.set_preferred_channel(
            conn, citizen.citizen_id, PreferredChannel.SMS, citizen.me()
        )
    by_sms = citizen.notice(Template.CITIZEN_MEETING_REMINDER, Role.CITIZEN, when=MEETING_AT)
    await citizen.commit(notifications=(by_sms,))
    await notifier.deliver_notification(by_sms)

    async with db_pool.acquire() as conn:
        await citizen_preferences.set_preferred_channel(
            conn, citizen.citizen_id, PreferredChannel.NONE, citizen.me()
        )
    not_at_all = citizen.notice(Template.CITIZEN_MEETING_REMINDER, Role.CITIZEN, when=MEETING_AT)
    await citizen.commit(notifications=(not_at_all,))
    await notifier.deliver_notification(not_at_all)

    me = citizen_user_id(citizen.episode_id)
    assert await rows(db_pool, by_sms.notification_id) == {
        (me, "email"): ("skipped", 0, "SMS preferred"),
        (me, "sms"): ("sent", 1, None),
    }
    assert await rows(db_pool, not_at_all.notification_id) == {
        (me, "email"): ("skipped", 0, "messages turned off"),
        (me, "sms"): ("skipped", 0, "messages turned off"),
    }
    assert citizen.email is not None
    assert smtp.mailbox.to(citizen.email) == []
    assert len(texts_to(sms_gateway, citizen.phone)) == 1


async def test_in_the_citizens_quiet_hours_the_rows_wait_and_go_once_they_end(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    citizen = await citizen_episode(db_pool)
    quiet = quiet_now()
    await citizen.choose_quiet_hours(quiet)
    n = citizen.notice(Template.CITIZEN_MEETING_REMINDER, Role.CITIZEN, when=MEETING_AT)
    await citizen.commit(notifications=(n,))

    waiting = await notifier.deliver_notification(n)

    window = quiet.window(datetime.now(UTC))
    assert window is not None
    assert waiting.deferred_until == window[1]
    assert timedelta(minutes=58) < window[1] - datetime.now(UTC) <= timedelta(hours=1)
    assert {(d.status, d.detail) for d in waiting.deliveries} == {
        (DeliveryStatus.PENDING, QUIET_HOURS)
    }
    me = citizen_user_id(citizen.episode_id)
    assert await rows(db_pool, n.notification_id) == {
        (me, "email"): ("pending", 0, None),
        (me, "sms"): ("pending", 0, None),
    }, "a deferral is no failed attempt"
    assert citizen.email is not None
    assert smtp.mailbox.to(citizen.email) == []
    assert texts_to(sms_gateway, citizen.phone) == []

    # The quiet hours are over (here: the citizen chose others) and the caller delivers again.
    await citizen.choose_quiet_hours(quiet_later())
    sent = await notifier.deliver_notification(n)
    await notifier.deliver_notification(n)

    assert sent.deferred_until is None
    assert len(smtp.mailbox.to(citizen.email)) == 1
    assert len(texts_to(sms_gateway, citizen.phone)) == 1


async def test_without_a_choice_of_their_own_the_default_quiet_hours_hold(
    db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway, http: httpx.AsyncClient
) -> None:
    citizen = await citizen_episode(db_pool)
    relative = await citizen.relative()
    to_citizen = citizen.notice(Template.CITIZEN_AFTER_DISCHARGE, Role.CITIZEN, by="2031-03-07")
    to_relative = citizen.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-05")
    await citizen.commit(notifications=(to_citizen, to_relative))
    asleep = notifier_for(db_pool, smtp, sms_gateway, http, quiet_now())

    for n in (to_citizen, to_relative):
        delivery = await asleep.deliver_notification(n)
        assert delivery.deferred_until is not None
        assert {d.detail for d in delivery.deliveries} == {QUIET_HOURS}
    assert sms_gateway.accepted() == []
    assert relative.email is not None and citizen.email is not None
    assert smtp.mailbox.to(relative.email) == smtp.mailbox.to(citizen.email) == []

    awake = notifier_for(db_pool, smtp, sms_gateway, http, NO_QUIET_HOURS)
    assert (await awake.deliver_notification(to_relative)).deferred_until is None
    assert len(smtp.mailbox.to(relative.email)) == 1


async def test_a_relative_hears_of_the_discharge_date_by_email_and_sms(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    citizen = await citizen_episode(db_pool)
    relative = await citizen.relative()
    n = citizen.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-05")
    await citizen.commit(notifications=(n,))

    await notifier.deliver_notification(n)

    them = relative_user_id(relative.relative_id)
    assert await rows(db_pool, n.notification_id) == {
        (them, "email"): ("sent", 1, None),
        (them, "sms"): ("sent", 1, None),
    }
    assert relative.email is not None
    [mail] = smtp.mailbox.to(relative.email)
    body = text_of(mail)
    assert "Din pårørende udskrives efter planen ons. 5/3." in body
    assert "Your relative is to be discharged on Wed 5 Mar." in body
    assert "tell the staff" in body
    assert citizen.name not in body, "the citizen is not named"
    [sms] = texts_to(sms_gateway, relative.phone)
    assert sms.startswith("Din pårørende udskrives efter planen ons. 5/3. / Your relative")
    assert citizen.email is not None
    assert smtp.mailbox.to(citizen.email) == [], "the citizen is not a relative"


async def test_without_share_with_relative_the_relatives_rows_are_skipped_and_say_why(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    """Queued after the consent was withdrawn, and queued before it was: neither goes."""
    citizen = await citizen_episode(db_pool)
    relative = await citizen.relative(phone=False)
    before = citizen.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-05")
    await citizen.commit(notifications=(before,))
    after = citizen.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-06")
    await citizen.commit(consents=NOT_SHARED, notifications=(after,))

    for n in (before, after):
        delivery = await notifier.deliver_notification(n)
        assert [(d.status, d.detail) for d in delivery.deliveries] == [
            (DeliveryStatus.SKIPPED, "no share_with_relative consent")
        ]
    them = relative_user_id(relative.relative_id)
    assert (await rows(db_pool, after.notification_id))[(them, "email")][0] == "skipped"
    assert relative.email is not None
    assert smtp.mailbox.to(relative.email) == []


async def test_a_removed_relative_is_no_longer_written_to(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    citizen = await citizen_episode(db_pool)
    gone = await citizen.relative(phone=False)
    stays = await citizen.relative(phone=False)
    queued = citizen.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-05")
    await citizen.commit(notifications=(queued,))
    async with db_pool.acquire() as conn:
        assert await relatives.remove(conn, citizen.episode_id, gone.relative_id, WARD)
    later = citizen.notice(Template.RELATIVE_DISCHARGE_DATE, Role.RELATIVE, date="2031-03-06")
    await citizen.commit(notifications=(later,))

    await notifier.deliver_notification(queued)
    await notifier.deliver_notification(later)

    assert (await rows(db_pool, queued.notification_id))[
        (relative_user_id(gone.relative_id), "email")
    ] == ("skipped", 0, "relative removed")
    assert set(await rows(db_pool, later.notification_id)) == {
        (relative_user_id(stays.relative_id), "email")
    }
    assert gone.email is not None and stays.email is not None
    assert smtp.mailbox.to(gone.email) == []
    assert len(smtp.mailbox.to(stays.email)) == 2


async def test_the_relative_learns_the_peers_first_name_which_no_param_or_log_holds(
    notifier: Notifier, db_pool: DatabasePool, smtp: SmtpServer, sms_gateway: SmsGateway
) -> None:
    citizen = await citizen_episode(db_pool)
    relative = await citizen.relative()
    peer_id = f"peer-{citizen.episode_id}"
    await db_pool.execute(
        "INSERT INTO users (user_id, role, display_name, active)"
        " VALUES ($1, 'peer', 'Mette Kirkegaard', true)",
        peer_id,
    )
    n = citizen.notice(Template.RELATIVE_PEER_ASSIGNED, Role.RELATIVE, peer_id=peer_id)
    await citizen.commit(notifications=(n,))

    with capture_logs() as logs:
        await notifier.deliver_notification(n)

    [sms] = texts_to(sms_gateway, relative.phone)
    assert sms.startswith(
        "Din pårørende har fået en peer-medarbejder: Mette. /"
        " Your relative now has a peer worker: Mette."
    )
    assert "Kirkegaard" not in sms
    assert len(sms) <= 160
    params = await db_pool.fetchval(
        "SELECT DISTINCT params::text FROM outbox WHERE notification_id = $1", n.notification_id
    )
    assert "Mette" not in params
    logged = repr(logs)
    for secret in (
        "Mette",
        relative.name,
        relative.email,
        relative.phone,
        citizen.name,
        citizen.email,
        citizen.phone,
    ):
        assert secret is not None
        assert secret not in logged


async def test_a_citizen_without_contact_data_is_told_nothing_and_the_outbox_says_so(
    notifier: Notifier, db_pool: DatabasePool
) -> None:
    citizen = await citizen_episode(db_pool, email=False, phone=False)
    n = citizen.notice(Template.CITIZEN_MEETING_REMINDER, Role.CITIZEN, when=MEETING_AT)
    await citizen.commit(notifications=(n,))

    delivery = await notifier.deliver_notification(n)

    assert [(d.status, d.detail) for d in delivery.deliveries] == [
        (DeliveryStatus.SKIPPED, "no recipient")
    ]
