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

from db import keyset
from db.connection import PooledConnection
from db.keyset import Page, Position, Way
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


class OverduePosition(Frozen):
    """Where a page of overdue tasks starts: after this task (its due time, None if undated)."""

    due_at: datetime | None
    task_id: str


class OverdueHolder(Frozen):
    """Who holds overdue work (role, id, service, name), how many tasks and the oldest due."""

    assignee_role: str
    assignee_id: str
    assignee_service: str | None
    holder_name: str | None
    overdue: int
    oldest_due: datetime | None


# The row the lists show, with the citizen's name, for the episodes in `chosen` (episode_id).
_ROW = """
    SELECT e.episode_id, e.organisation_id, o.name AS organisation_name, e.municipality_code,
           e.programme,
           p.definition->>'name' AS programme_name, p.definition->>'name_da' AS programme_name_da,
           e.phase, e.referred_at, e.discharged_at, e.next_due_at, e.next_due_kind,
           e.overdue_tasks, e.peer_id, u.display_name AS peer_name, c.name AS citizen_name
    FROM chosen s
    JOIN episodes e ON e.episode_id = s.episode_id
    JOIN organisations o ON o.organisation_id = e.organisation_id
    LEFT JOIN programmes p ON p.code = e.programme
    LEFT JOIN users u ON u.user_id = e.peer_id
    LEFT JOIN episode_contacts c ON c.episode_id = e.episode_id
"""
# Each name shown is audited, in the same statement ($3 the audit ids' prefix, $4 and $5 who).
_AUDITED = """
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
    SELECT $3 || episode_id, now(), $4, $5, 'read.citizen', episode_id,
           '{"place": "coordinator_list"}'::jsonb
    FROM listed WHERE citizen_name IS NOT NULL
    ON CONFLICT (audit_id) DO NOTHING
)
"""
# A page of the coordinator's organisation's episodes and the partners' ones an escalation
# called them to or their peers are assigned to (ids given by api/auth), newest referral
# first (db/keyset): each side read off its own index, one row more than a page.
_EPISODES_PROBE = """
WITH probe AS (
    SELECT episode_id, referred_at FROM (
        (SELECT e.episode_id, e.referred_at FROM episodes e
         WHERE e.organisation_id = $1 AND {after}
         ORDER BY e.referred_at {order}, e.episode_id {order} LIMIT $8 + 1)
        UNION
        (SELECT e.episode_id, e.referred_at FROM episodes e
         WHERE e.episode_id = ANY ($2::text[]) AND {after}
         ORDER BY e.referred_at {order}, e.episode_id {order} LIMIT $8 + 1)
    ) AS both_sides
    ORDER BY referred_at {order}, episode_id {order}
    LIMIT $8 + 1
), chosen AS (
    SELECT * FROM probe ORDER BY referred_at {order}, episode_id {order} LIMIT $8
), listed AS ("""
_EPISODES_SHOWN = """
SELECT listed.*, (SELECT count(*) FROM probe) AS probed
FROM listed ORDER BY referred_at {order}, episode_id {order}
"""
_EPISODES = keyset.variants(_EPISODES_PROBE + _ROW + _AUDITED + _EPISODES_SHOWN, at=6, episode_id=7)
# The coordinator's episodes counted up to a cap, off the organisation's index (the partners'
# few added).
_EPISODE_COUNT = """
SELECT count(*) FROM (
    (SELECT episode_id FROM episodes WHERE organisation_id = $1 LIMIT $3)
    UNION
    (SELECT episode_id FROM episodes WHERE episode_id = ANY ($2::text[]))
) AS capped
"""
# What needs the coordinator's attention: their organisation's unmatched episodes and the
# visible ones with an attention task (`$6`), newest referral first, at most a page.
_ATTENTION_CHOSEN = """
WITH chosen AS (
    SELECT episode_id, referred_at FROM (
        (SELECT e.episode_id, e.referred_at FROM episodes e
         WHERE e.organisation_id = $1 AND e.phase = 'unmatched'
         ORDER BY e.referred_at DESC LIMIT $7)
        UNION
        (SELECT e.episode_id, e.referred_at FROM episodes e
         WHERE e.episode_id = ANY ($6::text[])
           AND (e.organisation_id = $1 OR e.episode_id = ANY ($2::text[])))
    ) AS both_kinds
    ORDER BY referred_at DESC, episode_id DESC
    LIMIT $7
), listed AS ("""
_ATTENTION_SHOWN = "SELECT * FROM listed ORDER BY referred_at DESC, episode_id DESC"
_ATTENTION = _ATTENTION_CHOSEN + _ROW + _AUDITED + _ATTENTION_SHOWN

