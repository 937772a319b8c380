"""The ward's episode list with the citizen's name (the ward may see it): the read of each
name shown is audited in the same statement, one line per citizen shown."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen


class WardEpisode(Frozen):
    """An episode as a row of the ward's list; `name` is personal data (never in a repr)."""

    episode_id: str
    programme: str
    phase: str
    risk_elevated: bool
    referred_at: datetime
    discharged_at: datetime | None
    pathway: str = "admitted"
    next_due_at: datetime | None
    next_due_kind: str | None
    overdue_tasks: int
    name: str | None = Field(repr=False)


# Newest referral first, at most 500 rows; a name shown leaves a 'read.citizen' line (as
# reading it on the episode page does), a row without one (erased) leaves none.
_WARD_EPISODES = """
WITH listed AS (
    SELECT e.episode_id, e.programme, e.phase, e.risk_elevated, e.referred_at,
           e.discharged_at, e.pathway, e.next_due_at, e.next_due_kind, e.overdue_tasks, c.name
    FROM episodes e
    LEFT JOIN episode_contacts c ON c.episode_id = e.episode_id
    WHERE e.ward_id = $1
    ORDER BY e.referred_at DESC
    LIMIT 500
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
    SELECT $2 || episode_id, now(), $3, $4, 'read.citizen', episode_id,
           '{"place": "ward_list"}'::jsonb
    FROM listed WHERE name IS NOT NULL
    ON CONFLICT (audit_id) DO NOTHING
)
SELECT * FROM listed ORDER BY referred_at DESC
"""


async def ward_episodes(
    conn: PooledConnection, ward_id: str | None, *, actor_role: str, actor_id: str
) -> list[WardEpisode]:
    """The ward's episodes with the citizen's name; who read which names is audited."""
    rows = await conn.fetch(
        _WARD_EPISODES, ward_id, f"list-{uuid.uuid4().hex}-", actor_role, actor_id
    )
    return [WardEpisode.model_validate(dict(r)) for r in rows]
