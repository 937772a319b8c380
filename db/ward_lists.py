"""The ward's episode list with the citizen's name (the ward may see it): the read of each
name shown is audited in the same statement, one line per citizen shown."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from db import keyset
from db.connection import PooledConnection
from db.keyset import Page, Position, Way
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


# A page of the ward's episodes, newest referral first (db/keyset): one row more than a page
# is read to know whether there are more; a name shown leaves a 'read.citizen' line (as
# reading it on the episode page does), a row read but not shown or without a name (erased)
# leaves none.
_WARD_EPISODES = keyset.variants(
    """
WITH probe AS (
    SELECT e.episode_id, e.referred_at FROM episodes e
    WHERE e.ward_id = $1 AND {after}
    ORDER BY e.referred_at {order}, e.episode_id {order}
    LIMIT $7 + 1
), listed AS (
    SELECT e.episode_id, e.programme, e.phase, e.risk_elevated, e.referred_at,
           e.discharged_at, e.pathway, e.next_due_at, e.next_due_kind, e.overdue_tasks, c.name
    FROM (SELECT * FROM probe ORDER BY referred_at {order}, episode_id {order} LIMIT $7) p
    JOIN episodes e ON e.episode_id = p.episode_id
    LEFT JOIN episode_contacts c ON c.episode_id = e.episode_id
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
    SELECT $2 || episode_id, now(), $3, $4, 'read.citizen', episode_id,
           '{"place": "ward_list"}'::jsonb
    FROM listed WHERE name IS NOT NULL
    ON CONFLICT (audit_id) DO NOTHING
)
SELECT listed.*, (SELECT count(*) FROM probe) AS probed
FROM listed ORDER BY referred_at {order}, episode_id {order}
""",
    at=5,
    episode_id=6,
)
# The ward's episodes counted up to a cap, off the index alone.
_WARD_COUNT = "SELECT count(*) FROM (SELECT 1 FROM episodes WHERE ward_id = $1 LIMIT $2) AS capped"


async def ward_episodes(
    conn: PooledConnection,
    ward_id: str | None,
    *,
    actor_role: str,
    actor_id: str,
    way: Way = Way.OLDER,
    at: Position = keyset.START,
) -> Page[WardEpisode]:
    """A page of the ward's episodes with the citizen's name, `way` from `at`; who read
    which names is audited."""
    rows = await conn.fetch(
        _WARD_EPISODES[way],
        ward_id,
        f"list-{uuid.uuid4().hex}-",
        actor_role,
        actor_id,
        at.referred_at,
        at.episode_id,
        keyset.PAGE_SIZE,
    )
    total = await conn.fetchval(_WARD_COUNT, ward_id, keyset.COUNT_CAP + 1)
    return keyset.page_of(rows, WardEpisode, way, at, total)
