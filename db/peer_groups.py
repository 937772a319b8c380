"""Peer groups, their members, sessions, attendance and follow-up tasks: what the peer group
workflow's activities and the group pages read and write."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime

from db.audit import Actor, write_audit
from db.connection import PooledConnection
from schemas.peer_groups import GroupMember, PeerGroup

_GROUP = (
    "SELECT group_id, programme, organisation_id, municipality_code, name, facilitator_id,"
    " co_facilitator_ids, schedule, place, seats, absent_in_a_row, active FROM peer_groups"
)
_MEMBER = (
    "SELECT member_id, group_id, episode_id, participant_id, joined_on, left_on"
    " FROM peer_group_members"
)


async def _audit(
    conn: PooledConnection, who: Actor, action: str, detail: dict[str, object]
) -> None:
    await write_audit(conn, "peer-group", who, action, detail)


def _group(row: object) -> PeerGroup:
    data = dict(row)  # type: ignore[call-overload]
    data["schedule"] = json.loads(data["schedule"])
    data["co_facilitator_ids"] = tuple(data["co_facilitator_ids"])
    return PeerGroup.model_validate(data)


def session_id_for(group_id: str, starts_at: datetime) -> str:
    """The same session on every retry: derived from the group and the start."""
    key = f"{group_id}|{starts_at.isoformat()}"
    return f"pgs-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}"


# ------------------------------------------------------------------ groups


async def group(conn: PooledConnection, group_id: str) -> PeerGroup | None:
    row = await conn.fetchrow(_GROUP + " WHERE group_id = $1", group_id)
    return None if row is None else _group(row)


async def active_groups(conn: PooledConnection) -> list[PeerGroup]:
    """Every active group (their workflows are made sure of at worker start)."""
    rows = await conn.fetch(_GROUP + " WHERE active ORDER BY group_id")
    return [_group(r) for r in rows]


async def organisation_groups(conn: PooledConnection, organisation_id: str) -> list[PeerGroup]:
    rows = await conn.fetch(
        _GROUP + " WHERE organisation_id = $1 ORDER BY active DESC, name, group_id",
        organisation_id,
    )
    return [_group(r) for r in rows]


async def facilitated_groups(conn: PooledConnection, peer_id: str) -> list[PeerGroup]:
    """Active groups the peer facilitates or co-facilitates."""
    rows = await conn.fetch(
        _GROUP + " WHERE active AND (facilitator_id = $1 OR $1 = ANY(co_facilitator_ids))"
        " ORDER BY name, group_id",
        peer_id,
    )
    return [_group(r) for r in rows]


async def create_group(conn: PooledConnection, group: PeerGroup, who: Actor) -> None:
    async with conn.transaction():
        await _audit(conn, who, "peer_group.created", {"group_id": group.group_id})
        await conn.execute(
            "INSERT INTO peer_groups (group_id, programme, organisation_id, municipality_code,"
            " name, facilitator_id, co_facilitator_ids, schedule, place, seats, absent_in_a_row)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)",
            group.group_id,
            group.programme,
            group.organisation_id,
            group.municipality_code,
            group.name,
            group.facilitator_id,
            list(group.co_facilitator_ids),
            group.schedule.model_dump_json(),
            group.place,
            group.seats,
            group.absent_in_a_row,
        )


async def update_group(conn: PooledConnection, group: PeerGroup, who: Actor) -> None:
    """Name, facilitators, schedule, place, seats and threshold (not programme or owner)."""
    async with conn.transaction():
        await _audit(conn, who, "peer_group.changed", {"group_id": group.group_id})
        await conn.execute(
            "UPDATE peer_groups SET name = $2, facilitator_id = $3, co_facilitator_ids = $4,"
            " schedule = $5::jsonb, place = $6, seats = $7, absent_in_a_row = $8,"
            " municipality_code = $9 WHERE group_id = $1",
            group.group_id,
            group.name,
            group.facilitator_id,
            list(group.co_facilitator_ids),
            group.schedule.model_dump_json(),
            group.place,
            group.seats,
            group.absent_in_a_row,
            group.municipality_code,
        )


async def deactivate_group(conn: PooledConnection, group_id: str, who: Actor) -> None:
    """The group stops meeting: inactive, and its sessions not held yet are cancelled."""
    async with conn.transaction():
        await _audit(conn, who, "peer_group.deactivated", {"group_id": group_id})
        await conn.execute("UPDATE peer_groups SET active = false WHERE group_id = $1", group_id)
        await conn.execute(
            "UPDATE peer_group_sessions SET status = 'cancelled'"
            " WHERE group_id = $1 AND status = 'planned' AND starts_at > now()",
            group_id,
        )


# ------------------------------------------------------------------ members


async def members(conn: PooledConnection, group_id: str) -> list[GroupMember]:
    """The group's current members (who have not left), in the order they joined."""
    rows = await conn.fetch(
        _MEMBER + " WHERE group_id = $1 AND left_on IS NULL ORDER BY joined_on, member_id",
        group_id,
    )
    return [GroupMember.model_validate(dict(r)) for r in rows]


