"""The outbox: one row per notification, person and channel, from queueing to delivery."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.citizen_messages import (
    CITIZEN_PREFIX,
    RELATIVE_PREFIX,
    PreferredChannel,
    QuietHours,
)
from schemas.notifications import Channel, DeliveryStatus, Notification
from schemas.people import Recipient

# Who a recipient (role + opaque id) means today. Only flags leave the database, never
# the addresses themselves. Coordinators: those of the organisation; when it has none, or
# the recipient is the whole partnership (service 'partnership'), also those of every
# organisation it shares a partnership with, so an escalation never goes to nobody.
# The citizen (id: the episode) and the episode's current relatives are no users: they
# are addressed as 'citizen:<episode_id>' and 'relative:<relative_id>' (schemas/
# citizen_messages), have no inbox, and a relative is `refused` (the row is written skipped,
# with the reason) while the episode lacks the share_with_relative consent.
_RESOLVE_RECIPIENT = """
SELECT user_id,
       coalesce(email, '') <> '' AS has_email,
       coalesce(phone, '') <> '' AS has_phone,
       true AS has_inbox,
       NULL::text AS refused
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
UNION ALL
SELECT 'citizen:' || c.episode_id,
       coalesce(c.email, '') <> '',
       coalesce(c.phone, '') <> '',
       false,
       NULL
FROM episode_contacts c
WHERE $1 = 'citizen' AND c.episode_id = $2
UNION ALL
SELECT 'relative:' || r.relative_id,
       coalesce(r.email, '') <> '',
       coalesce(r.phone, '') <> '',
       false,
       CASE WHEN 'share_with_relative' = ANY (e.consents) THEN NULL
            ELSE 'no share_with_relative consent' END
FROM episode_relatives r
LEFT JOIN episodes e ON e.episode_id = r.episode_id
WHERE $1 = 'relative' AND r.episode_id = $2 AND r.removed_at IS NULL
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
# like an inactive user, skipped). Likewise 'citizen:<episode_id>' reads the episode's
# contact (with the citizen's message preferences) and 'relative:<relative_id>' the relative
# on the episode; `refused` says why such a row may not go now (checked at every attempt:
# a consent withdrawn after queueing stops the message). A participant who is the citizen of
# an episode brings that citizen's message preferences too (read now: a later choice counts).
_CLAIM = """
SELECT o.status, o.last_error,
       coalesce(u.email, p.email, c.email, r.email) AS email,
       coalesce(u.phone, p.phone, c.phone, r.phone) AS phone,
       coalesce(u.active, p.participant_id IS NOT NULL OR c.episode_id IS NOT NULL
                          OR r.relative_id IS NOT NULL) AS active,
       CASE
           WHEN 'deceased' IN (ce.phase, re.phase, pe.phase) THEN 'citizen deceased'
           WHEN r.removed_at IS NOT NULL THEN 'relative removed'
           WHEN r.relative_id IS NOT NULL
                AND NOT coalesce('share_with_relative' = ANY (re.consents), false)
               THEN 'no share_with_relative consent'
       END AS refused,
       coalesce(m.reminders_opted_out, false) AS opted_out,
       m.preferred_channel,
       m.quiet_from, m.quiet_until, m.time_zone,
       pe.citizen_id IS NOT NULL AS episode_citizen
FROM outbox o
LEFT JOIN users u ON u.user_id = o.user_id
LEFT JOIN course_participants p
       ON o.user_id LIKE 'participant:%' AND p.participant_id = substr(o.user_id, 13)
LEFT JOIN episodes pe ON pe.episode_id = p.episode_id
LEFT JOIN episode_contacts c
       ON o.user_id LIKE 'citizen:%' AND c.episode_id = substr(o.user_id, 9)
LEFT JOIN episodes ce ON ce.episode_id = c.episode_id
LEFT JOIN citizen_message_preferences m ON m.citizen_id = coalesce(c.citizen_id, pe.citizen_id)
LEFT JOIN episode_relatives r
       ON o.user_id LIKE 'relative:%' AND r.relative_id = substr(o.user_id, 10)
LEFT JOIN episodes re ON re.episode_id = r.episode_id
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

_LET_PASS = """
UPDATE outbox SET status = 'skipped', last_error = $2
WHERE notification_id = $1 AND status = 'pending'
"""


class Addressee(Frozen):
    """A person a recipient means, and which channels could reach them; `refused` says why
    they may not be written to (their rows are written skipped, with it)."""

    user_id: str
    has_email: bool
    has_phone: bool
    has_inbox: bool = True
    refused: str | None = None


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
    """A locked outbox row with what its channel needs; the addresses never reach a log.
    For a row to the citizen or a relative (`keeps_quiet`: it waits out quiet hours): why it
    may not go now (`refused`) and the citizen's choices, their own quiet hours among them
    (None: the default ones). A row to a course participant who is an episode's citizen
    (`episode_citizen`) carries that citizen's choices as well; it waits out their quiet hours
    only when its notification says so (a term that delivers a deferred notice again)."""

    status: DeliveryStatus
    last_error: str | None
    email: str | None = Field(repr=False)
    phone: str | None = Field(repr=False)
    active: bool
    keeps_quiet: bool = False
    refused: str | None = None
    opted_out: bool = False
    preferred_channel: PreferredChannel | None = None
    quiet_hours: QuietHours | None = None
    episode_citizen: bool = False


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
    if row is None:
        return None
    found = dict(row)
    starts, ends, zone = found.pop("quiet_from"), found.pop("quiet_until"), found.pop("time_zone")
    chosen = None if starts is None else QuietHours(starts=starts, ends=ends, zone=zone)
    return Claimed.model_validate(
        {
            **found,
            "keeps_quiet": user_id.startswith((CITIZEN_PREFIX, RELATIVE_PREFIX)),
            "quiet_hours": chosen,
        }
    )


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


async def let_pass(conn: PooledConnection, notification_id: str, reason: str) -> int:
    """The notification's rows still pending become `skipped` with `reason` (they would come
    too late to be of use); returns how many."""
    result = await conn.execute(_LET_PASS, notification_id, reason)
    return int(result.split()[-1])


async def give_up(conn: PooledConnection, notification_id: str) -> int:
    """The notification's rows still pending become `failed`; returns how many."""
    result = await conn.execute(_MARK_GIVEN_UP, notification_id)
    return int(result.split()[-1])
