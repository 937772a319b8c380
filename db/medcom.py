"""The medcom_messages table: every HospitalNotification taken in, keyed by its transmission;
which episode a sender may speak for; refused messages in the audit log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Literal

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.episode import TERMINAL_PHASES

_ENDED = sorted(p.value for p in TERMINAL_PHASES)

# A sender speaks for an episode when it is a ward (by SOR code) of the organisation (the
# region) that holds the episode's ward. The ward comes from the read model, or from the
# applied referral while the episode has not committed yet.
_OPEN_EPISODES = """
SELECT r.episode_id, EXISTS (
    SELECT 1 FROM wards own JOIN wards sender ON sender.organisation_id = own.organisation_id
    WHERE own.ward_id = coalesce(e.ward_id, r.body #>> '{payload,ward_id}')
      AND sender.sor_code = $2
) AS spoken_for
FROM events_received r
LEFT JOIN episodes e ON e.episode_id = r.episode_id
WHERE r.citizen_id = $1 AND r.event_type = 'referral_created' AND r.status = 'applied'
  AND (e.phase IS NULL OR NOT (e.phase = ANY ($3::text[])))
ORDER BY r.received_at DESC
"""

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


async def was_received(conn: PooledConnection, bundle_id: str, message_header_id: str) -> bool:
    """Whether this transmission (Bundle.id, MessageHeader.id) was taken in before."""
    found = await conn.fetchval(
        "SELECT 1 FROM medcom_messages WHERE bundle_id = $1 AND message_header_id = $2",
        bundle_id,
        message_header_id,
    )
    return found is not None


async def open_episodes_for_sender(
    conn: PooledConnection, citizen_id: str, sender_sor: str
) -> list[OpenEpisode]:
    """The citizen's started episodes that have not ended, newest first, each saying whether
    the sender (a SOR code) speaks for it."""
    rows = await conn.fetch(_OPEN_EPISODES, citizen_id, sender_sor, _ENDED)
    return [OpenEpisode.model_validate(dict(r)) for r in rows]


async def episode_senders(conn: PooledConnection, episode_id: str) -> list[str]:
    """The SOR codes that may speak for the episode: every ward of its ward's organisation."""
    rows = await conn.fetch(_EPISODE_SENDERS, episode_id)
    return [r["sor_code"] for r in rows]


async def remember_message(
    conn: PooledConnection,
    *,
    bundle_id: str,
    message_header_id: str,
    citizen_id: str,
    activity: str,
    refers_to_header: str | None,
    episode_id: str | None,
    status: Literal["applied", "waiting"],
    sender_sor: str,
) -> None:
    """Keep the transmission once; a repeat of the same (Bundle.id, MessageHeader.id) changes
    nothing. 'waiting' means kept until a referral for the citizen starts an episode."""
    await conn.execute(
        "INSERT INTO medcom_messages (bundle_id, message_header_id, citizen_id, activity,"
        " refers_to_header, episode_id, status, sender_sor)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        bundle_id,
        message_header_id,
        citizen_id,
        activity,
        refers_to_header,
        episode_id,
        status,
        sender_sor,
    )


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
