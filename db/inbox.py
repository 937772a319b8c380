"""The in-app inbox: a person's notifications in the outbox, and marking them read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.connection import PooledConnection
from schemas.base import Frozen


class InboxItem(Frozen):
    notification_id: str
    episode_id: str | None  # None: a notice about the roster
    template: str
    task_id: str | None
    created_at: datetime
    read: bool


class InboxEpisode(Frozen):
    """What decides who may open the notification's episode (see `api.scoping`)."""

    episode_id: str
    ward_id: str
    peer_id: str | None
    organisation_id: str
    municipality_code: str
    consents: list[str]


class InboxTask(Frozen):
    """What decides who may act on the notification's task."""

    status: str
    assignee_role: str
    assignee_id: str
    assignee_service: str | None


class InboxEntry(InboxItem):
    """An inbox line with its episode's scope and its task's assignee (None when the read
    model has no such row), so the page links only where its reader may open it."""

    episode: InboxEpisode | None
    task: InboxTask | None


_INBOX = (
    "SELECT notification_id, episode_id, template, task_id, created_at,"
    " read_at IS NOT NULL AS read"
    " FROM outbox WHERE user_id = $1 AND channel = 'inbox'"
    " ORDER BY created_at DESC LIMIT 200"
)
# Newest first; the notification id breaks ties, so pages neither repeat nor skip a line.
_PAGE = """
SELECT o.notification_id, o.episode_id, o.template, o.task_id, o.created_at,
       o.read_at IS NOT NULL AS read,
       e.ward_id, e.peer_id, e.organisation_id, e.municipality_code, e.consents,
       t.status, t.assignee_role, t.assignee_id, t.assignee_service
FROM outbox o
LEFT JOIN episodes e ON e.episode_id = o.episode_id
LEFT JOIN tasks t ON t.task_id = o.task_id
WHERE o.user_id = $1 AND o.channel = 'inbox'
ORDER BY o.created_at DESC, o.notification_id DESC
LIMIT $2 OFFSET $3
"""
_COUNTS = (
    "SELECT count(*) AS total, count(*) FILTER (WHERE read_at IS NULL) AS unread"
    " FROM outbox WHERE user_id = $1 AND channel = 'inbox'"
)
_UNREAD = "SELECT count(*) FROM outbox WHERE user_id = $1 AND channel = 'inbox' AND read_at IS NULL"
# Marking read twice keeps the first time.
_MARK_READ = (
    "UPDATE outbox SET read_at = COALESCE(read_at, now()) WHERE notification_id = $1"
    " AND user_id = $2 AND channel = 'inbox'"
)
_MARK_ALL_READ = (
    "UPDATE outbox SET read_at = now() WHERE user_id = $1 AND channel = 'inbox' AND read_at IS NULL"
)


class InboxCounts(Frozen):
    total: int
    unread: int


async def inbox(conn: PooledConnection, user_id: str) -> list[InboxItem]:
    """The person's in-app notifications, newest first (the last 200)."""
    return [InboxItem.model_validate(dict(r)) for r in await conn.fetch(_INBOX, user_id)]


async def inbox_page(
    conn: PooledConnection, user_id: str, *, limit: int, offset: int
) -> list[InboxEntry]:
    """One page of the person's in-app notifications, newest first."""
    return [_entry(dict(r)) for r in await conn.fetch(_PAGE, user_id, limit, offset)]


def _entry(row: dict[str, Any]) -> InboxEntry:
    """The joined columns become the entry's episode and task (None where the LEFT JOIN
    found no row)."""
    episode = {name: row.pop(name) for name in InboxEpisode.model_fields if name != "episode_id"}
    episode["episode_id"] = row["episode_id"]
    task = {name: row.pop(name) for name in InboxTask.model_fields}
    return InboxEntry.model_validate(
        {
            **row,
            "episode": None if episode["ward_id"] is None else episode,
            "task": None if task["status"] is None else task,
        }
    )


async def counts(conn: PooledConnection, user_id: str) -> InboxCounts:
    """How many in-app notifications the person has, and how many of them are unread."""
    row = await conn.fetchrow(_COUNTS, user_id)
    return InboxCounts(total=0, unread=0) if row is None else InboxCounts.model_validate(dict(row))


async def unread(conn: PooledConnection, user_id: str) -> int:
    """How many of the person's in-app notifications are unread."""
    count: int = await conn.fetchval(_UNREAD, user_id)
    return count


async def mark_read(conn: PooledConnection, notification_id: str, user_id: str) -> bool:
    """False when the person has no such notification."""
    status: str = await conn.execute(_MARK_READ, notification_id, user_id)
    return not status.endswith(" 0")


async def mark_all_read(conn: PooledConnection, user_id: str) -> int:
    """Marks every unread notification of the person read; returns how many."""
    status: str = await conn.execute(_MARK_ALL_READ, user_id)
    return int(status.rsplit(" ", 1)[-1])
