"""Delivers a notification's pending outbox rows by e-mail and SMS, each row at most once."""

from __future__ import annotations

import asyncio
import smtplib
from datetime import UTC, datetime

import httpx
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.calendar_invite import FILENAME, Meeting, invitation, meeting_for
from activities.channels.email import Attachment, EmailSender
from activities.channels.sms import SmsGatewayError, SmsSender
from activities.messages import Message, delivery_key, link, render
from db import outbox, relatives
from db.connection import CONNECTION_LOST, PooledConnection
from db.outbox import Claimed
from db.pool import DatabasePool
from hverdagsbro.metrics import Metrics
from schemas.citizen_messages import DEFAULT_QUIET_HOURS, PreferredChannel, QuietHours
from schemas.notifications import (
    REMINDER_TEMPLATES,
    Channel,
    ChannelDelivery,
    Delivery,
    DeliveryStatus,
    Notification,
    Template,
)

__all__ = ["EmailSender", "Notifier", "SmsSender"]

log = structlog.get_logger(__name__)

_DATABASE_GONE: tuple[type[Exception], ...] = (*CONNECTION_LOST, OSError)


# The detail of a row skipped because the citizen turned reminders off, and of one left
# pending in the quiet hours.
OPTED_OUT = "opted out"
QUIET_HOURS = "quiet hours"
# ... and the reason it is skipped when the quiet hours outlast its use.
TOO_LATE_AFTER_QUIET_HOURS = "quiet hours until after the session"


class _Skip(Exception):
    """This row cannot be delivered and retrying will not help (no address, no gateway)."""


class _Deferred(Exception):
    """This row falls in its reader's quiet hours: it stays pending until `until`."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"quiet hours until {until.isoformat()}")
        self.until = until


def describe(exc: BaseException) -> str:
    """A short reason for the outbox and the logs; server replies may echo addresses, so
    only codes and exception types are kept."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"SMTP {exc.smtp_code}"
    if isinstance(exc, SmsGatewayError | _Skip):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return "SMS gateway timeout"
    return type(exc).__name__


