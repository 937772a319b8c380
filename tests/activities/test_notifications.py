"""Notifications go out by e-mail and SMS once per person and channel, with no personal data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from email.message import Message

import httpx
import pytest
from structlog.testing import capture_logs
from temporalio.exceptions import ApplicationError

from activities.episode_store import EpisodeStore
from activities.messages import TEXTS, delivery_key
from activities.notifications import EmailSender, Notifier, SmsSender
from db import outbox
from db.pool import DatabasePool
from schemas.notifications import Channel, ChannelDelivery, DeliveryStatus, Notification, Template
from schemas.people import Role
from tests.activities.builders import Roster, commit, new_episode_id, notification
from tests.activities.conftest import SmsGateway
from tests.conftest import SmtpServer, free_port

PUBLIC_URL = "https://hverdagsbro.test"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def email(smtp_server: SmtpServer) -> EmailSender:
    return EmailSender(smtp_server.host, smtp_server.port, "hverdagsbro@kommune.test", timeout=5)


@pytest.fixture
def notifier(
    db_pool: DatabasePool, email: EmailSender, sms_gateway: SmsGateway, http: httpx.AsyncClient
) -> Notifier:
    return Notifier(db_pool, email, SmsSender(sms_gateway.url, http), PUBLIC_URL)


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    """The shared SMTP server, accepting mail again after each test."""
    yield smtp_server
    smtp_server.mailbox.refuse = False


async def queued(
    pool: DatabasePool, roster: Roster, *, phone: bool = True, task_id: str | None = "t-1"
) -> tuple[Notification, str]:
    """A committed notification to one peer with e-mail (and phone); returns it and the peer."""
    peer = await roster.peer(await roster.organisation(), phone=phone)
    episode_id = new_episode_id()
    n = notification(episode_id, Role.PEER, peer, task_id=task_id)
    await EpisodeStore(pool, sms_enabled=True).commit_episode(
        commit(episode_id, notifications=(n,))
    )
    return n, peer


def text_of(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(mail.get_content_charset() or "utf-8")


async def statuses(pool: DatabasePool, notification_id: str) -> dict[str, tuple[str, int]]:
    rows = await pool.fetch(
        "SELECT channel, status, attempts FROM outbox WHERE notification_id = $1",
        notification_id,
    )
    return {r["channel"]: (r["status"], r["attempts"]) for r in rows}


async def test_notification_is_delivered_once_even_when_delivery_runs_twice(
    notifier: Notifier,
    roster: Roster,
    db_pool: DatabasePool,
    smtp: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    n, peer = await queued(db_pool, roster)
    address = await roster.email_of(peer)

    first = await notifier.deliver_notification(n)
    second = await notifier.deliver_notification(n)

    assert len(smtp.mailbox.to(address)) == 1
    assert len(sms_gateway.requests) == 1
    assert sms_gateway.requests[0]["json"]["to"] == await roster.phone_of(peer)
    sent = DeliveryStatus.SENT
    assert set(first.deliveries) == {
        ChannelDelivery(channel=Channel.EMAIL, status=sent),
        ChannelDelivery(channel=Channel.INBOX, status=sent),
        ChannelDelivery(channel=Channel.SMS, status=sent),
    }
    assert second == first
    assert await statuses(db_pool, n.notification_id) == {
        "inbox": ("sent", 0),
        "email": ("sent", 1),
        "sms": ("sent", 1),
    }


async def test_refused_mail_fails_the_attempt_and_the_retry_sends_exactly_one_mail(
    notifier: Notifier, roster: Roster, db_pool: DatabasePool, smtp: SmtpServer
) -> None:
    n, peer = await queued(db_pool, roster, phone=False)
    address = await roster.email_of(peer)
    smtp.mailbox.refuse = True

    with pytest.raises(ApplicationError) as failure:
        await notifier.deliver_notification(n)

    assert failure.value.type == "DeliveryFailed"
    assert not failure.value.non_retryable
    assert smtp.mailbox.to(address) == []
    row = await db_pool.fetchrow(
        "SELECT status, attempts, last_error FROM outbox"
        " WHERE notification_id = $1 AND channel = 'email'",
        n.notification_id,
    )
    assert row is not None
    assert tuple(row) == ("pending", 1, "SMTP 451")

    smtp.mailbox.refuse = False
    await notifier.deliver_notification(n)
    await notifier.deliver_notification(n)

    assert len(smtp.mailbox.to(address)) == 1
    assert (await statuses(db_pool, n.notification_id))["email"] == ("sent", 2)


async def test_failing_sms_gateway_fails_the_attempt_but_the_mail_is_not_sent_again(
    notifier: Notifier,
    roster: Roster,
    db_pool: DatabasePool,
    smtp: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    n, peer = await queued(db_pool, roster)
    address = await roster.email_of(peer)
    sms_gateway.status = 500

    with pytest.raises(ApplicationError, match=r"sms \(SMS gateway answered HTTP 500\)"):
        await notifier.deliver_notification(n)

    assert await statuses(db_pool, n.notification_id) == {
        "inbox": ("sent", 0),
        "email": ("sent", 1),
        "sms": ("pending", 1),
    }

    sms_gateway.status = 200
    await notifier.deliver_notification(n)

    assert len(smtp.mailbox.to(address)) == 1
    assert [r["status"] for r in sms_gateway.requests] == [500, 200]
    assert sms_gateway.requests[0]["json"]["id"] == sms_gateway.requests[1]["json"]["id"]
    assert (await statuses(db_pool, n.notification_id))["sms"] == ("sent", 2)


async def test_unreachable_sms_gateway_is_a_retryable_failure(
    db_pool: DatabasePool, roster: Roster, email: EmailSender, http: httpx.AsyncClient
) -> None:
    dead = SmsSender(f"http://127.0.0.1:{free_port()}/sms", http)
    n, _ = await queued(db_pool, roster)

    with pytest.raises(ApplicationError, match="ConnectError"):
        await Notifier(db_pool, email, dead, PUBLIC_URL).deliver_notification(n)


async def test_messages_carry_a_link_but_no_personal_data(
    notifier: Notifier,
    roster: Roster,
    db_pool: DatabasePool,
    smtp: SmtpServer,
    sms_gateway: SmsGateway,
) -> None:
    n, peer = await queued(db_pool, roster, task_id="task-42")
    address, phone = await roster.email_of(peer), await roster.phone_of(peer)
    await db_pool.execute(
        "INSERT INTO citizens (citizen_id, cpr, name, phone, email)"
        " VALUES ($1, '0101701234', 'Karen Citizen', '+4512345678', 'karen@example.dk')",
        f"citizen-{n.episode_id}",
    )

    with capture_logs() as logs:
        await notifier.deliver_notification(n)

    [mail] = smtp.mailbox.to(address)
    body = text_of(mail)
    sms = sms_gateway.requests[0]["json"]["text"]
    for text in (body, sms, mail["Subject"]):
        assert "Du har en ny opgave i hverdagsbro" in text
        assert "You have a new task in hverdagsbro" in text
        for secret in ("0101701234", "Karen", "karen@", "Name of", n.episode_id):
            assert secret not in text
    assert f"{PUBLIC_URL}/tasks/task-42" in body
    assert f"{PUBLIC_URL}/tasks/task-42" in sms
    assert mail["Message-ID"] == f"<{delivery_key(n.notification_id, peer)}@kommune.test>"
    logged = repr(logs)
    assert address not in logged
    assert phone not in logged


async def test_notification_without_a_task_links_to_the_episode(
    notifier: Notifier, roster: Roster, db_pool: DatabasePool, smtp: SmtpServer
) -> None:
    n, peer = await queued(db_pool, roster, phone=False, task_id=None)

    await notifier.deliver_notification(n)

    [mail] = smtp.mailbox.to(await roster.email_of(peer))
    assert f"{PUBLIC_URL}/episodes/{n.episode_id}" in text_of(mail)


async def test_person_without_an_address_is_skipped_instead_of_retried_forever(
    notifier: Notifier, roster: Roster, db_pool: DatabasePool
) -> None:
    n, peer = await queued(db_pool, roster)
    await db_pool.execute("UPDATE users SET email = NULL, phone = NULL WHERE user_id = $1", peer)

    delivery = await notifier.deliver_notification(n)

    assert {(d.channel, d.status, d.detail) for d in delivery.deliveries} == {
        (Channel.INBOX, DeliveryStatus.SENT, ""),
        (Channel.EMAIL, DeliveryStatus.SKIPPED, "no e-mail address"),
        (Channel.SMS, DeliveryStatus.SKIPPED, "no phone number"),
    }


async def test_queued_sms_is_skipped_when_the_gateway_is_switched_off(
    db_pool: DatabasePool, roster: Roster, email: EmailSender, smtp: SmtpServer
) -> None:
    n, _ = await queued(db_pool, roster)

    delivery = await Notifier(db_pool, email, None, PUBLIC_URL).deliver_notification(n)

    assert (
        ChannelDelivery(
            channel=Channel.SMS, status=DeliveryStatus.SKIPPED, detail="SMS gateway not configured"
        )
        in delivery.deliveries
    )


async def test_unaddressable_notification_is_reported_as_skipped(
    notifier: Notifier, roster: Roster, db_pool: DatabasePool
) -> None:
    episode_id = new_episode_id()
    n = notification(episode_id, Role.COORDINATOR, await roster.organisation())
    await EpisodeStore(db_pool).commit_episode(commit(episode_id, notifications=(n,)))

    delivery = await notifier.deliver_notification(n)

    assert delivery.deliveries == (
        ChannelDelivery(
            channel=Channel.INBOX, status=DeliveryStatus.SKIPPED, detail="no recipient"
        ),
    )


async def test_delivery_before_the_commit_is_retried_not_lost(notifier: Notifier) -> None:
    n = notification(new_episode_id(), Role.PEER, "peer-x")

    with pytest.raises(ApplicationError) as failure:
        await notifier.deliver_notification(n)

    assert failure.value.type == "OutboxMissing"
    assert not failure.value.non_retryable


def test_every_template_has_a_danish_and_an_english_text() -> None:
    assert set(TEXTS) == set(Template)
    assert all(da and en and da != en for da, en in TEXTS.values())


async def test_a_claimed_row_carries_the_addresses_but_never_shows_them(
    db_pool: DatabasePool, roster: Roster
) -> None:
    n, peer = await queued(db_pool, roster)
    async with db_pool.acquire() as conn, conn.transaction():
        claimed = await outbox.claim(conn, n.notification_id, peer, Channel.SMS)
    assert claimed is not None
    assert claimed.status == DeliveryStatus.PENDING
    assert claimed.email == f"{peer}@example.org"
    assert claimed.phone is not None
    assert claimed.phone.startswith("+45")
    for shown in (repr(claimed), str(claimed)):
        assert claimed.email not in shown
        assert claimed.phone not in shown