# One episode's row for its hand-over or manual-match page ($1), the read of its name audited
# there ($5 the page).
_ONE_CHOSEN = "WITH chosen AS (SELECT $1::text AS episode_id), listed AS ("
_ONE_AUDITED = """
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
    SELECT $2, now(), $3, $4, 'read.citizen', episode_id, jsonb_build_object('place', $5::text)
    FROM listed WHERE citizen_name IS NOT NULL
)
SELECT * FROM listed
"""
_ONE = _ONE_CHOSEN + _ROW + _ONE_AUDITED

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

# Who holds a name: a person (peer), a ward, a municipality (a caseworker service's team) or
# an organisation (the coordinator team).
_HOLDER_NAME = """
       CASE t.assignee_role
           WHEN 'peer' THEN (SELECT display_name FROM users WHERE user_id = t.assignee_id)
           WHEN 'ward' THEN (SELECT name FROM wards WHERE ward_id = t.assignee_id)
           WHEN 'caseworker' THEN (SELECT name FROM municipalities
                                   WHERE municipality_code = t.assignee_id)
           WHEN 'coordinator' THEN (SELECT name FROM organisations
                                    WHERE organisation_id = t.assignee_id)
       END AS holder_name
"""
# Open tasks past due on the episodes the coordinator may see ($1 organisation, $2 partners'
# episodes). Each task's episode is looked up by its key (the LIMIT keeps the lateral from
# being flattened): joined plainly, the organisation-or-partners condition led the planner to
# scan every episode in parallel for the holders' counts (37 ms and three processes a request
# at 100,000 episodes).
_OVERDUE_WHERE = """
FROM tasks t
CROSS JOIN LATERAL (
    SELECT 1 FROM episodes e
    WHERE e.episode_id = t.episode_id
      AND (e.organisation_id = $1 OR e.episode_id = ANY ($2::text[]))
    LIMIT 1
) seen
WHERE t.status = 'open'
  AND (t.overdue OR t.due_at < now())
"""
# A page of them, oldest due first (undated last, the task id breaking ties), after the
# position ($3 due, $4 task id, $5 undated; none given: from the oldest), one more than $6.
_OVERDUE = (
    """
SELECT t.task_id, t.episode_id, t.kind, t.due_at, t.assignee_role, t.assignee_id,
       t.assignee_service,"""
    + _HOLDER_NAME
    + _OVERDUE_WHERE
    + """
  AND ($4::text IS NULL
       OR CASE WHEN $5::boolean THEN t.due_at IS NULL AND t.task_id > $4::text
               ELSE t.due_at IS NULL OR (t.due_at, t.task_id) > ($3::timestamptz, $4::text)
          END)
ORDER BY t.due_at NULLS LAST, t.task_id
LIMIT $6 + 1
"""
)
# The holders of a page's overdue tasks ($3 their roles, $4 their ids: a holder of one role
# with another's id comes too and is not looked at), each with all their overdue work counted
# and its oldest due: per holder through tasks_assignee, not a grouping of every overdue task
# of the region.
_OVERDUE_HOLDERS = (
    """
SELECT t.assignee_role, t.assignee_id, t.assignee_service, count(*) AS overdue,
       min(t.due_at) AS oldest_due,"""
    + _HOLDER_NAME
    + _OVERDUE_WHERE
    + """
  AND t.assignee_role = ANY ($3::text[]) AND t.assignee_id = ANY ($4::text[])
GROUP BY t.assignee_role, t.assignee_id, t.assignee_service
"""
)
# How many overdue tasks in all, counted up to $3 (the lists' cap, one more tells "more").
_OVERDUE_COUNT = (
    """
SELECT count(*) FROM (SELECT 1"""
    + _OVERDUE_WHERE
    + """
LIMIT $3) overdue
"""
)


