"""An organisation's partnerships as data: their members, their sharing rules, and the partners'
episodes a home coordinator supervises because one of their own peers is assigned."""

from __future__ import annotations

import json

from pydantic import Field

from db.connection import PooledConnection
from db.tasks import OpenTask
from schemas.base import Frozen
from schemas.roster import OrganisationKind, SharingRules


class PartnershipMember(Frozen):
    organisation_id: str
    name: str
    kind: OrganisationKind


class Partnership(Frozen):
    """One partnership the organisation is a member of, with every member (itself included)."""

    partnership_id: str
    name: str
    sharing: SharingRules
    members: tuple[PartnershipMember, ...] = Field(default=())


# The organisation's partnerships with their members, by name; an organisation is in a
# handful, so 100 is a bound, not a page.
_PARTNERSHIPS = """
SELECT p.partnership_id, p.name, p.sharing::text AS sharing,
       jsonb_agg(jsonb_build_object('organisation_id', o.organisation_id, 'name', o.name,
                                    'kind', o.kind)
                 ORDER BY o.name, o.organisation_id)::text AS members
FROM partnership_members mine
JOIN partnerships p ON p.partnership_id = mine.partnership_id
JOIN partnership_members m ON m.partnership_id = p.partnership_id
JOIN organisations o ON o.organisation_id = m.organisation_id
WHERE mine.organisation_id = $1
GROUP BY p.partnership_id, p.name, p.sharing::text
ORDER BY p.name, p.partnership_id
LIMIT 100
"""

# How long after it ended a partner's episode stays visible to the home coordinator of its
# peer (the debrief and supervision after an ending come within this time).
RECENT_DAYS = 90

# Episodes of other organisations whose assigned peer belongs to organisation $1, where a
# partnership of both lets $1's kind see its peers' episodes (sharing.home_sees_assigned).
# Open, or ended within $2 days; the newest referrals first, at most 500 (as the coordinator's
# list). The partners that let it see come first (a few organisations; none for most), then
# each partner's episodes of each of $1's peers through episodes_organisation_peer: the cost
# follows what is found, not the episodes of $1's own peers (a region's years of them).
# `found` is materialised so the LIMIT does not lead the planner to walk every episode
# newest first (100,000 episodes, one partner: 3 ms instead of 46; none: 0.2 ms, not 39).
_SUPERVISED = """
WITH partners AS (
    SELECT DISTINCT theirs.organisation_id
    FROM organisations home
    JOIN partnership_members mine ON mine.organisation_id = home.organisation_id
    JOIN partnerships p ON p.partnership_id = mine.partnership_id
    JOIN partnership_members theirs ON theirs.partnership_id = mine.partnership_id
    WHERE home.organisation_id = $1
      AND theirs.organisation_id <> home.organisation_id
      AND coalesce(p.sharing -> 'home_sees_assigned', '["ngo", "association"]'::jsonb)
          ? home.kind
), found AS MATERIALIZED (
    SELECT e.episode_id, e.referred_at
    FROM partners
    JOIN peers pr ON pr.organisation_id = $1
    JOIN episodes e ON e.organisation_id = partners.organisation_id AND e.peer_id = pr.peer_id
    WHERE e.closed_at IS NULL OR e.closed_at > now() - make_interval(days => $2)
)
SELECT episode_id FROM found
ORDER BY referred_at DESC, episode_id
LIMIT 500
"""

# The open coordinator tasks of the supervised episodes (ids from supervised_episodes): they
# stay addressed to the owner's coordinators, and the home coordinator may take them too.
_SUPERVISED_TASKS = """
SELECT task_id, episode_id, kind, status, number, created_at, due_at, overdue
FROM tasks
WHERE episode_id = ANY ($1::text[]) AND assignee_role = 'coordinator' AND status = 'open'
ORDER BY due_at NULLS LAST, task_id
LIMIT 500
"""


async def partnerships_of(conn: PooledConnection, organisation_id: str | None) -> list[Partnership]:
    """The partnerships the organisation is a member of, with their members and rules."""
    if organisation_id is None:
        return []
    rows = await conn.fetch(_PARTNERSHIPS, organisation_id)
    return [
        Partnership(
            partnership_id=r["partnership_id"],
            name=r["name"],
            sharing=SharingRules.model_validate_json(r["sharing"]),
            members=tuple(PartnershipMember.model_validate(m) for m in json.loads(r["members"])),
        )
        for r in rows
    ]


async def supervised_episodes(
    conn: PooledConnection, organisation_id: str | None
) -> frozenset[str]:
    """The partners' open or recently ended episodes whose assigned peer is one of this
    organisation's, where a shared partnership lets this organisation's kind see them: its
    coordinators may open those episodes and act on their coordinator tasks."""
    if organisation_id is None:
        return frozenset()
    rows = await conn.fetch(_SUPERVISED, organisation_id, RECENT_DAYS)
    return frozenset(str(r["episode_id"]) for r in rows)


async def supervised_tasks(conn: PooledConnection, episode_ids: list[str]) -> list[OpenTask]:
    """The open coordinator tasks of the partners' episodes a coordinator supervises."""
    if not episode_ids:
        return []
    rows = await conn.fetch(_SUPERVISED_TASKS, episode_ids)
    return [OpenTask.model_validate(dict(r)) for r in rows]
