"""Supervision groups, their sessions and attendance: what the group workflow's activities
and the supervision pages read and write."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from db.audit import Actor as Actor  # named here by the other stores, pages and tests
from db.audit import write_audit
from db.connection import PooledConnection
from schemas.roster import RosterTaskKind, SupervisionGroup, SupervisionSchedule
from schemas.supervision import SessionPlan

_GROUP = (
    "SELECT group_id, organisation_id, name, supervisor_id, schedule, active"
    " FROM supervision_groups"
)
_GROUP_BY_ID = _GROUP + " WHERE group_id = $1"
_ACTIVE_GROUPS = _GROUP + " WHERE active ORDER BY group_id"
_ORGANISATION_GROUPS = _GROUP + " WHERE organisation_id = $1 ORDER BY active DESC, name, group_id"
_SUPERVISED_GROUPS = _GROUP + " WHERE supervisor_id = $1 AND active ORDER BY name, group_id"


async def _audit(
    conn: PooledConnection, who: Actor, action: str, detail: dict[str, object]
) -> None:
    await write_audit(conn, "supervision", who, action, detail)


def _group(row: object) -> SupervisionGroup:
    data = dict(row)  # type: ignore[call-overload]
    data["schedule"] = json.loads(data["schedule"])
    return SupervisionGroup.model_validate(data)


def session_id_for(plan: SessionPlan) -> str:
    """The same session on every retry: derived from the group, the start and the kind."""
    key = f"{plan.group_id}|{plan.starts_at.isoformat()}|{plan.kind.value}|{plan.for_peer_id or ''}"
    return f"ss-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}"


# ------------------------------------------------------------------ groups


async def group(conn: PooledConnection, group_id: str) -> SupervisionGroup | None:
    row = await conn.fetchrow(_GROUP_BY_ID, group_id)
    return None if row is None else _group(row)


async def active_groups(conn: PooledConnection) -> list[SupervisionGroup]:
    """Every active group (their workflows are made sure of at worker start)."""
    rows = await conn.fetch(_ACTIVE_GROUPS)
    return [_group(r) for r in rows]


async def organisation_groups(
    conn: PooledConnection, organisation_id: str
) -> list[SupervisionGroup]:
    rows = await conn.fetch(_ORGANISATION_GROUPS, organisation_id)
    return [_group(r) for r in rows]


async def supervised_groups(conn: PooledConnection, supervisor_id: str) -> list[SupervisionGroup]:
    rows = await conn.fetch(_SUPERVISED_GROUPS, supervisor_id)
    return [_group(r) for r in rows]


async def create_group(
    conn: PooledConnection,
    *,
    organisation_id: str,
    name: str,
    supervisor_id: str | None,
    schedule: SupervisionSchedule,
    members: list[str],
    who: Actor,
) -> str:
    group_id = f"sg-{uuid.uuid4().hex[:16]}"
    async with conn.transaction():
        await _audit(conn, who, "supervision.group_created", {"group_id": group_id})
        await conn.execute(
            "INSERT INTO supervision_groups (group_id, organisation_id, name, supervisor_id,"
            " schedule) VALUES ($1, $2, $3, $4, $5::jsonb)",
            group_id,
            organisation_id,
            name,
            supervisor_id,
            schedule.model_dump_json(),
        )
        await _set_members(conn, group_id, members)
    return group_id


async def update_group(
    conn: PooledConnection,
    group_id: str,
    *,
    name: str,
    supervisor_id: str | None,
    schedule: SupervisionSchedule,
    members: list[str],
    who: Actor,
) -> None:
    async with conn.transaction():
        await _audit(conn, who, "supervision.group_changed", {"group_id": group_id})
        await conn.execute(
            "UPDATE supervision_groups SET name = $2, supervisor_id = $3, schedule = $4::jsonb"
            " WHERE group_id = $1",
            group_id,
            name,
            supervisor_id,
            schedule.model_dump_json(),
        )
        await _set_members(conn, group_id, members)


async def _set_members(conn: PooledConnection, group_id: str, members: list[str]) -> None:
    await conn.execute(
        "DELETE FROM supervision_members WHERE group_id = $1 AND NOT (peer_id = ANY($2::text[]))",
        group_id,
        members,
    )
    await conn.executemany(
        "INSERT INTO supervision_members (group_id, peer_id) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        [(group_id, p) for p in members],
    )


async def deactivate_group(conn: PooledConnection, group_id: str, who: Actor) -> None:
    """The group stops meeting: inactive, and its sessions not held yet are cancelled."""
    async with conn.transaction():
        await _audit(conn, who, "supervision.group_deactivated", {"group_id": group_id})
        await conn.execute(
            "UPDATE supervision_groups SET active = false WHERE group_id = $1", group_id
        )
        await conn.execute(
            "UPDATE supervision_sessions SET status = 'cancelled'"
            " WHERE group_id = $1 AND status = 'planned' AND starts_at > now()",
            group_id,
        )


async def members(conn: PooledConnection, group_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT peer_id FROM supervision_members WHERE group_id = $1 ORDER BY peer_id", group_id
    )
    return [str(r["peer_id"]) for r in rows]


async def people(conn: PooledConnection, user_ids: list[str]) -> dict[str, str]:
    """Display names of users by id (for the pages only)."""
    rows = await conn.fetch(
        "SELECT user_id, display_name FROM users WHERE user_id = ANY($1::text[])", user_ids
    )
    return {str(r["user_id"]): str(r["display_name"]) for r in rows}


async def possible_supervisors(conn: PooledConnection, organisation_id: str) -> dict[str, str]:
    """Who may supervise the organisation's groups: its active coordinators and peers."""
    rows = await conn.fetch(
        "SELECT user_id, display_name FROM users WHERE organisation_id = $1 AND active"
        " AND role IN ('coordinator', 'peer') ORDER BY role, display_name, user_id",
        organisation_id,
    )
    return {str(r["user_id"]): str(r["display_name"]) for r in rows}