async def episodes(
    conn: PooledConnection,
    organisation_id: str | None,
    partners: list[str],
    *,
    actor_role: str,
    actor_id: str,
    way: Way = Way.OLDER,
    at: Position = keyset.START,
) -> Page[CoordinatorEpisode]:
    """A page of the episodes the coordinator may see (their organisation's and the
    `partners`' episodes they were called to or supervise), `way` from `at`, with names; who
    read which names is audited."""
    rows = await conn.fetch(
        _EPISODES[way],
        organisation_id,
        partners,
        f"list-{uuid.uuid4().hex}-",
        actor_role,
        actor_id,
        at.referred_at,
        at.episode_id,
        keyset.PAGE_SIZE,
    )
    total = await conn.fetchval(_EPISODE_COUNT, organisation_id, partners, keyset.COUNT_CAP + 1)
    return keyset.page_of(rows, CoordinatorEpisode, way, at, total)


async def attention(
    conn: PooledConnection,
    organisation_id: str | None,
    partners: list[str],
    flagged: list[str],
    *,
    actor_role: str,
    actor_id: str,
) -> list[CoordinatorEpisode]:
    """The episodes needing the coordinator: their organisation's unmatched ones and the
    `flagged` (an attention task) they may see; newest first, a page at most; audited."""
    rows = await conn.fetch(
        _ATTENTION,
        organisation_id,
        partners,
        f"attention-{uuid.uuid4().hex}-",
        actor_role,
        actor_id,
        flagged,
        keyset.PAGE_SIZE,
    )
    return [CoordinatorEpisode.model_validate(dict(r)) for r in rows]


async def one_episode(
    conn: PooledConnection,
    episode_id: str,
    *,
    actor_role: str,
    actor_id: str,
    place: str = "hand_over_page",
) -> CoordinatorEpisode | None:
    """One episode as its hand-over or manual-match page (`place`) shows it, with the name;
    the read is audited."""
    row = await conn.fetchrow(
        _ONE, episode_id, f"read-{uuid.uuid4().hex}", actor_role, actor_id, place
    )
    return None if row is None else CoordinatorEpisode.model_validate(dict(row))


async def eligible_peers(conn: PooledConnection, organisation_id: str | None) -> list[EligiblePeer]:
    """The peers of the coordinator's partnership who could take an episode over."""
    rows = await conn.fetch(_ELIGIBLE_PEERS, organisation_id)
    return [EligiblePeer.model_validate(dict(r)) for r in rows]


async def overdue_tasks(
    conn: PooledConnection,
    organisation_id: str | None,
    partners: list[str],
    after: OverduePosition | None = None,
) -> tuple[list[OverdueTask], bool]:
    """A page of the overdue open tasks of the episodes the coordinator may see (their
    organisation's and the `partners`' episodes), oldest due first, from `after` (the oldest
    when None); whether more follow."""
    rows = await conn.fetch(
        _OVERDUE,
        organisation_id,
        partners,
        after.due_at if after else None,
        after.task_id if after else None,
        after.due_at is None if after else False,
        keyset.PAGE_SIZE,
    )
    tasks = [OverdueTask.model_validate(dict(r)) for r in rows]
    return tasks[: keyset.PAGE_SIZE], len(tasks) > keyset.PAGE_SIZE


async def overdue_holders(
    conn: PooledConnection,
    organisation_id: str | None,
    partners: list[str],
    tasks: list[OverdueTask],
) -> list[OverdueHolder]:
    """The holders of `tasks` (a page of overdue work on the episodes the coordinator may
    see), each with how many overdue tasks they hold there in all and the oldest due."""
    if not tasks:
        return []
    rows = await conn.fetch(
        _OVERDUE_HOLDERS,
        organisation_id,
        partners,
        sorted({t.assignee_role for t in tasks}),
        sorted({t.assignee_id for t in tasks}),
    )
    return [OverdueHolder.model_validate(dict(r)) for r in rows]


async def overdue_count(
    conn: PooledConnection, organisation_id: str | None, partners: list[str]
) -> tuple[int, bool]:
    """How many overdue tasks the coordinator may see, counted up to keyset.COUNT_CAP, and
    whether there are more."""
    counted = await conn.fetchval(_OVERDUE_COUNT, organisation_id, partners, keyset.COUNT_CAP + 1)
    return keyset.capped_total(int(counted))
