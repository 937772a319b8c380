"""The medcom_messages table: every HospitalNotification taken in, keyed by its transmission
(Bundle.id, MessageHeader.id), with its stay (sender SOR code, citizen id, episode-of-care
tokens), its event id and a digest of what it said; received messages an operator should look
at (medcom_attention: ids, codes and digests, never the citizen); which episode a sender may
speak for and whether a ward is psychiatric; refused messages in the audit log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Literal, NamedTuple

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.episode import TERMINAL_PHASES
from schemas.events import EpisodeEvent

_ENDED = sorted(p.value for p in TERMINAL_PHASES)

_EPISODE_SENDERS = """
SELECT sender.sor_code FROM wards own
JOIN wards sender ON sender.organisation_id = own.organisation_id
WHERE sender.sor_code IS NOT NULL AND own.ward_id = coalesce(
    (SELECT ward_id FROM episodes WHERE episode_id = $1),
    (SELECT body #>> '{payload,ward_id}' FROM events_received
     WHERE episode_id = $1 AND event_type = 'referral_created' LIMIT 1)
)
ORDER BY sender.sor_code
"""


class OpenEpisode(Frozen):
    episode_id: str
    spoken_for: bool


class Transmission(Frozen):
    """A transmission taken in before; `content_digest` is None on rows from before the
    digest was kept (migration 0012)."""

    status: str
    content_digest: str | None


class StayMessage(Frozen):
    """A message taken in before from the same sender about the same citizen under the same
    MessageHeader.id; `event_id` is None on rows from before stays were told apart."""

    bundle_id: str
    status: str
    episode_of_care: list[str]
    event_id: str | None
    content_digest: str | None


class MessageFacts(Frozen):
    """What a HospitalNotification meets when it comes in, read in one round trip: the
    transmission if it was taken in before, the citizen if known, whether the wards with
    the Encounter's serviceProvider's and the sender's SOR codes are psychiatric (None: no
    ward has the code), the citizen's open episodes with whether the sender speaks for each
    (newest first), and what this sender sent about the citizen under the same
    MessageHeader.id (oldest first)."""

    earlier: Transmission | None
    citizen_id: str | None
    provider_psychiatric: bool | None
    sender_psychiatric: bool | None
    open_episodes: tuple[OpenEpisode, ...] = ()
    under_header: tuple[StayMessage, ...] = ()


# A sender speaks for an episode when it is a ward (by SOR code) of the organisation (the
# region) that holds the episode's ward. The ward comes from the read model, or from the
# applied referral while the episode has not committed yet. `opened`: the citizen's started
# episodes that have not ended, newest first, as two arrays (ids, spoken for).
_MESSAGE_FACTS = """
WITH citizen AS (SELECT citizen_id FROM citizens WHERE cpr = $3),
opened AS (
    SELECT array_agg(r.episode_id ORDER BY r.received_at DESC) AS ids,
           array_agg(EXISTS (
               SELECT 1 FROM wards own
               JOIN wards sender ON sender.organisation_id = own.organisation_id
               WHERE own.ward_id = coalesce(e.ward_id, r.body #>> '{payload,ward_id}')
                 AND sender.sor_code = $5
           ) ORDER BY r.received_at DESC) AS spoken_for
    FROM events_received r
    LEFT JOIN episodes e ON e.episode_id = r.episode_id
    WHERE r.citizen_id = (SELECT citizen_id FROM citizen)
      AND r.event_type = 'referral_created' AND r.status = 'applied'
      AND (e.phase IS NULL OR NOT (e.phase = ANY ($6::text[])))
)
SELECT m.status, m.content_digest,
       (SELECT citizen_id FROM citizen) AS citizen_id,
       (SELECT psychiatric FROM wards WHERE sor_code = $4) AS provider_psychiatric,
       (SELECT psychiatric FROM wards WHERE sor_code = $5) AS sender_psychiatric,
       opened.ids AS open_ids, opened.spoken_for AS open_spoken_for,
       (SELECT json_agg(json_build_object(
                'bundle_id', u.bundle_id, 'status', u.status,
                'episode_of_care', u.episode_of_care, 'event_id', u.event_id,
                'content_digest', u.content_digest) ORDER BY u.received_at, u.bundle_id)
        FROM medcom_messages u
        WHERE u.sender_sor = $5 AND u.citizen_id = (SELECT citizen_id FROM citizen)
          AND u.message_header_id = $2) AS under_header
FROM opened
LEFT JOIN medcom_messages m ON m.bundle_id = $1 AND m.message_header_id = $2
"""


async def message_facts(
    conn: PooledConnection,
    *,
    bundle_id: str,
    message_header_id: str,
    cpr: str,
    service_provider_sor: str,
    sender_sor: str,
) -> MessageFacts:
    """The transmission (Bundle.id, MessageHeader.id) if taken in before, the citizen by
    CPR, whether the wards of both SOR codes are psychiatric, the citizen's open episodes
    and the messages under the same header, together."""
    row = await conn.fetchrow(
        _MESSAGE_FACTS,
        bundle_id,
        message_header_id,
        cpr,
        service_provider_sor,
        sender_sor,
        _ENDED,
    )
    assert row is not None
    earlier = (
        None
        if row["status"] is None
        else Transmission(status=row["status"], content_digest=row["content_digest"])
    )
    return MessageFacts(
        earlier=earlier,
        citizen_id=row["citizen_id"],
        provider_psychiatric=row["provider_psychiatric"],
        sender_psychiatric=row["sender_psychiatric"],
        open_episodes=tuple(
            OpenEpisode(episode_id=i, spoken_for=f)
            for i, f in zip(row["open_ids"] or (), row["open_spoken_for"] or (), strict=True)
        ),
        under_header=tuple(
            StayMessage.model_validate(m) for m in json.loads(row["under_header"] or "[]")
        ),
    )


async def messages_under_header(
    conn: PooledConnection, sender_sor: str, citizen_id: str, message_header_id: str
) -> list[StayMessage]:
    """Every message this sender sent about this citizen with this MessageHeader.id, oldest
    first (whether they are about one stay is the caller's to judge, from the tokens)."""
    rows = await conn.fetch(
        "SELECT bundle_id, status, episode_of_care, event_id, content_digest"
        " FROM medcom_messages WHERE sender_sor = $1 AND citizen_id = $2"
        " AND message_header_id = $3 ORDER BY received_at, bundle_id",
        sender_sor,
        citizen_id,
        message_header_id,
    )
    return [StayMessage.model_validate(dict(r)) for r in rows]


async def episode_senders(conn: PooledConnection, episode_id: str) -> list[str]:
    """The SOR codes that may speak for the episode: every ward of its ward's organisation."""
    rows = await conn.fetch(_EPISODE_SENDERS, episode_id)
    return [r["sor_code"] for r in rows]


class StoredMessage(Frozen):
    """A transmission as it is kept: 'applied'; 'waiting', kept until a referral for the
    citizen starts an episode; 'collision', kept, not applied, and listed for an operator."""

    bundle_id: str
    message_header_id: str
    citizen_id: str
    activity: str
    refers_to_header: str | None
    episode_id: str | None
    status: Literal["applied", "waiting", "collision"]
    sender_sor: str
    episode_of_care: tuple[str, ...]
    event_id: str
    target_event_id: str | None
    content_digest: str


_KEEP = """
INSERT INTO medcom_messages (bundle_id, message_header_id, citizen_id, activity,
    refers_to_header, episode_id, status, sender_sor, episode_of_care, event_id,
    target_event_id, content_digest)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, $11, $12)
ON CONFLICT DO NOTHING
"""

# The message kept, and the corrections listed for want of it resolved (`target_arrived`), in
# one statement: the UPDATE sees the rows before the INSERT, which it needs no more than that.
_KEEP_AND_RESOLVE = (
    "WITH kept AS ("
    + _KEEP
    + """)
UPDATE medcom_attention a SET resolved_at = now() FROM medcom_messages m
WHERE a.reason = 'target_not_found' AND a.resolved_at IS NULL
  AND m.bundle_id = a.bundle_id AND m.message_header_id = a.message_header_id
  AND m.target_event_id = $10
"""
)


def _stored(m: StoredMessage) -> tuple[object, ...]:
    return (
        m.bundle_id,
        m.message_header_id,
        m.citizen_id,
        m.activity,
        m.refers_to_header,
        m.episode_id,
        m.status,
        m.sender_sor,
        list(m.episode_of_care),
        m.event_id,
        m.target_event_id,
        m.content_digest,
    )


async def remember_message(conn: PooledConnection, message: StoredMessage) -> None:
    """Keep the transmission once; a repeat of the same (Bundle.id, MessageHeader.id) changes
    nothing."""
    await conn.execute(_KEEP, *_stored(message))


async def remember_message_resolving(conn: PooledConnection, message: StoredMessage) -> int:
    """`remember_message` and `target_arrived` for its event in one statement; returns how
    many listed corrections were resolved."""
    resolved: str = await conn.execute(_KEEP_AND_RESOLVE, *_stored(message))
    return int(resolved.rsplit(" ", 1)[-1])


# The message kept (as in `_KEEP_AND_RESOLVE`) and its events recorded for their episodes, in
# one statement: a message applied is one round trip and one commit before its events go to
# Temporal. An event recorded before is "updated" to its own status, so that RETURNING tells
# which of them Temporal held before (a repeat, not handed over again). The events come as one
# JSON array ($13), and nothing else is looked up by a list: an array parameter is estimated
# by its length in a custom plan and at 10 elements in a generic one, so PostgreSQL planned
# the statement anew for every message (0.5 ms, more than running it).
_KEEP_WITH_EVENTS = (
    "WITH kept AS ("  # noqa: S608 (constants only)
    + _KEEP
    + """), resolved AS (
    UPDATE medcom_attention a SET resolved_at = now() FROM medcom_messages m
    WHERE a.reason = 'target_not_found' AND a.resolved_at IS NULL
      AND m.bundle_id = a.bundle_id AND m.message_header_id = a.message_header_id
      AND m.target_event_id = $10
    RETURNING 1
), recorded AS (
    INSERT INTO events_received (event_id, event_type, episode_id, source, status, body)
    SELECT e.event_id, e.event_type, e.episode_id, 'medcom', 'received', e.body
    FROM jsonb_to_recordset($13::jsonb)
        AS e (event_id text, event_type text, episode_id text, body jsonb)
    ON CONFLICT (event_id) DO UPDATE SET status = events_received.status
    RETURNING event_id, status
)
SELECT (SELECT count(*) FROM resolved) AS resolved,
       (SELECT coalesce(array_agg(event_id), '{}') FROM recorded
        WHERE status IN ('signalled', 'applied')) AS delivered
"""
)


class KeptWithEvents(NamedTuple):
    """What keeping a message with its events found: how many listed corrections it
    resolved, and which of its events Temporal held before (a repeat changes nothing)."""

    resolved: int
    delivered: frozenset[str]


async def remember_message_with_events(
    conn: PooledConnection,
    message: StoredMessage,
    events: Sequence[tuple[str, EpisodeEvent]],
) -> KeptWithEvents:
    """`remember_message_resolving` and `record_event` (received, source medcom) for each
    (episode id, event), in one statement."""
    row = await conn.fetchrow(
        _KEEP_WITH_EVENTS,
        *_stored(message),
        json.dumps(
            [
                {
                    "event_id": event.event_id,
                    "event_type": event.type,
                    "episode_id": episode_id,
                    "body": event.model_dump(mode="json"),
                }
                for episode_id, event in events
            ]
        ),
    )
    assert row is not None
    return KeptWithEvents(resolved=row["resolved"], delivered=frozenset(row["delivered"]))


async def forget_message(conn: PooledConnection, bundle_id: str, message_header_id: str) -> None:
    """The transmission was kept as applied but its events could not be handed on: forget
    it, so that the sender's next attempt is taken in afresh (its recorded events stay, for
    that attempt or the redelivery sweep)."""
    await conn.execute(
        "DELETE FROM medcom_messages WHERE bundle_id = $1 AND message_header_id = $2"
        " AND status = 'applied'",
        bundle_id,
        message_header_id,
    )


AttentionReason = Literal["collision", "header_reused_in_stay", "target_not_found"]


async def needs_a_look(
    conn: PooledConnection,
    *,
    reason: AttentionReason,
    bundle_id: str,
    message_header_id: str,
    sender_sor: str,
    activity: str,
    refers_to_header: str | None,
    content_digest: str,
    earlier_digest: str | None = None,
) -> None:
    """List a received message for an operator, once per (transmission, content, reason):
    'collision' (a transmission's ids repeated with other content), 'header_reused_in_stay'
    (another message of the stay under a MessageHeader.id already used there),
    'target_not_found' (a revise/cancel of a message we do not have for the stay)."""
    await conn.execute(
        "INSERT INTO medcom_attention (attention_id, reason, bundle_id, message_header_id,"
        " sender_sor, activity, refers_to_header, content_digest, earlier_digest)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        f"medcom-look-{uuid.uuid4().hex}",
        reason,
        bundle_id,
        message_header_id,
        sender_sor,
        activity,
        refers_to_header,
        content_digest,
        earlier_digest,
    )


class MedcomAttention(Frozen):
    """A received message an operator should look at: ids and codes, never the citizen."""

    received_at: datetime
    reason: AttentionReason
    bundle_id: str
    message_header_id: str
    sender_sor: str
    activity: str
    refers_to_header: str | None


async def messages_needing_a_look(conn: PooledConnection, limit: int = 50) -> list[MedcomAttention]:
    """The newest `limit` messages listed for an operator and not resolved, newest first."""
    rows = await conn.fetch(
        "SELECT received_at, reason, bundle_id, message_header_id, sender_sor, activity,"
        " refers_to_header FROM medcom_attention WHERE resolved_at IS NULL"
        " ORDER BY received_at DESC, attention_id LIMIT $1",
        limit,
    )
    return [MedcomAttention.model_validate(dict(r)) for r in rows]


async def target_arrived(conn: PooledConnection, event_id: str) -> int:
    """The message whose event is `event_id` has arrived: the revise/cancel messages that
    were listed for correcting it before it was known are resolved; returns how many."""
    resolved: str = await conn.execute(
        "UPDATE medcom_attention a SET resolved_at = now() FROM medcom_messages m"
        " WHERE a.reason = 'target_not_found' AND a.resolved_at IS NULL"
        " AND m.bundle_id = a.bundle_id AND m.message_header_id = a.message_header_id"
        " AND m.target_event_id = $1",
        event_id,
    )
    return int(resolved.rsplit(" ", 1)[-1])


async def assign_waiting(
    conn: PooledConnection, citizen_id: str, episode_id: str, senders: Sequence[str]
) -> None:
    """The citizen's waiting transmissions from these senders belong to the episode a
    referral has just started (the others keep waiting)."""
    await conn.execute(
        "UPDATE medcom_messages SET status = 'applied', episode_id = $2"
        " WHERE citizen_id = $1 AND status = 'waiting' AND sender_sor = ANY($3::text[])",
        citizen_id,
        episode_id,
        list(senders),
    )


async def audit_refusal(
    conn: PooledConnection,
    *,
    actor_role: str,
    actor_id: str,
    field: str,
    bundle_id: str,
    message_header_id: str,
    sender_sor: str,
    episode_id: str | None,
) -> None:
    """A message refused for whom it claims to speak: the token, the field and the message's
    ids and sender (organisation codes, never personal data)."""
    detail = {
        "bundle_id": bundle_id,
        "message_header_id": message_header_id,
        "sender_sor": sender_sor,
    }
    await conn.execute(
        "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, reason,"
        " detail) VALUES ($1, now(), $2, $3, 'medcom_refused', $4, $5, $6::jsonb)",
        f"medcom-refused-{uuid.uuid4().hex}",
        actor_role,
        actor_id,
        episode_id,
        field,
        json.dumps(detail),
    )
