"""The medcom_outbox table: each CareCommunication we send, from its first attempt to the
Acknowledgement that ends it. Ids, codes and times only: the message itself is built again
from the database for each attempt (same ids, same content), so nothing personal is kept
here and erasing the citizen leaves nothing behind but the bare fact a message was sent."""

from __future__ import annotations

from datetime import datetime

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.care_communication import AcknowledgementCode

_COLUMNS = (
    "message_id, episode_id, kind, bundle_id, message_header_id, receiver_sor, status,"
    " attempts, last_error, first_sent_at, last_sent_at, ack_code, ack_reason, acknowledged_at,"
    " created_at"
)


class OutboxMessage(Frozen):
    message_id: str
    episode_id: str
    kind: str
    bundle_id: str
    message_header_id: str
    receiver_sor: str | None
    status: str
    attempts: int
    last_error: str
    first_sent_at: datetime | None
    last_sent_at: datetime | None
    ack_code: str | None
    ack_reason: str
    acknowledged_at: datetime | None
    created_at: datetime


async def prepare(
    conn: PooledConnection,
    *,
    message_id: str,
    episode_id: str,
    kind: str,
    bundle_id: str,
    message_header_id: str,
    receiver_sor: str | None,
) -> OutboxMessage:
    """The message's row, made on the first attempt (a later attempt finds it unchanged)."""
    await conn.execute(
        "INSERT INTO medcom_outbox (message_id, episode_id, kind, bundle_id, message_header_id,"
        " receiver_sor) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
        message_id,
        episode_id,
        kind,
        bundle_id,
        message_header_id,
        receiver_sor,
    )
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM medcom_outbox WHERE message_id = $1",  # noqa: S608
        message_id,
    )
    if row is None:  # pragma: no cover - inserted or found just above
        raise LookupError("outbox row vanished")
    return OutboxMessage.model_validate(dict(row))


async def mark_sent(conn: PooledConnection, message_id: str, attempt: int) -> None:
    """Handed to the transport (attempt n); an acknowledged or rejected message stays so."""
    await conn.execute(
        "UPDATE medcom_outbox SET attempts = greatest(attempts, $2), last_error = '',"
        " first_sent_at = coalesce(first_sent_at, now()), last_sent_at = now(),"
        " status = CASE WHEN status IN ('sending', 'unanswered', 'undeliverable')"
        "               THEN 'sent' ELSE status END"
        " WHERE message_id = $1",
        message_id,
        attempt,
    )


async def mark_attempt_failed(
    conn: PooledConnection, message_id: str, attempt: int, error: str
) -> None:
    """The transport refused attempt n (`error` is a code-like reason, never content)."""
    await conn.execute(
        "UPDATE medcom_outbox SET attempts = greatest(attempts, $2), last_error = $3"
        " WHERE message_id = $1",
        message_id,
        attempt,
        error[:200],
    )


async def by_header(conn: PooledConnection, message_header_id: str) -> OutboxMessage | None:
    """Our message with this MessageHeader.id (what an Acknowledgement's response.identifier
    and a reply's revision entity name)."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM medcom_outbox WHERE message_header_id = $1",  # noqa: S608
        message_header_id,
    )
    return None if row is None else OutboxMessage.model_validate(dict(row))


async def record_acknowledgement(
    conn: PooledConnection,
    message_header_id: str,
    code: AcknowledgementCode,
    reason: str,
) -> None:
    """An Acknowledgement came for our message: ok makes it acknowledged, fatal-error
    rejected; a transient error is noted and the message stays open for the next attempt."""
    await conn.execute(
        "UPDATE medcom_outbox SET ack_code = $2, ack_reason = $3, acknowledged_at = now(),"
        " status = CASE $2 WHEN 'ok' THEN 'acknowledged' WHEN 'fatal-error' THEN 'rejected'"
        "               ELSE status END"
        " WHERE message_header_id = $1 AND status <> 'acknowledged'",
        message_header_id,
        code.value,
        reason[:200],
    )


async def finish(conn: PooledConnection, message_id: str, status: str, reason: str) -> None:
    """The delivery's end as its workflow decided it (acknowledged, rejected, unanswered,
    undeliverable, not_sent)."""
    await conn.execute(
        "UPDATE medcom_outbox SET status = $2,"
        " last_error = CASE WHEN $3 = '' THEN last_error ELSE $3 END WHERE message_id = $1",
        message_id,
        status,
        reason[:200],
    )


async def for_episode(conn: PooledConnection, episode_id: str) -> list[OutboxMessage]:
    """The episode's messages, oldest first."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM medcom_outbox WHERE episode_id = $1"  # noqa: S608
        " ORDER BY created_at, message_id",
        episode_id,
    )
    return [OutboxMessage.model_validate(dict(r)) for r in rows]


async def message_ids_of(conn: PooledConnection, episode_ids: list[str]) -> list[str]:
    """The ids of every message these episodes sent (erasure deletes their deliveries)."""
    rows = await conn.fetch(
        "SELECT message_id FROM medcom_outbox WHERE episode_id = ANY($1::text[])"
        " ORDER BY message_id",
        episode_ids,
    )
    return [r["message_id"] for r in rows]
