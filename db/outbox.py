"""The outbox: one row per notification, person and channel, from queueing to delivery."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.notifications import Channel, DeliveryStatus, Notification
from schemas.people import Recipient

# Who a recipient (role + opaque id) means today. Only flags leave the database, never
# the addresses themselves. Coordinators: those of the organisation; when it has none, or
# the recipient is the whole partnership (service 'partnership'), also those of every
# organisation it shares a partnership with, so an escalation never goes to nobody.
_RESOLVE_RECIPIENT = """
SELECT user_id,
       coalesce(email, '') <> '' AS has_email,
       coalesce(phone, '') <> '' AS has_phone
FROM users
WHERE active AND (
       ($1 = 'peer' AND user_id = $2)
    OR ($1 = 'coordinator' AND role = 'coordinator' AND (
           organisation_id = $2
        OR (($3::text = 'partnership' OR NOT EXISTS (
                SELECT 1 FROM users own
                WHERE own.active AND own.role = 'coordinator' AND own.organisation_id = $2))
            AND organisation_id IN (
                SELECT partner_id FROM organisation_partners WHERE organisation_id = $2))))
    OR ($1 = 'ward' AND role = 'ward' AND ward_id = $2)
    OR ($1 = 'caseworker' AND role = 'caseworker' AND municipality_code = $2
        AND ($3::text IS NULL OR service = $3))
)
ORDER BY user_id
"""

_INSERT_OUTBOX = """
INSERT INTO outbox (notification_id, user_id, channel, episode_id, recipient_role,
                    recipient_id, recipient_service, template, task_id, params, status,
                    last_error, created_at, sent_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13,
        CASE WHEN $11 = 'sent' THEN now() END)
ON CONFLICT (notification_id, user_id, channel) DO NOTHING
"""

_ROWS = """
SELECT user_id, channel, status, last_error FROM outbox
WHERE notification_id = $1 ORDER BY user_id, channel
"""

# Locks the row while it is sent, so two attempts running at once cannot both send it.
# The address is read here and goes nowhere but the channel. A row whose user_id is
# 'participant:<id>' (schemas/courses.PARTICIPANT_PREFIX) addresses a course participant, who
# is no user: the address comes from course_participants (a participant erased meanwhile is
# like an inactive user, skipped).
_CLAIM = """
SELECT o.status, o.last_error,
       coalesce(u.email, p.email) AS email,
       coalesce(u.phone, p.phone) AS phone,
       coalesce(u.active, p.participant_id IS NOT NULL) AS active
FROM outbox o
LEFT JOIN users u ON u.user_id = o.user_id
LEFT JOIN course_participants p
       ON o.user_id LIKE 'participant:%' AND p.participant_id = substr(o.user_id, 13)
WHERE o.notification_id = $1 AND o.user_id = $2 AND o.channel = $3
FOR UPDATE OF o
"""

_MARK_SENT = """
UPDATE outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL
WHERE notification_id = $1 AND user_id = $2 AND channel = $3
"""

_MARK_ATTEMPT_FAILED = """
UPDATE outbox SET attempts = attempts + 1, last_error = $4
WHERE notification_id = $1 AND user_id = $2 AND channel = $3
"""

_MARK_GIVEN_UP = """
UPDATE outbox SET status = 'failed'
WHERE notification_id = $1 AND status = 'pending'
"""

_MARK_SKIPPED = """
UPDATE outbox SET status = 'skipped', last_error = $4
WHERE notification_id = $1 AND user_id = $2 AND channel = $3
"""


class Addressee(Frozen):
    """A person a recipient means, and which channels could reach them."""

    user_id: str
    has_email: bool
    has_phone: bool


class Queued(Frozen):
    """One outbox row to write for a notification."""

    user_id: str
    channel: Channel
    status: DeliveryStatus
    error: str | None = None


class OutboxRow(Frozen):
    user_id: str
    channel: Channel
    status: DeliveryStatus
    last_error: str | None


class Claimed(Frozen):
    """A locked outbox row with what its channel needs; the addresses never reach a log."""

    status: DeliveryStatus
    last_error: str | None
    email: str | None = Field(repr=False)
    phone: str | None = Field(repr=False)
    active: bool


async def addressees(conn: PooledConnection, recipient: Recipient) -> list[Addressee]:
    rows = await conn.fetch(
        _RESOLVE_RECIPIENT, recipient.role.value, recipient.id, recipient.service
    )
    return [Addressee.model_validate(dict(r)) for r in rows]


async def queue(conn: PooledConnection, n: Notification, rows: Sequence[Queued]) -> None:
    """Write the rows; a row that exists already (the same commit again) stays as it is."""
    params = json.dumps(n.params)
    await conn.executemany(
        _INSERT_OUTBOX,
        [
            (
                n.notification_id,
                row.user_id,
                row.channel.value,
                n.episode_id,
                n.recipient.role.value,
                n.recipient.id,
                n.recipient.service,
                n.template.value,
                n.task_id,
                params,
                row.status.value,
                row.error,
                n.created_at,
            )
            for row in rows
        ],
    )


async def notification_rows(conn: PooledConnection, notification_id: str) -> list[OutboxRow]:
    rows = await conn.fetch(_ROWS, notification_id)
    return [OutboxRow.model_validate(dict(r)) for r in rows]


async def claim(
    conn: PooledConnection, notification_id: str, user_id: str, channel: Channel
) -> Claimed | None:
    """Lock the row until the transaction ends (call inside one)."""
    row = await conn.fetchrow(_CLAIM, notification_id, user_id, channel.value)
    return None if row is None else Claimed.model_validate(dict(row))


async def mark_sent(
    conn: PooledConnection, notification_id: str, user_id: str, channel: Channel
) -> None:
    await conn.execute(_MARK_SENT, notification_id, user_id, channel.value)


async def mark_attempt_failed(
    conn: PooledConnection, notification_id: str, user_id: str, channel: Channel, reason: str
) -> None:
    await conn.execute(_MARK_ATTEMPT_FAILED, notification_id, user_id, channel.value, reason)


async def mark_skipped(
    conn: PooledConnection, notification_id: str, user_id: str, channel: Channel, reason: str
) -> None:
    await conn.execute(_MARK_SKIPPED, notification_id, user_id, channel.value, reason)


async def give_up(conn: PooledConnection, notification_id: str) -> int:
    """The notification's rows still pending become `failed`; returns how many."""
    result = await conn.execute(_MARK_GIVEN_UP, notification_id)
    return int(result.split()[-1])
