"""Relatives on an episode: added and removed by staff (audited in the same statement, ids
only), read by the episode page, and the peer's first name a relative's notice gives."""

from __future__ import annotations

import uuid

from db.connection import PooledConnection
from schemas.people import Actor
from schemas.relatives import Added, NewRelative, Relative

# Added only while the episode holds the consent; the row and its audit line together.
_ADD = """
WITH allowed AS (
    SELECT episode_id FROM episodes
    WHERE episode_id = $2 AND 'share_with_relative' = ANY (consents)
    FOR SHARE
), added AS (
    INSERT INTO episode_relatives
        (relative_id, episode_id, name, phone, email, relation, recorded_by_role, recorded_by_id)
    SELECT $1, episode_id, $3, $4, $5, $6, $7, $8 FROM allowed
    ON CONFLICT (relative_id) DO NOTHING
    RETURNING relative_id, episode_id
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
    SELECT $9, now(), $7, $8,
           'relative.added', episode_id, jsonb_build_object('relative_id', relative_id)
    FROM added
)
SELECT EXISTS (SELECT 1 FROM allowed) AS allowed, EXISTS (SELECT 1 FROM added) AS added
"""

# Removing keeps the row (the ids in the audit log and the outbox lead somewhere) but not
# the name or how to reach them.
_REMOVE = """
WITH removed AS (
    UPDATE episode_relatives
    SET removed_at = now(), removed_by_role = $3, removed_by_id = $4,
        name = '', phone = NULL, email = NULL, relation = NULL
    WHERE relative_id = $1 AND episode_id = $2 AND removed_at IS NULL
    RETURNING relative_id, episode_id
), audited AS (
    INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
    SELECT $5, now(), $3, $4,
           'relative.removed', episode_id, jsonb_build_object('relative_id', relative_id)
    FROM removed
)
SELECT EXISTS (SELECT 1 FROM removed) AS removed,
       EXISTS (SELECT 1 FROM episode_relatives
               WHERE relative_id = $1 AND episode_id = $2) AS known
"""

_CURRENT = """
SELECT relative_id, episode_id, name, phone, email, relation, recorded_by_role, recorded_at
FROM episode_relatives
WHERE episode_id = $1 AND removed_at IS NULL
ORDER BY recorded_at, relative_id
"""

_PEER_FIRST_NAME = """
SELECT split_part(btrim(display_name), ' ', 1) FROM users
WHERE user_id = $1 AND role = 'peer'
"""


def _audit_id() -> str:
    return f"relative-{uuid.uuid4().hex}"


async def add(conn: PooledConnection, relative: NewRelative, by: Actor) -> Added:
    """Record the relative if the episode holds the share_with_relative consent; the same
    relative_id again changes nothing."""
    row = await conn.fetchrow(
        _ADD,
        relative.relative_id,
        relative.episode_id,
        relative.name,
        relative.phone,
        relative.email,
        relative.relation,
        by.role.value,
        by.id,
        _audit_id(),
    )
    assert row is not None
    if row["added"]:
        return Added.ADDED
    return Added.ALREADY if row["allowed"] else Added.NO_CONSENT


async def remove(conn: PooledConnection, episode_id: str, relative_id: str, by: Actor) -> bool:
    """Remove a relative of this episode (again: nothing more happens); False when the
    episode has no such relative."""
    row = await conn.fetchrow(_REMOVE, relative_id, episode_id, by.role.value, by.id, _audit_id())
    assert row is not None
    return bool(row["removed"] or row["known"])


async def current(conn: PooledConnection, episode_id: str) -> list[Relative]:
    """The episode's relatives now, first added first."""
    return [Relative.model_validate(dict(r)) for r in await conn.fetch(_CURRENT, episode_id)]


async def peer_first_name(conn: PooledConnection, peer_id: str) -> str | None:
    """How a relative's notice names the peer: their first name only."""
    name: str | None = await conn.fetchval(_PEER_FIRST_NAME, peer_id)
    return name or None
