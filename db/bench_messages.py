"""What the benchmark reads of the CareCommunications it caused and of a course term's seats."""

from __future__ import annotations

from collections.abc import Sequence

from db.connection import PooledConnection
from schemas.base import Frozen


class SentMessage(Frozen):
    """One outgoing CareCommunication of an episode, as far as the benchmark follows it."""

    episode_id: str
    message_header_id: str
    status: str
    attempts: int


async def discharge_messages(
    conn: PooledConnection, episode_ids: Sequence[str]
) -> list[SentMessage]:
    """The discharge CareCommunications of these episodes (one each, once the episode has
    made it)."""
    rows = await conn.fetch(
        "SELECT episode_id, message_header_id, status, attempts FROM medcom_outbox"
        " WHERE episode_id = ANY($1::text[]) AND kind = 'discharge'",
        list(episode_ids),
    )
    return [SentMessage.model_validate(dict(r)) for r in rows]
