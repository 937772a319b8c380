"""The in-app inbox: a person's notifications in the outbox, and marking one read."""

from __future__ import annotations

from datetime import datetime

from db.connection import PooledConnection
from schemas.base import Frozen


class InboxItem(Frozen):
    notification_id: str
    episode_id: str
    template: str
    task_id: str | None
    created_at: datetime
    read: bool


_INBOX = (
    "SELECT notification_id, episode_id, template, task_id, created_at,"
    " read_at IS NOT NULL AS read"
    " FROM outbox WHERE user_id = $1 AND channel = 'inbox'"
    " ORDER BY created_at DESC LIMIT 200"
)
# Marking read twice keeps the first time.
_MARK_READ = (
    "UPDATE outbox SET read_at = COALESCE(read_at, now()) WHERE notification_id = $1"
    " AND user_id = $2 AND channel = 'inbox'"
)


async def inbox(conn: PooledConnection, user_id: str) -> list[InboxItem]:
    """The person's in-app notifications, newest first (the last 200)."""
    return [InboxItem.model_validate(dict(r)) for r in await conn.fetch(_INBOX, user_id)]


async def mark_read(conn: PooledConnection, notification_id: str, user_id: str) -> bool:
    """False when the person has no such notification."""
    status: str = await conn.execute(_MARK_READ, notification_id, user_id)
    return not status.endswith(" 0")