async def peer_groups(conn: PooledConnection, peer_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT m.group_id FROM supervision_members m"
        " JOIN supervision_groups g ON g.group_id = m.group_id"
        " WHERE m.peer_id = $1 AND g.active ORDER BY m.group_id",
        peer_id,
    )
    return [str(r["group_id"]) for r in rows]


async def peer_organisation(conn: PooledConnection, peer_id: str) -> str | None:
    value = await conn.fetchval("SELECT organisation_id FROM peers WHERE peer_id = $1", peer_id)
    return None if value is None else str(value)


# ------------------------------------------------------------------ sessions


async def plan_session(conn: PooledConnection, plan: SessionPlan) -> str:
    """The session's row, once; its id either way (a retried activity plans nothing twice)."""
    session_id = session_id_for(plan)
    await conn.execute(
        "INSERT INTO supervision_sessions (session_id, group_id, starts_at, kind, for_peer_id)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id) DO NOTHING",
        session_id,
        plan.group_id,
        plan.starts_at,
        plan.kind.value,
        plan.for_peer_id,
    )
    return session_id


async def cancel_session(conn: PooledConnection, session_id: str) -> None:
    await conn.execute(
        "UPDATE supervision_sessions SET status = 'cancelled'"
        " WHERE session_id = $1 AND status = 'planned'",
        session_id,
    )


async def attendance_recorded(conn: PooledConnection, session_id: str) -> bool:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM supervision_attendance WHERE session_id = $1", session_id
    )
    return count > 0


_MISSED_TWICE = """
WITH last_two AS (
    SELECT s.session_id
    FROM supervision_sessions s, supervision_sessions this
    WHERE this.session_id = $2 AND s.group_id = $1 AND s.kind = 'regular'
      AND s.status = 'held' AND s.starts_at <= this.starts_at
    ORDER BY s.starts_at DESC
    LIMIT 2
)
SELECT m.peer_id
FROM supervision_members m
JOIN supervision_attendance a
  ON a.peer_id = m.peer_id AND a.session_id IN (SELECT session_id FROM last_two)
WHERE m.group_id = $1
  AND (SELECT count(*) FROM last_two) = 2
  AND NOT EXISTS (SELECT 1 FROM roster_tasks t WHERE t.peer_id = m.peer_id
                  AND t.kind = 'supervision_missed' AND t.status = 'open')
GROUP BY m.peer_id
HAVING count(*) = 2 AND NOT bool_or(a.present)
ORDER BY m.peer_id
"""


async def missed_twice(conn: PooledConnection, group_id: str, session_id: str) -> list[str]:
    """Members absent from both of the group's last two held regular sessions (this one the
    later) who have no open supervision_missed task already."""
    rows = await conn.fetch(_MISSED_TWICE, group_id, session_id)
    return [str(r["peer_id"]) for r in rows]


