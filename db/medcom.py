"""The medcom_messages table: every HospitalNotification taken in, keyed by its transmission."""

from __future__ import annotations

from typing import Literal

from db.connection import PooledConnection


async def was_received(conn: PooledConnection, bundle_id: str, message_header_id: str) -> bool:
    """Whether this transmission (Bundle.id, MessageHeader.id) was taken in before."""
    found = await conn.fetchval(
        "SELECT 1 FROM medcom_messages WHERE bundle_id = $1 AND message_header_id = $2",
        bundle_id,
        message_header_id,
    )
    return found is not None


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
) -> None:
    """Keep the transmission once; a repeat of the same (Bundle.id, MessageHeader.id) changes
    nothing. 'waiting' means kept until a referral for the citizen starts an episode."""
    await conn.execute(
        "INSERT INTO medcom_messages (bundle_id, message_header_id, citizen_id, activity,"
        " refers_to_header, episode_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT DO NOTHING",
        bundle_id,
        message_header_id,
        citizen_id,
        activity,
        refers_to_header,
        episode_id,
        status,
    )


async def assign_waiting(conn: PooledConnection, citizen_id: str, episode_id: str) -> None:
    """The citizen's waiting transmissions belong to the episode a referral has just started."""
    await conn.execute(
        "UPDATE medcom_messages SET status = 'applied', episode_id = $2"
        " WHERE citizen_id = $1 AND status = 'waiting'",
        citizen_id,
        episode_id,
    )
