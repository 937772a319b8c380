"""What the role pages read besides tasks: each role's episodes, choice lists, peer load, counts."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen


class ProgrammeName(Frozen):
    code: str
    name: str | None
    name_da: str | None


class Municipality(Frozen):
    municipality_code: str
    name: str


class Organisation(Frozen):
    organisation_id: str
    name: str


class PeerLoad(Frozen):
    peer_id: str
    display_name: str
    capacity: int
    active_load: int
    trained: bool = Field(description="Their training is valid for a programme they serve.")
    employment: str
    available: bool


class PeersToWatch(Frozen):
    """The peers the coordinator's page shows, how many need a look, and all active peers."""

    peers: list[PeerLoad]
    watched: int
    total: int


class RefusedCommit(Frozen):
    """An open commit_failed task: an episode whose read-model commit PostgreSQL refused."""

    episode_id: str
    created_at: datetime
    overdue: bool


class PhaseCount(Frozen):
    phase: str
    episodes: int


_PROGRAMMES = (
    "SELECT code, definition->>'name' AS name, definition->>'name_da' AS name_da"
    " FROM programmes WHERE active ORDER BY code"
)
_MUNICIPALITIES = "SELECT municipality_code, name FROM municipalities ORDER BY name"
_ORGANISATIONS = "SELECT organisation_id, name FROM organisations ORDER BY name"
_WARD_ORGANISATION = "SELECT organisation_id FROM wards WHERE ward_id = $1"
# The organisation's active peers who need the coordinator's eye, at most $2: over or at
# capacity, away with citizens, one place left, or free with none yet (in that order, then
# by name); each row with how many active peers there are in all. The others are on the
# roster page.
_PEERS_TO_WATCH = """
WITH org AS (
    SELECT p.peer_id, u.display_name, p.capacity, p.active_load, p.employment, p.available
    FROM peers p JOIN users u ON u.user_id = p.peer_id
    WHERE p.organisation_id = $1 AND u.active
), watched AS (
    SELECT o.*,
           CASE WHEN o.active_load > o.capacity THEN 0
                WHEN o.active_load = o.capacity THEN 1
                WHEN NOT o.available AND o.active_load > 0 THEN 2
                WHEN o.active_load = o.capacity - 1 THEN 3
                ELSE 4 END AS concern
    FROM org o
    WHERE o.active_load >= o.capacity - 1
       OR (NOT o.available AND o.active_load > 0)
       OR (o.available AND o.active_load = 0)
)
SELECT w.peer_id, w.display_name, w.capacity, w.active_load, w.employment, w.available,
       EXISTS (SELECT 1 FROM peer_programme_standing s WHERE s.peer_id = w.peer_id
               AND s.serves AND s.trained_until >= current_date) AS trained,
       (SELECT count(*) FROM org) AS peers, (SELECT count(*) FROM watched) AS watched
FROM watched w
ORDER BY w.concern, w.display_name, w.peer_id
LIMIT $2
"""
_ACTIVE_PEERS = (
    "SELECT count(*) FROM peers p JOIN users u ON u.user_id = p.peer_id"
    " WHERE p.organisation_id = $1 AND u.active"
)
_PHASE_COUNTS = "SELECT phase, count(*) AS episodes FROM episodes GROUP BY phase ORDER BY phase"
_REFUSED_COMMITS = (
    "SELECT episode_id, created_at, overdue FROM tasks"
    " WHERE kind = 'commit_failed' AND status = 'open' ORDER BY created_at LIMIT 200"
)


async def programmes(conn: PooledConnection) -> list[ProgrammeName]:
    return [ProgrammeName.model_validate(dict(r)) for r in await conn.fetch(_PROGRAMMES)]


async def municipalities(conn: PooledConnection) -> list[Municipality]:
    return [Municipality.model_validate(dict(r)) for r in await conn.fetch(_MUNICIPALITIES)]


async def organisations(conn: PooledConnection) -> list[Organisation]:
    return [Organisation.model_validate(dict(r)) for r in await conn.fetch(_ORGANISATIONS)]


async def ward_organisation(conn: PooledConnection, ward_id: str | None) -> str | None:
    found: str | None = await conn.fetchval(_WARD_ORGANISATION, ward_id)
    return found


async def peers_to_watch(
    conn: PooledConnection, organisation_id: str | None, limit: int
) -> PeersToWatch:
    """The organisation's peers who need a look (full, away with citizens, one place left,
    none yet), at most `limit`, with how many there are and how many active peers in all."""
    rows = await conn.fetch(_PEERS_TO_WATCH, organisation_id, limit)
    return PeersToWatch(
        peers=[
            PeerLoad.model_validate({k: v for k, v in r.items() if k not in ("peers", "watched")})
            for r in rows
        ],
        watched=rows[0]["watched"] if rows else 0,
        total=rows[0]["peers"] if rows else await conn.fetchval(_ACTIVE_PEERS, organisation_id),
    )


async def phase_counts(conn: PooledConnection) -> list[PhaseCount]:
    return [PhaseCount.model_validate(dict(r)) for r in await conn.fetch(_PHASE_COUNTS)]


async def refused_commits(conn: PooledConnection) -> list[RefusedCommit]:
    """Episodes whose commit was refused and nobody has looked at yet (ids only), oldest first."""
    return [RefusedCommit.model_validate(dict(r)) for r in await conn.fetch(_REFUSED_COMMITS)]