async def close_task_by_key(conn: PooledConnection, dedupe_key: str, closed_by: str) -> bool:
    value = await conn.fetchval(
        "UPDATE roster_tasks SET status = 'done', closed_at = now(), closed_by = $2"
        " WHERE dedupe_key = $1 AND status = 'open' RETURNING task_id",
        dedupe_key,
        closed_by,
    )
    return value is not None


async def open_task_kinds(conn: PooledConnection, organisation_id: str) -> list[tuple[str, str]]:
    """(kind, peer or group id) of the organisation's open supervision tasks (tests, pages)."""
    rows = await conn.fetch(
        "SELECT kind, coalesce(peer_id, group_id) AS about FROM roster_tasks"
        " WHERE organisation_id = $1 AND status = 'open' AND kind = ANY($2::text[])"
        " ORDER BY created_at, task_id",
        organisation_id,
        [
            RosterTaskKind.SUPERVISION_MISSED.value,
            RosterTaskKind.ATTENDANCE_UNRECORDED.value,
            RosterTaskKind.EXTRA_SUPERVISION.value,
        ],
    )
    return [(str(r["kind"]), str(r["about"])) for r in rows]


_SESSIONS = """
SELECT s.session_id, s.group_id, s.starts_at, s.kind, s.status, s.for_peer_id,
       (SELECT count(*) FROM supervision_attendance a WHERE a.session_id = s.session_id)
           AS recorded
FROM supervision_sessions s
WHERE s.group_id = ANY($1::text[]) AND s.status <> 'cancelled'
  AND s.starts_at >= $2 AND s.starts_at <= $3
ORDER BY s.starts_at DESC, s.session_id
LIMIT 200
"""


async def sessions_of(
    conn: PooledConnection, group_ids: list[str], since: datetime, until: datetime
) -> list[dict[str, object]]:
    """Sessions of these groups between two times, latest first, with how many attendance
    rows each has."""
    rows = await conn.fetch(_SESSIONS, group_ids, since, until)
    return [dict(r) for r in rows]


async def session(conn: PooledConnection, session_id: str) -> dict[str, object] | None:
    row = await conn.fetchrow(
        "SELECT session_id, group_id, starts_at, kind, status, for_peer_id"
        " FROM supervision_sessions WHERE session_id = $1",
        session_id,
    )
    return None if row is None else dict(row)


async def attendance(conn: PooledConnection, session_id: str) -> dict[str, bool]:
    rows = await conn.fetch(
        "SELECT peer_id, present FROM supervision_attendance WHERE session_id = $1", session_id
    )
    return {str(r["peer_id"]): bool(r["present"]) for r in rows}


async def record_attendance(
    conn: PooledConnection, session_id: str, present: dict[str, bool], who: Actor
) -> None:
    """The supervisor's record of who came: one row per member, replacing an earlier record;
    the session counts as held."""
    recorded_by = who.actor_id
    async with conn.transaction():
        detail = {"session_id": session_id, "absent": sum(not v for v in present.values())}
        await _audit(conn, who, "supervision.attendance_recorded", detail)
        await conn.executemany(
            "INSERT INTO supervision_attendance (session_id, peer_id, present, recorded_by)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, peer_id) DO UPDATE"
            " SET present = EXCLUDED.present, recorded_by = EXCLUDED.recorded_by,"
            " recorded_at = now()",
            [(session_id, peer, came, recorded_by) for peer, came in present.items()],
        )
        await conn.execute(
            "UPDATE supervision_sessions SET status = 'held' WHERE session_id = $1", session_id
        )


async def next_session_for_peer(
    conn: PooledConnection, peer_id: str, after: datetime
) -> dict[str, object] | None:
    """The peer's next planned supervision (their groups' regular ones and extra ones for
    them), with the group's name."""
    row = await conn.fetchrow(
        "SELECT s.session_id, s.starts_at, s.kind, g.name, g.schedule"
        " FROM supervision_sessions s"
        " JOIN supervision_groups g ON g.group_id = s.group_id"
        " JOIN supervision_members m ON m.group_id = s.group_id AND m.peer_id = $1"
        " WHERE g.active AND s.status = 'planned' AND s.starts_at > $2"
        " AND (s.kind = 'regular' OR s.for_peer_id = $1)"
        " ORDER BY s.starts_at LIMIT 1",
        peer_id,
        after,
    )
    return None if row is None else dict(row)
