"""Writes the episode workflow's commits to the read model, the audit log and the outbox."""

from __future__ import annotations

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db import episode_commits, outbox
from db.connection import PooledConnection
from db.events_received import mark_applied
from db.outbox import Queued
from db.pool import DatabasePool
from schemas.commit import AuditEntry, CommitResult, EpisodeCommit
from schemas.commit_refusal import COMMIT_REFUSED
from schemas.notifications import Channel, DeliveryStatus, Notification

log = structlog.get_logger(__name__)

# The outbox row that makes an unaddressable notification visible instead of silent.
NO_RECIPIENT_USER = "-"
NO_RECIPIENT_ERROR = "no recipient"


class EpisodeStore:
    """Applies one EpisodeCommit in one transaction, exactly once in effect."""

    def __init__(self, pool: DatabasePool, *, sms_enabled: bool = False) -> None:
        self._pool = pool
        self._sms_enabled = sms_enabled

    @activity.defn
    async def commit_episode(self, commit: EpisodeCommit) -> CommitResult:
        """Store the commit. Data PostgreSQL refuses for good fails at once (non-retryable
        `CommitRefused`, naming the table and the error class, never a value); a lost
        connection or a timeout raises as it is, and the call is retried."""
        try:
            applied = await self._write(commit)
        except episode_commits.Refused as refused:
            refusal = refused.refusal
            log.warning(
                "episode commit refused",
                episode_id=commit.episode_id,
                commit_seq=commit.commit_seq,
                table=refusal.table,
                error=refusal.error,
                sqlstate=refusal.sqlstate,
            )
            raise ApplicationError(
                str(refusal), refusal, type=COMMIT_REFUSED, non_retryable=True
            ) from None
        log.info(
            "episode committed",
            episode_id=commit.episode_id,
            commit_seq=commit.commit_seq,
            applied=applied,
        )
        return CommitResult(commit_seq=commit.commit_seq, applied=applied)

    async def _write(self, commit: EpisodeCommit) -> bool:
        """All of the commit in one transaction; True the first time it is applied."""
        async with self._pool.acquire() as conn, conn.transaction():
            applied = await episode_commits.write_episode(conn, commit)
            if applied and (commit.goals or commit.goal_records or commit.goal_reviews):
                await episode_commits.write_goals(conn, commit)
            if commit.tasks:
                await episode_commits.write_tasks(conn, commit)
            if commit.timeline:
                await episode_commits.write_timeline(conn, commit)
            if commit.audit:
                await episode_commits.write_audit(conn, commit)
                if event_ids := applied_event_ids(commit.audit):
                    with episode_commits.refused_as("events_received"):
                        await mark_applied(conn, event_ids, commit.episode_id)
            with episode_commits.refused_as("outbox"):
                for notification in commit.notifications:
                    await self._queue(conn, notification)
        return applied

    async def _queue(self, conn: PooledConnection, n: Notification) -> None:
        await queue_notification(conn, n, sms_enabled=self._sms_enabled)


async def queue_notification(conn: PooledConnection, n: Notification, *, sms_enabled: bool) -> None:
    """One outbox row per person and channel; the inbox is delivered by being written (the
    episode's commits and the roster upkeep queue alike)."""
    rows: list[Queued] = []
    for person in await outbox.addressees(conn, n.recipient):
        # The citizen and their relatives have no inbox (no login): e-mail and SMS only.
        channels = [Channel.INBOX] if person.has_inbox else []
        if person.has_email:
            channels.append(Channel.EMAIL)
        if person.has_phone and sms_enabled:
            channels.append(Channel.SMS)
        rows += [
            Queued(
                user_id=person.user_id,
                channel=channel,
                status=_first_status(channel, person.refused),
                error=person.refused,
            )
            for channel in channels
        ]
    if not rows:
        rows.append(
            Queued(
                user_id=NO_RECIPIENT_USER,
                channel=Channel.INBOX,
                status=DeliveryStatus.SKIPPED,
                error=NO_RECIPIENT_ERROR,
            )
        )
        log.warning(
            "notification has no recipient",
            notification_id=n.notification_id,
            episode_id=n.episode_id,
            recipient_role=n.recipient.role.value,
        )
    await outbox.queue(conn, n, rows)


def _first_status(channel: Channel, refused: str | None) -> DeliveryStatus:
    """An inbox row is delivered by being written; a person who may not be written to now
    (a relative without the consent) gets their rows skipped."""
    if refused is not None:
        return DeliveryStatus.SKIPPED
    return DeliveryStatus.SENT if channel == Channel.INBOX else DeliveryStatus.PENDING


def applied_event_ids(audit: tuple[AuditEntry, ...]) -> list[str]:
    """The events this commit applies: the workflow audits each new event as `event.<type>`."""
    return [
        a.detail["event_id"]
        for a in audit
        if a.action.startswith("event.") and "event_id" in a.detail
    ]