async def seats_taken(conn: PooledConnection, group_id: str) -> int:
    """How many current members the group has; in a transaction, the group is locked until it
    ends, so two people adding at once cannot take one seat twice."""
    await conn.execute("SELECT 1 FROM peer_groups WHERE group_id = $1 FOR UPDATE", group_id)
    count: int = await conn.fetchval(
        "SELECT count(*) FROM peer_group_members WHERE group_id = $1 AND left_on IS NULL", group_id
    )
    return count


async def member(conn: PooledConnection, member_id: str) -> GroupMember | None:
    row = await conn.fetchrow(_MEMBER + " WHERE member_id = $1", member_id)
    return None if row is None else GroupMember.model_validate(dict(row))


async def add_member(
    conn: PooledConnection,
    group_id: str,
    joined_on: date,
    who: Actor,
    *,
    episode_id: str | None = None,
    participant_id: str | None = None,
) -> str | None:
    """The episode's citizen, or a participant without an account, joins the group; the
    membership id, or None when they are a member already."""
    member_id = f"pgm-{uuid.uuid4().hex[:16]}"
    async with conn.transaction():
        added: str | None = await conn.fetchval(
            "INSERT INTO peer_group_members (member_id, group_id, episode_id, participant_id,"
            " joined_on, added_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
            " RETURNING member_id",
            member_id,
            group_id,
            episode_id,
            participant_id,
            joined_on,
            who.actor_id,
        )
        if added is not None:
            detail: dict[str, object] = {"group_id": group_id, "member_id": added}
            await _audit(conn, who, "peer_group.member_added", detail)
    return added


async def remove_member(conn: PooledConnection, member_id: str, left_on: date, who: Actor) -> bool:
    """The member leaves (their attendance so far is kept); whether they were a member."""
    async with conn.transaction():
        left = await conn.fetchval(
            "UPDATE peer_group_members SET left_on = GREATEST($2::date, joined_on)"
            " WHERE member_id = $1 AND left_on IS NULL RETURNING member_id",
            member_id,
            left_on,
        )
        if left is not None:
            await _audit(conn, who, "peer_group.member_left", {"member_id": member_id})
            await conn.execute(
                "UPDATE peer_group_tasks SET status = 'done', closed_at = now(), closed_by = $2"
                " WHERE member_id = $1 AND status = 'open'",
                member_id,
                who.actor_id,
            )
    return left is not None


async def participant_names(conn: PooledConnection, member_ids: list[str]) -> dict[str, str]:
    """PERSONAL DATA, for the pages only: the names of members without an account."""
    rows = await conn.fetch(
        "SELECT m.member_id, p.display_name FROM peer_group_members m"
        " JOIN course_participants p ON p.participant_id = m.participant_id"
        " WHERE m.member_id = ANY($1::text[])",
        member_ids,
    )
    return {str(r["member_id"]): str(r["display_name"]) for r in rows}


async def episode_groups(conn: PooledConnection, episode_id: str) -> list[tuple[str, str]]:
    """(membership id, group id) of the episode's current memberships."""
    rows = await conn.fetch(
        "SELECT member_id, group_id FROM peer_group_members"
        " WHERE episode_id = $1 AND left_on IS NULL ORDER BY joined_on, member_id",
        episode_id,
    )
    return [(str(r["member_id"]), str(r["group_id"])) for r in rows]


# ------------------------------------------------------------------ sessions


async def plan_session(conn: PooledConnection, group_id: str, starts_at: datetime) -> str:
    """The session's row, once; its id either way (a retried activity plans nothing twice)."""
    session_id = session_id_for(group_id, starts_at)
    await conn.execute(
        "INSERT INTO peer_group_sessions (session_id, group_id, starts_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (session_id) DO NOTHING",
        session_id,
        group_id,
        starts_at,
    )
    return session_id


async def cancel_session(conn: PooledConnection, session_id: str) -> None:
    await conn.execute(
        "UPDATE peer_group_sessions SET status = 'cancelled'"
        " WHERE session_id = $1 AND status = 'planned'",
        session_id,
    )


async def session(conn: PooledConnection, session_id: str) -> dict[str, object] | None:
    row = await conn.fetchrow(
        "SELECT session_id, group_id, starts_at, status FROM peer_group_sessions"
        " WHERE session_id = $1",
        session_id,
    )
    return None if row is None else dict(row)


async def sessions_of(
    conn: PooledConnection, group_id: str, since: datetime, until: datetime
) -> list[dict[str, object]]:
    """The group's sessions between two times, latest first, with how many attendance rows
    each has."""
    rows = await conn.fetch(
        "SELECT s.session_id, s.starts_at, s.status, (SELECT count(*) FROM peer_group_attendance"
        " a WHERE a.session_id = s.session_id) AS recorded FROM peer_group_sessions s"
        " WHERE s.group_id = $1 AND s.status <> 'cancelled' AND s.starts_at >= $2"
        " AND s.starts_at <= $3 ORDER BY s.starts_at DESC, s.session_id LIMIT 200",
        group_id,
        since,
        until,
    )
    return [dict(r) for r in rows]


