"""Read-model queries for outcome reports: per-episode facts and peer load, no personal data."""

from __future__ import annotations

import json
from datetime import datetime

import asyncpg

from db.connection import PooledConnection

# Each NULL parameter leaves its condition out; the reader's scope is always given.
_EPISODE_FACTS = """
SELECT e.citizen_id, e.programme, e.municipality_code, e.organisation_id,
       e.referred_at, e.discharged_at, e.first_contact_at, e.follow_ups_done,
       e.follow_ups_planned, e.readmissions, e.milestones, e.hope_score_start,
       e.hope_score_end, e.network_size_start, e.network_size_end, e.job_or_education,
       e.goals_total, e.goals_reached, e.closed_at,
       (SELECT min(t.decided_at) FROM tasks t WHERE t.episode_id = e.episode_id
          AND t.kind = 'peer_offer' AND t.status = 'accepted') AS matched_at,
       (SELECT count(*) FROM tasks t WHERE t.episode_id = e.episode_id
          AND t.kind = 'manual_match') AS manual_matches,
       (SELECT count(*) FROM tasks t WHERE t.episode_id = e.episode_id
          AND t.kind = 'first_contact_escalation') AS contact_escalations
FROM episodes e
WHERE e.referred_at >= $1 AND e.referred_at < $2
  AND ($3::text IS NULL OR e.organisation_id = $3)
  AND ($4::text IS NULL OR e.municipality_code = $4)
  AND ($5::text IS NULL OR $5 = ANY (e.consents))
  AND ($6::text IS NULL OR e.programme = $6)
"""

_PEER_FACTS = """
SELECT p.capacity, p.active_load
FROM peers p JOIN users u ON u.user_id = p.peer_id
WHERE u.active
  AND ($1::text IS NULL OR p.organisation_id = $1)
  AND ($2::text IS NULL OR $2 = ANY (p.municipalities))
  AND ($3::text IS NULL OR $3 = ANY (p.programmes))
"""

_ORGANISATION_NAME = "SELECT name FROM organisations WHERE organisation_id = $1"
_MUNICIPALITY_NAME = "SELECT name FROM municipalities WHERE municipality_code = $1"

_AUDIT = (
    "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, detail)"
    " VALUES ($1, now(), $2, $3, $4, $5::jsonb)"
)


async def episode_facts(
    conn: PooledConnection,
    *,
    starts: datetime,
    ends: datetime,
    organisation_id: str | None,
    municipality_code: str | None,
    consent: str | None,
    programme: str | None,
) -> list[asyncpg.Record]:
    """Episodes referred in [starts, ends) within the scope and filters."""
    return await conn.fetch(
        _EPISODE_FACTS, starts, ends, organisation_id, municipality_code, consent, programme
    )


async def peer_facts(
    conn: PooledConnection,
    *,
    organisation_id: str | None,
    municipality_code: str | None,
    programme: str | None,
) -> list[asyncpg.Record]:
    return await conn.fetch(_PEER_FACTS, organisation_id, municipality_code, programme)


async def organisation_name(conn: PooledConnection, organisation_id: str) -> str | None:
    found: str | None = await conn.fetchval(_ORGANISATION_NAME, organisation_id)
    return found


async def municipality_name(conn: PooledConnection, municipality_code: str) -> str | None:
    found: str | None = await conn.fetchval(_MUNICIPALITY_NAME, municipality_code)
    return found


async def audit_report(
    conn: PooledConnection,
    *,
    audit_id: str,
    actor_role: str,
    actor_id: str,
    action: str,
    filters: dict[str, str | None],
) -> None:
    """A report export is a user action: the audit log keeps who took which filters."""
    await conn.execute(_AUDIT, audit_id, actor_role, actor_id, action, json.dumps(filters))
