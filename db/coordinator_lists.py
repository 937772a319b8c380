"""What the coordinator's page reads: the episodes of their organisation (and the partners'
an escalation called them to or their own peers are assigned to) with the citizen's name,
programme and peer by name; the peers an episode may be handed to; the overdue open tasks,
grouped by who holds them.

Names of citizens are personal data: the list that shows them audits one 'read.citizen' line
per citizen shown, in the same statement, and no name is ever in a repr."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen


class CoordinatorEpisode(Frozen):
    """A row of the coordinator's episode list; `citizen_name` is personal data."""

    episode_id: str
    organisation_id: str
    organisation_name: str
    municipality_code: str
    programme: str
    programme_name: str | None
    programme_name_da: str | None
    phase: str
    referred_at: datetime
    discharged_at: datetime | None
    next_due_at: datetime | None
    next_due_kind: str | None
    overdue_tasks: int
    peer_id: str | None
    peer_name: str | None
    citizen_name: str | None = Field(repr=False)


class EligiblePeer(Frozen):
    """A peer of the partnership who may be offered episodes today, with the programmes they
    may be offered and the municipalities they serve."""

    peer_id: str
    display_name: str
    capacity: int
    active_load: int
    programmes: list[str]
    municipalities: list[str]

    @property
    def free(self) -> int:
        return max(self.capacity - self.active_load, 0)


class OverdueTask(Frozen):
    """An open task past its due time, with who holds it (role, id, service) and their name:
    a peer's or coordinator team's, a ward's, a municipality's (with the service)."""

    task_id: str
    episode_id: str
    kind: str
    due_at: datetime | None
    assignee_role: str
    assignee_id: str
    assignee_service: str | None
    holder_name: str | None


# The coordinator's organisation's episodes and the partners' ones an escalation called them
# to or their peers are assigned to (ids given by api/auth); newest referral first, at most
# 500. Each name shown is audited.
_EPISODES = """
WITH listed AS (
    SELECT e.episode_id, e.organisation_id, o.name AS organisation_name, e.municipality_code,
           e.programme,
           p.definition->>'name' AS programme_name, p.definition->>'name_da' AS programme_name_da,
           e.phase, e.referred_at, e.discharged_at, e.next_due_at, e.next_due_kind,
           e.overdue_tasks, e.peer_id, u.display_name AS peer_name, c.name AS citizen_name
    FROM episodes e
    JOIN organisations o ON o.organisation_id = e.organisation_id
    LEFT JOIN programmes p ON p.code = e.programme
    LEFT JOIN users u ON u.user_id = e.peer_id
    LEFT JOIN episode_contacts c ON c.episode_id = e.episode_id
    WHERE e.organisation_id = $1 OR e.episode_id = ANY ($2::text[])
    ORDER BY e.referred_at DESC
    LIMIT 500
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
    SELECT $3 || episode_id, now(), $4, $5, 'read.citizen', episode_id,
           '{"place": "coordinator_list"}'::jsonb
    FROM listed WHERE citizen_name IS NOT NULL
    ON CONFLICT (audit_id) DO NOTHING
)
SELECT * FROM listed ORDER BY referred_at DESC
"""

# The same rule as matching (db/peer_reservations): a peer of an organisation the
# coordinator's may match (itself, or a partner that matches across) who may be offered at
# least one programme today; `programmes` lists only those. Full peers are listed too (with
# no free slot), so the coordinator sees why they cannot take it.
_ELIGIBLE_PEERS = """
SELECT p.peer_id, u.display_name, p.capacity, p.active_load,
       array_agg(op.programme ORDER BY op.programme) AS programmes, p.municipalities
FROM peers p
JOIN users u ON u.user_id = p.peer_id
JOIN offerable_peer_programmes op ON op.peer_id = p.peer_id
WHERE p.organisation_id IN (SELECT partner_id FROM matching_partners WHERE organisation_id = $1)
GROUP BY p.peer_id, u.display_name
ORDER BY u.display_name, p.peer_id
"""

# Open tasks past due on the episodes the coordinator may see, with the holder's name: a
# person (peer), a ward, a municipality (a caseworker service's team) or an organisation (the
# coordinator team). Oldest due first, at most 500.
_OVERDUE = """
SELECT t.task_id, t.episode_id, t.kind, t.due_at, t.assignee_role, t.assignee_id,
       t.assignee_service,
       CASE t.assignee_role
           WHEN 'peer' THEN (SELECT display_name FROM users WHERE user_id = t.assignee_id)
           WHEN 'ward' THEN (SELECT name FROM wards WHERE ward_id = t.assignee_id)
           WHEN 'caseworker' THEN (SELECT name FROM municipalities
                                   WHERE municipality_code = t.assignee_id)
           WHEN 'coordinator' THEN (SELECT name FROM organisations
                                    WHERE organisation_id = t.assignee_id)
       END AS holder_name
FROM tasks t
JOIN episodes e ON e.episode_id = t.episode_id
WHERE t.status = 'open'
  AND (t.overdue OR t.due_at < now())
  AND (e.organisation_id = $1 OR e.episode_id = ANY ($2::text[]))
ORDER BY t.due_at NULLS LAST, t.task_id
LIMIT 500
"""


async def episodes(
    conn: PooledConnection,
    organisation_id: str | None,
    partners: list[str],
    *,
    actor_role: str,
    actor_id: str,
) -> list[CoordinatorEpisode]:
    """The episodes the coordinator may see (their organisation's and the `partners`'
    episodes they were called to or supervise), with names; who read which names is audited."""
    rows = await conn.fetch(
        _EPISODES, organisation_id, partners, f"list-{uuid.uuid4().hex}-", actor_role, actor_id
    )
    return [CoordinatorEpisode.model_validate(dict(r)) for r in rows]


async def eligible_peers(conn: PooledConnection, organisation_id: str | None) -> list[EligiblePeer]:
    """The peers of the coordinator's partnership who could take an episode over."""
    rows = await conn.fetch(_ELIGIBLE_PEERS, organisation_id)
    return [EligiblePeer.model_validate(dict(r)) for r in rows]


async def overdue_tasks(
    conn: PooledConnection, organisation_id: str | None, partners: list[str]
) -> list[OverdueTask]:
    """The overdue open tasks of the episodes the coordinator may see (their organisation's
    and the `partners`' episodes), oldest due first."""
    rows = await conn.fetch(_OVERDUE, organisation_id, partners)
    return [OverdueTask.model_validate(dict(r)) for r in rows]
