"""Data-subject erasure in PostgreSQL: personal data removed, keys destroyed, audit kept."""

from __future__ import annotations

import json
import uuid

from db.connection import PooledConnection

TERMINAL = ["closed", "withdrawn", "cancelled", "deceased"]


async def episodes_of(conn: PooledConnection, citizen_id: str) -> list[str]:
    """Every episode of the citizen, started or only referred."""
    rows = await conn.fetch(
        "SELECT episode_id FROM episodes WHERE citizen_id = $1 UNION"
        " SELECT episode_id FROM events_received WHERE citizen_id = $1"
        " AND event_type = 'referral_created' AND episode_id IS NOT NULL",
        citizen_id,
    )
    return sorted(r["episode_id"] for r in rows)


async def erase(
    conn: PooledConnection,
    *,
    citizen_id: str,
    episode_ids: list[str],
    actor_role: str,
    actor_id: str,
) -> None:
    """In one transaction: destroy the episodes' payload keys, remove the citizen's personal
    data (contact data, goals, notes, event bodies), end what is still open, free the peers'
    slots, and write the audit entry (which holds no personal data and is kept)."""
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO payload_keys (workflow_id, destroyed_at)"
            " SELECT unnest($1::text[]), now()"
            " ON CONFLICT (workflow_id) DO UPDATE SET wrapped_key = NULL,"
            " master_key_id = NULL, destroyed_at = now()",
            episode_ids,
        )
        await conn.execute(
            "UPDATE citizens SET cpr = NULL, name = NULL, phone = NULL, email = NULL,"
            " erased_at = now() WHERE citizen_id = $1",
            citizen_id,
        )
        await conn.execute(
            "DELETE FROM episode_contacts WHERE citizen_id = $1 OR episode_id = ANY($2)",
            citizen_id,
            episode_ids,
        )
        await conn.execute("DELETE FROM episode_goals WHERE episode_id = ANY($1)", episode_ids)
        await conn.execute(
            "UPDATE tasks SET note = '', status = CASE WHEN status = 'open' THEN 'cancelled'"
            " ELSE status END WHERE episode_id = ANY($1)",
            episode_ids,
        )
        await conn.execute(
            "UPDATE events_received SET body = '{}'::jsonb"
            " WHERE citizen_id = $1 OR episode_id = ANY($2)",
            citizen_id,
            episode_ids,
        )
        await conn.execute(
            "UPDATE episodes SET phase = 'withdrawn', end_reason = 'erased on request',"
            " closed_at = COALESCE(closed_at, now()) WHERE episode_id = ANY($1)"
            " AND NOT (phase = ANY($2))",
            episode_ids,
            TERMINAL,
        )
        await conn.execute(
            "WITH freed AS (UPDATE peer_reservations SET status = 'released',"
            " released_at = now() WHERE episode_id = ANY($1) AND status = 'held'"
            " RETURNING peer_id)"
            " UPDATE peers p SET active_load = GREATEST(p.active_load - f.n, 0)"
            " FROM (SELECT peer_id, count(*) AS n FROM freed GROUP BY peer_id) f"
            " WHERE p.peer_id = f.peer_id",
            episode_ids,
        )
        await conn.execute(
            "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, reason, detail)"
            " VALUES ($1, now(), $2, $3, 'citizen.erased', 'data-subject request', $4::jsonb)",
            f"erase-{uuid.uuid4().hex}",
            actor_role,
            actor_id,
            json.dumps({"citizen_id": citizen_id, "episodes": ",".join(episode_ids)}),
        )
