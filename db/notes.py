"""The notes people wrote in an episode (personal data): contact and concern notes as their
events recorded them, task-decision and debrief notes on the tasks; and the audit of reading
them (how many, never the text)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen

NoteKind = Literal["contact", "concern", "task", "debrief"]


class Note(Frozen):
    """One note; `task_id` is the concern task a concern raised, or the task a decision
    note was written on. A concern without a note has an empty text."""

    kind: NoteKind
    at: datetime
    author_role: str | None
    author_id: str | None
    text: str = Field(repr=False)
    urgent: bool
    task_id: str | None
    task_kind: str | None


# A concern task is the one its concern event raised: the workflow audits each event as it
# applies it (`event.concern_flagged`, with the event id) and then adds the task, so the
# task's is the last such audit entry before it in the episode's id sequence (ids end in
# -a<seq> / -t<seq>).
_NOTES = """
WITH concern_tasks AS (
    SELECT t.task_id, t.kind, (
        SELECT a.detail->>'event_id' FROM audit_log a
        WHERE a.episode_id = t.episode_id AND a.action = 'event.concern_flagged'
          AND substring(a.audit_id FROM '-a([0-9]+)$')::bigint
              < substring(t.task_id FROM '-t([0-9]+)$')::bigint
        ORDER BY substring(a.audit_id FROM '-a([0-9]+)$')::bigint DESC
        LIMIT 1
    ) AS event_id
    FROM tasks t WHERE t.episode_id = $1 AND t.kind = 'concern'
)
SELECT CASE e.event_type WHEN 'contact_logged' THEN 'contact' ELSE 'concern' END AS kind,
       coalesce((e.body->>'occurred_at')::timestamptz, e.received_at) AS at,
       e.body->'actor'->>'role' AS author_role,
       e.body->'actor'->>'id' AS author_id,
       coalesce(e.body->'payload'->>'note', '') AS text,
       coalesce((e.body->'payload'->>'urgent')::boolean, false) AS urgent,
       c.task_id, c.kind AS task_kind
FROM events_received e
LEFT JOIN concern_tasks c ON c.event_id = e.event_id
WHERE e.episode_id = $1 AND e.status = 'applied'
  AND (e.event_type = 'concern_flagged'
       OR (e.event_type = 'contact_logged' AND coalesce(e.body->'payload'->>'note', '') <> ''))
UNION ALL
SELECT CASE t.kind WHEN 'debrief' THEN 'debrief' ELSE 'task' END,
       coalesce(t.decided_at, t.created_at),
       nullif(split_part(t.decided_by, ':', 1), ''),
       nullif(substr(t.decided_by, strpos(t.decided_by, ':') + 1), ''),
       t.note, false, t.task_id, t.kind
FROM tasks t
WHERE t.episode_id = $1 AND t.note <> ''
ORDER BY at DESC, kind, task_id
"""


async def episode_notes(conn: PooledConnection, episode_id: str) -> list[Note]:
    """Every note of the episode, newest first (concerns also without a text)."""
    return [Note.model_validate(dict(r)) for r in await conn.fetch(_NOTES, episode_id)]


async def audit_notes_read(
    conn: PooledConnection,
    *,
    actor_role: str,
    actor_id: str,
    episode_id: str,
    notes: int,
    place: Literal["episode", "task_card"],
) -> None:
    """Who read the episode's notes, where and how many (append-only; never the text)."""
    await conn.execute(
        "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)"
        " VALUES ($1, now(), $2, $3, 'read.notes', $4, $5::jsonb)",
        f"notes-{uuid.uuid4().hex}",
        actor_role,
        actor_id,
        episode_id,
        json.dumps({"notes": notes, "place": place}),
    )
