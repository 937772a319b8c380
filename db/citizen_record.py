"""What the citizen's own pages read about them: their episodes with the consents that stand,
the audit log of their record (who read or changed it, by role and place, never a name), and
everything held about them for the download; and the audit line of that download."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen

# Lines by the system itself (timers, queued notices, commits) are how the engine works,
# not someone looking at the citizen; the citizen's own lines are theirs.
NOT_SHOWN_ROLES = ("system", "citizen")


class MyEpisode(Frozen):
    """One of the citizen's episodes, with the places that take part and the consents that
    stand now (the read model the access checks use)."""

    episode_id: str
    programme: str
    programme_name: str | None
    programme_name_da: str | None
    phase: str
    ward_name: str
    organisation_name: str
    municipality_name: str | None
    consents: tuple[str, ...]
    referred_at: datetime
    discharged_at: datetime | None
    closed_at: datetime | None


_EPISODES = """
SELECT e.episode_id, e.programme, p.definition->>'name' AS programme_name,
       p.definition->>'name_da' AS programme_name_da, e.phase,
       w.name AS ward_name, o.name AS organisation_name, m.name AS municipality_name,
       e.consents, e.referred_at, e.discharged_at, e.closed_at
FROM episodes e
JOIN wards w ON w.ward_id = e.ward_id
JOIN organisations o ON o.organisation_id = e.organisation_id
LEFT JOIN municipalities m ON m.municipality_code = e.municipality_code
LEFT JOIN programmes p ON p.code = e.programme
WHERE e.episode_id = ANY ($1::text[]) AND e.citizen_id = $2
ORDER BY e.referred_at DESC, e.episode_id
"""


async def my_episodes(
    conn: PooledConnection, citizen_id: str, episode_ids: Sequence[str]
) -> list[MyEpisode]:
    """The citizen's episodes (theirs by the session and by the read model), newest first."""
    rows = await conn.fetch(_EPISODES, list(episode_ids), citizen_id)
    return [MyEpisode.model_validate({**dict(r), "consents": tuple(r["consents"])}) for r in rows]


class RecordLine(Frozen):
    """One audit line about the citizen: when, what (the action), by which role, at which
    place (the ward, municipality or organisation of the person; None for a relative or a
    system token) and their service (caseworkers)."""

    at: datetime
    action: str
    actor_role: str
    place: str | None
    service: str | None


# A line is about the citizen when it names one of their episodes, or the citizen themselves
# in its detail (their message choices). The person is shown by the place they work, the
# way the audit can be followed up with that place: never their name.
_LINES = """
SELECT a.at, a.action, a.actor_role,
       CASE a.actor_role
           WHEN 'ward' THEN coalesce(w.name, o.name)
           WHEN 'caseworker' THEN coalesce(m.name, o.name)
           ELSE coalesce(o.name, w.name, m.name)
       END AS place,
       u.service
FROM audit_log a
LEFT JOIN users u ON u.user_id = a.actor_id AND u.role = a.actor_role
LEFT JOIN wards w ON w.ward_id = u.ward_id
LEFT JOIN organisations o ON o.organisation_id = u.organisation_id
LEFT JOIN municipalities m ON m.municipality_code = u.municipality_code
WHERE (a.episode_id = ANY ($1::text[]) OR a.detail->>'citizen_id' = $2)
  AND a.actor_role <> ALL ($3::text[])
ORDER BY a.at DESC, a.audit_no DESC
LIMIT $4 OFFSET $5
"""


async def record_lines(
    conn: PooledConnection,
    citizen_id: str,
    episode_ids: Sequence[str],
    *,
    limit: int,
    offset: int,
) -> list[RecordLine]:
    """Who read or changed the citizen's record, newest first, one page."""
    rows = await conn.fetch(
        _LINES, list(episode_ids), citizen_id, list(NOT_SHOWN_ROLES), limit, offset
    )
    return [RecordLine.model_validate(dict(r)) for r in rows]


class CitizenRow(Frozen):
    cpr: str | None = Field(repr=False)
    created_at: datetime


class ContactRow(Frozen):
    name: str | None = Field(repr=False)
    phone: str | None = Field(repr=False)
    email: str | None = Field(repr=False)
    recorded_by_role: str
    recorded_at: datetime


