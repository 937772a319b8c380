"""Read-model queries for outcome reports: per-episode facts and peer load, no personal data."""

from __future__ import annotations

import json
from datetime import date, datetime

import asyncpg

from db.connection import PooledConnection
from schemas.base import Frozen

# Each NULL parameter leaves its condition out; the reader's scope is always given.
_EPISODE_FACTS = """
SELECT e.citizen_id, e.programme, e.municipality_code, e.organisation_id,
       e.referred_at, e.discharged_at, e.first_contact_at, e.follow_ups_done,
       e.follow_ups_planned, e.readmissions, e.milestones, e.hope_score_start,
       e.hope_score_end, e.network_size_start, e.network_size_end, e.job_or_education,
       e.goals_total, e.goals_reached, e.closed_at,
       k.matched_at, k.manual_matches, k.contact_escalations
FROM episodes e
-- One look at the episode's tasks for all three (not three subqueries per episode).
CROSS JOIN LATERAL (
    SELECT min(t.decided_at) FILTER (WHERE t.kind = 'peer_offer' AND t.status = 'accepted')
               AS matched_at,
           count(*) FILTER (WHERE t.kind = 'manual_match') AS manual_matches,
           count(*) FILTER (WHERE t.kind = 'first_contact_escalation') AS contact_escalations
    FROM tasks t
    WHERE t.episode_id = e.episode_id
      AND t.kind IN ('peer_offer', 'manual_match', 'first_contact_escalation')
) k
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

# Courses and groups are the organisation's; a municipality (a filter, or a caseworker's scope
# with its consent) narrows them to citizens whose episode is there: course participants
# without an episode (relatives, staff, students) are counted only when no municipality is.
# A group member is a citizen (by episode) or a course participant; `person_id` tells apart
# the people counted and never leaves the report code.
_ENROLMENT_FACTS = """
SELECT c.programme, p.kind, en.participant_id, en.status,
       EXISTS (SELECT 1 FROM course_attendance a
               JOIN course_sessions s ON s.session_id = a.session_id
               WHERE s.term_id = en.term_id AND a.participant_id = en.participant_id
                 AND a.present) AS attended
FROM course_enrolments en
JOIN course_terms t ON t.term_id = en.term_id
JOIN courses c ON c.course_id = t.course_id
JOIN course_participants p ON p.participant_id = en.participant_id
LEFT JOIN episodes e ON e.episode_id = p.episode_id
WHERE t.starts_on >= $1 AND t.starts_on <= $2 AND t.status <> 'cancelled'
  AND ($3::text IS NULL OR c.organisation_id = $3)
  AND ($4::text IS NULL OR e.municipality_code = $4)
  AND ($5::text IS NULL OR $5 = ANY (e.consents))
  AND ($6::text IS NULL OR c.programme = $6)
"""

_GROUP_SCOPE = """
  AND ($3::text IS NULL OR g.organisation_id = $3)
  AND ($4::text IS NULL OR e.municipality_code = $4)
  AND ($5::text IS NULL OR $5 = ANY (e.consents))
  AND ($6::text IS NULL OR g.programme = $6)
"""

_GROUP_MEMBERS = (
    """
SELECT DISTINCT g.programme, coalesce(e.citizen_id, m.participant_id) AS person_id
FROM peer_group_members m
JOIN peer_groups g ON g.group_id = m.group_id
LEFT JOIN episodes e ON e.episode_id = m.episode_id
WHERE m.joined_on <= $2 AND (m.left_on IS NULL OR m.left_on >= $1)
"""
    + _GROUP_SCOPE
)

_GROUP_ATTENDANCE = (
    """
SELECT g.programme, s.session_id, coalesce(e.citizen_id, m.participant_id) AS person_id,
       a.present
FROM peer_group_attendance a
JOIN peer_group_sessions s ON s.session_id = a.session_id
JOIN peer_group_members m ON m.member_id = a.member_id
JOIN peer_groups g ON g.group_id = s.group_id
LEFT JOIN episodes e ON e.episode_id = m.episode_id
WHERE s.status = 'held' AND s.starts_at >= $1 AND s.starts_at < $2
"""
    + _GROUP_SCOPE
)

_ORGANISATION_NAME = "SELECT name FROM organisations WHERE organisation_id = $1"
_MUNICIPALITY_NAME = "SELECT name FROM municipalities WHERE municipality_code = $1"

_AUDIT = (
    "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, detail)"
    " VALUES ($1, now(), $2, $3, $4, $5::jsonb)"
)


class FactScope(Frozen):
    """Whose facts a report counts: the reader's scope and the filters. A None leaves its
    condition out (the reader's scope is always given)."""

    organisation_id: str | None
    municipality_code: str | None
    consent: str | None
    programme: str | None

    def parameters(self) -> tuple[str | None, ...]:
        """The query parameters after the period ($3 to $6), in the queries' order."""
        return (self.organisation_id, self.municipality_code, self.consent, self.programme)


async def episode_facts(
    conn: PooledConnection, *, starts: datetime, ends: datetime, within: FactScope
) -> list[asyncpg.Record]:
    """Episodes referred in [starts, ends) within the scope and filters."""
    return await conn.fetch(_EPISODE_FACTS, starts, ends, *within.parameters())


async def peer_facts(
    conn: PooledConnection,
    *,
    organisation_id: str | None,
    municipality_code: str | None,
    programme: str | None,
) -> list[asyncpg.Record]:
    return await conn.fetch(_PEER_FACTS, organisation_id, municipality_code, programme)


async def enrolment_facts(
    conn: PooledConnection, *, first: date, last: date, within: FactScope
) -> list[asyncpg.Record]:
    """Enrolments in terms starting from `first` to `last` (not cancelled terms)."""
    return await conn.fetch(_ENROLMENT_FACTS, first, last, *within.parameters())


async def group_member_facts(
    conn: PooledConnection, *, first: date, last: date, within: FactScope
) -> list[asyncpg.Record]:
    """(programme, person) for each person a member of a group at some day of the period."""
    return await conn.fetch(_GROUP_MEMBERS, first, last, *within.parameters())


async def group_attendance_facts(
    conn: PooledConnection, *, starts: datetime, ends: datetime, within: FactScope
) -> list[asyncpg.Record]:
    """Every member's mark at every group session held in [starts, ends)."""
    return await conn.fetch(_GROUP_ATTENDANCE, starts, ends, *within.parameters())


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