async def attendance_recorded(conn: PooledConnection, session_id: str) -> bool:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM peer_group_attendance WHERE session_id = $1", session_id
    )
    return count > 0


async def attendance(conn: PooledConnection, session_id: str) -> dict[str, bool]:
    rows = await conn.fetch(
        "SELECT member_id, present FROM peer_group_attendance WHERE session_id = $1", session_id
    )
    return {str(r["member_id"]): bool(r["present"]) for r in rows}


async def record_attendance(
    conn: PooledConnection, session_id: str, present: dict[str, bool], who: Actor
) -> None:
    """The facilitator's record of who came: one row per member, replacing an earlier record;
    the session counts as held."""
    async with conn.transaction():
        detail = {"session_id": session_id, "absent": sum(not v for v in present.values())}
        await _audit(conn, who, "peer_group.attendance_recorded", detail)
        await conn.executemany(
            "INSERT INTO peer_group_attendance (session_id, member_id, present, recorded_by)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (session_id, member_id) DO UPDATE"
            " SET present = EXCLUDED.present, recorded_by = EXCLUDED.recorded_by,"
            " recorded_at = now()",
            [(session_id, member_id, came, who.actor_id) for member_id, came in present.items()],
        )
        await conn.execute(
            "UPDATE peer_group_sessions SET status = 'held' WHERE session_id = $1", session_id
        )


_ABSENT_IN_A_ROW = """
WITH this AS (SELECT starts_at FROM peer_group_sessions WHERE session_id = $2)
SELECT m.member_id
FROM peer_group_members m
WHERE m.group_id = $1 AND m.left_on IS NULL
  AND NOT EXISTS (SELECT 1 FROM peer_group_tasks t WHERE t.member_id = m.member_id
                  AND t.kind = 'member_absent' AND t.status = 'open')
  AND (SELECT count(*) FILTER (WHERE NOT last.present) FROM (
          SELECT a.present
          FROM peer_group_sessions s
          JOIN peer_group_attendance a ON a.session_id = s.session_id
                                      AND a.member_id = m.member_id
          WHERE s.group_id = $1 AND s.status = 'held'
            AND s.starts_at <= (SELECT starts_at FROM this)
          ORDER BY s.starts_at DESC
          LIMIT $3) AS last) = $3
ORDER BY m.joined_on, m.member_id
"""


async def absent_in_a_row(
    conn: PooledConnection, group_id: str, session_id: str, threshold: int
) -> list[str]:
    """Current members absent from each of their last `threshold` recorded sessions of the
    group (this one the latest) who have no open member_absent task already."""
    rows = await conn.fetch(_ABSENT_IN_A_ROW, group_id, session_id, threshold)
    return [str(r["member_id"]) for r in rows]


# ------------------------------------------------------------------ tasks


async def open_task(
    conn: PooledConnection,
    *,
    kind: str,
    group_id: str,
    organisation_id: str,
    session_id: str,
    dedupe_key: str,
    due_at: datetime,
    assigned_to: str | None = None,
    member_id: str | None = None,
) -> str | None:
    """Open the task unless one with this `dedupe_key` was ever opened; its id or None."""
    task_id: str | None = await conn.fetchval(
        "INSERT INTO peer_group_tasks (task_id, kind, group_id, organisation_id, assigned_to,"
        " member_id, session_id, dedupe_key, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT (dedupe_key) DO NOTHING RETURNING task_id",
        f"pgt-{uuid.uuid4().hex}",
        kind,
        group_id,
        organisation_id,
        assigned_to,
        member_id,
        session_id,
        dedupe_key,
        due_at,
    )
    return task_id


async def close_task_by_key(conn: PooledConnection, dedupe_key: str, closed_by: str) -> bool:
    value = await conn.fetchval(
        "UPDATE peer_group_tasks SET status = 'done', closed_at = now(), closed_by = $2"
        " WHERE dedupe_key = $1 AND status = 'open' RETURNING task_id",
        dedupe_key,
        closed_by,
    )
    return value is not None


async def close_task(conn: PooledConnection, task_id: str, group_id: str, closed_by: str) -> bool:
    value = await conn.fetchval(
        "UPDATE peer_group_tasks SET status = 'done', closed_at = now(), closed_by = $3"
        " WHERE task_id = $1 AND group_id = $2 AND status = 'open' RETURNING task_id",
        task_id,
        group_id,
        closed_by,
    )
    return value is not None


async def open_tasks(conn: PooledConnection, group_id: str) -> list[dict[str, object]]:
    """The group's open tasks, soonest due first (kind, member, session, who, due; the name
    of a member without an account: personal data, for the pages only)."""
    rows = await conn.fetch(
        "SELECT t.task_id, t.kind, t.member_id, t.session_id, t.assigned_to, t.due_at,"
        " m.episode_id, p.display_name AS participant_name FROM peer_group_tasks t"
        " LEFT JOIN peer_group_members m ON m.member_id = t.member_id"
        " LEFT JOIN course_participants p ON p.participant_id = m.participant_id"
        " WHERE t.group_id = $1 AND t.status = 'open' ORDER BY t.due_at, t.task_id",
        group_id,
    )
    return [dict(r) for r in rows]