class GoalRow(Frozen):
    area: str
    text: str = Field(repr=False)
    status: str
    set_at: datetime | None
    changed_at: datetime | None


class TimelineRow(Frozen):
    at: datetime
    kind: str
    actor_role: str | None
    summary: str
    text_key: str | None
    params: dict[str, str]


class RelativeRow(Frozen):
    name: str = Field(repr=False)
    relation: str | None = Field(repr=False)
    phone: str | None = Field(repr=False)
    email: str | None = Field(repr=False)
    recorded_at: datetime
    removed_at: datetime | None


class TaskRow(Frozen):
    kind: str
    assignee_role: str
    status: str
    created_at: datetime
    due_at: datetime | None
    decided_at: datetime | None


class MessageRow(Frozen):
    template: str
    channel: str
    status: str
    created_at: datetime
    sent_at: datetime | None


async def citizen_row(conn: PooledConnection, citizen_id: str) -> CitizenRow | None:
    row = await conn.fetchrow(
        "SELECT cpr, created_at FROM citizens WHERE citizen_id = $1", citizen_id
    )
    return None if row is None else CitizenRow.model_validate(dict(row))


async def contact(conn: PooledConnection, episode_id: str) -> ContactRow | None:
    row = await conn.fetchrow(
        "SELECT name, phone, email, recorded_by_role, recorded_at FROM episode_contacts"
        " WHERE episode_id = $1",
        episode_id,
    )
    return None if row is None else ContactRow.model_validate(dict(row))


async def goals(conn: PooledConnection, episode_id: str) -> list[GoalRow]:
    rows = await conn.fetch(
        "SELECT area, text, status, set_at, changed_at FROM episode_goals"
        " WHERE episode_id = $1 ORDER BY goal_no",
        episode_id,
    )
    return [GoalRow.model_validate(dict(r)) for r in rows]


async def timeline(conn: PooledConnection, episode_id: str) -> list[TimelineRow]:
    rows = await conn.fetch(
        "SELECT at, kind, actor_role, summary, text_key, params FROM timeline"
        " WHERE episode_id = $1 ORDER BY at, entry_id",
        episode_id,
    )
    return [
        TimelineRow.model_validate(
            {**dict(r), "params": {k: str(v) for k, v in json.loads(r["params"]).items()}}
        )
        for r in rows
    ]


async def relatives(conn: PooledConnection, episode_id: str) -> list[RelativeRow]:
    """Every relative ever on the episode; a removed one keeps no name or contact data."""
    rows = await conn.fetch(
        "SELECT name, relation, phone, email, recorded_at, removed_at FROM episode_relatives"
        " WHERE episode_id = $1 ORDER BY recorded_at, relative_id",
        episode_id,
    )
    return [RelativeRow.model_validate(dict(r)) for r in rows]


async def tasks(conn: PooledConnection, episode_id: str) -> list[TaskRow]:
    rows = await conn.fetch(
        "SELECT kind, assignee_role, status, created_at, due_at, decided_at FROM tasks"
        " WHERE episode_id = $1 ORDER BY created_at, task_id",
        episode_id,
    )
    return [TaskRow.model_validate(dict(r)) for r in rows]


async def messages(conn: PooledConnection, episode_id: str) -> list[MessageRow]:
    """The messages to the citizen (outbox rows 'citizen:<episode>'), oldest first."""
    rows = await conn.fetch(
        "SELECT template, channel, status, created_at, sent_at FROM outbox"
        " WHERE user_id = $1 AND episode_id = $2 ORDER BY created_at, notification_id, channel",
        f"citizen:{episode_id}",
        episode_id,
    )
    return [MessageRow.model_validate(dict(r)) for r in rows]


async def audit_export(
    conn: PooledConnection, citizen_id: str, episode_ids: Sequence[str], form: str
) -> None:
    """The citizen downloaded or printed their data: one line per episode it held (ids and
    the form only)."""
    await conn.executemany(
        "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)"
        " VALUES ($1, now(), 'citizen', $2, 'citizen.exported_data', $3, $4::jsonb)",
        [
            (f"export-{uuid.uuid4().hex}", citizen_id, e, json.dumps({"form": form}))
            for e in episode_ids
        ],
    )