class Notifier:
    """Sends what the outbox says is pending; an already sent row is never sent again."""

    def __init__(
        self,
        pool: DatabasePool,
        email: EmailSender,
        sms: SmsSender | None,
        public_url: str,
        metrics: Metrics | None = None,
        quiet_hours: QuietHours = DEFAULT_QUIET_HOURS,
    ) -> None:
        self._pool = pool
        self._email = email
        self._sms = sms
        self._public_url = public_url
        self._metrics = metrics
        # A relative's, and the citizen's until they choose their own.
        self._quiet_hours = quiet_hours

    @activity.defn
    async def deliver_notification(self, n: Notification) -> Delivery:
        """Send every pending row. A row to the citizen or a relative that falls in their
        quiet hours stays pending and is not sent now: the Delivery's `deferred_until` says
        when the caller should deliver the notification again."""
        url = link(self._public_url, n.episode_id, n.task_id, n.template)
        meeting = meeting_for(n)
        deliveries: list[ChannelDelivery] = []
        failed: list[str] = []
        deferred: list[datetime] = []
        async with self._pool.acquire() as conn:
            rows = await outbox.notification_rows(conn, n.notification_id)
            if not rows:
                raise ApplicationError(
                    "notification has no outbox rows (not committed yet)", type="OutboxMissing"
                )
            message = render(n.template, url, meeting, await self._wording(conn, n))
            for row in rows:
                status, detail = row.status, row.last_error or ""
                if status == DeliveryStatus.PENDING:
                    try:
                        status, detail = await self._deliver_row(
                            conn, n, row.user_id, row.channel, message, meeting, url
                        )
                    except _Deferred as wait:
                        deferred.append(wait.until)
                        log.info(
                            "delivery deferred",
                            **_ids(n, row.user_id, row.channel),
                            until=wait.until.isoformat(),
                        )
                        status, detail = DeliveryStatus.PENDING, QUIET_HOURS
                    else:
                        if status == DeliveryStatus.PENDING:
                            failed.append(f"{row.channel.value} ({detail})")
                deliveries.append(
                    ChannelDelivery(channel=row.channel, status=status, detail=detail)
                )
        if failed:
            raise ApplicationError(
                f"{len(failed)} of {len(rows)} deliveries failed: {', '.join(failed)}",
                type="DeliveryFailed",
            )
        return Delivery(
            notification_id=n.notification_id,
            deliveries=tuple(deliveries),
            deferred_until=min(deferred) if deferred else None,
        )

    async def _wording(self, conn: PooledConnection, n: Notification) -> dict[str, str]:
        """The params the message is written from: a relative's notice of the peer names
        them by first name, read now (never a param, so never in the outbox or a log)."""
        if n.template != Template.RELATIVE_PEER_ASSIGNED or "peer_id" not in n.params:
            return n.params
        name = await relatives.peer_first_name(conn, n.params["peer_id"])
        return {**n.params, "peer_name": name or ""}

    @activity.defn
    async def mark_delivery_failed(self, n: Notification) -> int:
        """The workflow gave up on this notification: its unsent rows become `failed`
        (a coordinator task says so too). Returns how many rows."""
        async with self._pool.acquire() as conn:
            rows = await outbox.give_up(conn, n.notification_id)
        log.warning("delivery given up", notification_id=n.notification_id, rows=rows)
        return rows

    @activity.defn
    async def let_quiet_pass(self, n: Notification) -> int:
        """A notice that waited out quiet hours would now come too late (its course session
        has begun): its pending rows are skipped, saying so. Returns how many rows."""
        async with self._pool.acquire() as conn:
            rows = await outbox.let_pass(conn, n.notification_id, TOO_LATE_AFTER_QUIET_HOURS)
        log.info("delivery let pass", notification_id=n.notification_id, rows=rows)
        return rows

    async def _deliver_row(
        self,
        conn: PooledConnection,
        n: Notification,
        user_id: str,
        channel: Channel,
        message: Message,
        meeting: Meeting | None = None,
        url: str = "",
    ) -> tuple[DeliveryStatus, str]:
        """Send one row and record the outcome in the same transaction as its lock."""
        key = (n.notification_id, user_id, channel)
        sent = False
        try:
            async with conn.transaction():
                row = await outbox.claim(conn, *key)
                if row is None:
                    return DeliveryStatus.SKIPPED, ""
                if row.status != DeliveryStatus.PENDING:
                    return row.status, row.last_error or ""
                held = self._held_back(n.template, channel, row)
                if held is not None:
                    await outbox.mark_skipped(conn, *key, held)
                    log.info("delivery skipped", **_ids(n, user_id, channel), reason=held)
                    return DeliveryStatus.SKIPPED, held
                if row.keeps_quiet or (n.waits_out_quiet_hours and row.episode_citizen):
                    quiet = row.quiet_hours or self._quiet_hours
                    window = quiet.window(datetime.now(UTC))
                    if window is not None:
                        raise _Deferred(window[1])
                try:
                    await self._send(
                        channel,
                        row,
                        message,
                        delivery_key(n.notification_id, user_id),
                        self._invitation(n, meeting, url, row.email)
                        if channel == Channel.EMAIL
                        else (),
                    )
                except _Skip as exc:
                    await outbox.mark_skipped(conn, *key, describe(exc))
                    log.warning(
                        "delivery skipped", **_ids(n, user_id, channel), reason=describe(exc)
                    )
                    return DeliveryStatus.SKIPPED, describe(exc)
                except Exception as exc:
                    await outbox.mark_attempt_failed(conn, *key, describe(exc))
                    log.warning(
                        "delivery failed", **_ids(n, user_id, channel), reason=describe(exc)
                    )
                    if self._metrics is not None:
                        self._metrics.notification_failed(channel)
                    return DeliveryStatus.PENDING, describe(exc)
                sent = True
                await outbox.mark_sent(conn, *key)
        except Exception:
            if not sent:
                raise
            # The message is out, but the connection died before 'sent' was committed (its
            # lock died with it). Record it on another connection, or the retry sends again.
            await self._mark_sent_again(key)
        log.info("delivery sent", **_ids(n, user_id, channel))
        if self._metrics is not None:
            self._metrics.notification_delivered(channel)
        return DeliveryStatus.SENT, ""

    def _held_back(self, template: Template, channel: Channel, row: Claimed) -> str | None:
        """Why a row to the citizen, a relative or a course participant who is an
        episode's citizen does not go at all (it is skipped with this reason), or None: the
        episode no longer allows it (`refused`: no share_with_relative consent, a removed
        relative, a deceased citizen), the citizen wants no messages, turned reminders off,
        or prefers the other channel (which can reach them)."""
        if row.refused is not None:
            return row.refused
        preferred = row.preferred_channel
        if preferred == PreferredChannel.NONE:
            return "messages turned off"
        if row.opted_out and template in REMINDER_TEMPLATES:
            return OPTED_OUT
        sms_reaches = bool(row.phone) and self._sms is not None
        if preferred == PreferredChannel.SMS and channel == Channel.EMAIL and sms_reaches:
            return "SMS preferred"
        if preferred == PreferredChannel.EMAIL and channel == Channel.SMS and row.email:
            return "e-mail preferred"
        return None

    async def _mark_sent_again(self, key: tuple[str, str, Channel]) -> None:
        """Until the database takes it (the activity's own timeout bounds the wait)."""
        delay = 0.2
        while True:
            try:
                async with self._pool.acquire() as conn:
                    await outbox.mark_sent(conn, *key)
                return
            except _DATABASE_GONE:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _invitation(
        self, n: Notification, meeting: Meeting | None, url: str, to: str | None
    ) -> tuple[Attachment, ...]:
        """The network meeting's `invite.ics` for one reader, or nothing (no meeting, or one
        the library could not write: the e-mail still goes, the log says why)."""
        if meeting is None:
            return ()
        try:
            ics = invitation(
                meeting,
                notification_id=n.notification_id,
                url=url,
                organizer=self._email.sender,
                attendee=to,
                stamp=n.created_at,
            )
        except Exception as exc:
            log.warning(
                "network meeting invitation left out",
                notification_id=n.notification_id,
                episode_id=n.episode_id,
                reason=type(exc).__name__,
            )
            return ()
        return (
            Attachment(
                filename=FILENAME,
                content_type="text/calendar",
                data=ics,
                params={"method": "REQUEST"},
            ),
        )

    async def _send(
        self,
        channel: Channel,
        row: Claimed,
        message: Message,
        key: str,
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        if not row.active:
            raise _Skip("user inactive")
        if channel == Channel.EMAIL:
            if not row.email:
                raise _Skip("no e-mail address")
            await self._email.send(
                to=row.email,
                subject=message.subject,
                body=message.body,
                message_id=f"<{key}@{self._email.domain}>",
                attachments=attachments,
            )
        elif channel == Channel.SMS:
            if self._sms is None:
                raise _Skip("SMS gateway not configured")
            if not row.phone:
                raise _Skip("no phone number")
            await self._sms.send(to=row.phone, text=message.sms, message_id=key)


def _ids(n: Notification, user_id: str, channel: Channel) -> dict[str, str]:
    """Ids for a log line; a notice about the roster has no episode."""
    ids = {"notification_id": n.notification_id, "user_id": user_id, "channel": channel.value}
    if n.episode_id is not None:
        ids["episode_id"] = n.episode_id
    return ids
