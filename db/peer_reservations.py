"""Peer capacity: ranking the peers who fit a request, holding and giving back their slots."""

from __future__ import annotations

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.matching import ReservationRequest

# Serialises calls for the same (episode, offer) so a retry racing its first attempt
# finds the first attempt's reservation instead of taking a second slot.
_LOCK_OFFER = (
    "SELECT pg_advisory_xact_lock(hashtextextended($1::text || '#' || $2::integer::text, 0))"
)

_EXISTING = """
SELECT peer_id FROM peer_reservations WHERE episode_id = $1 AND offer_no = $2
"""

# Same partnership as the requesting organisation, or the same organisation when it has
# no partnership. Ranked by shared languages, then load ratio, then id (deterministic).
_CANDIDATES = """
WITH requester AS (
    SELECT partnership_id FROM organisations WHERE organisation_id = $3
)
SELECT p.peer_id
FROM peers p
JOIN users u ON u.user_id = p.peer_id
JOIN organisations o ON o.organisation_id = p.organisation_id
WHERE p.trained
  AND p.available
  AND u.active
  AND $1 = ANY (p.programmes)
  AND $2 = ANY (p.municipalities)
  AND (p.organisation_id = $3
       OR o.partnership_id = (SELECT partnership_id FROM requester))
  AND NOT (p.peer_id = ANY ($4::text[]))
  AND p.active_load < p.capacity
ORDER BY cardinality(ARRAY(SELECT unnest(p.languages) INTERSECT SELECT unnest($5::text[])))
         DESC,
         p.active_load::numeric / p.capacity,
         p.peer_id
"""

# Re-checks eligibility under the row lock: a concurrent reservation may have taken the
# last slot between ranking and this update.
_TAKE_SLOT = """
UPDATE peers SET active_load = active_load + 1
WHERE peer_id = $1 AND trained AND available AND active_load < capacity
RETURNING peer_id
"""

# Whether the peer may work for the episode's organisation is the same rule as for the
# automatic candidates: its own organisation, or one in its partnership.
_NAMED_PEER = """
SELECT p.capacity, p.active_load,
       COALESCE(p.organisation_id = $2
                OR o.partnership_id = (SELECT partnership_id FROM organisations
                                       WHERE organisation_id = $2), false) AS in_partnership,
       p.available,
       COALESCE($3 = ANY (p.programmes) AND $4 = ANY (p.municipalities), false) AS serves
FROM peers p
JOIN users u ON u.user_id = p.peer_id
JOIN organisations o ON o.organisation_id = p.organisation_id
WHERE p.peer_id = $1 AND p.trained AND u.active
FOR UPDATE OF p
"""

_TAKE_SLOT_OVER_CAPACITY = "UPDATE peers SET active_load = active_load + 1 WHERE peer_id = $1"

_HOLD = """
INSERT INTO peer_reservations (episode_id, offer_no, peer_id, status, overridden)
VALUES ($1, $2, $3, 'held', $4)
"""

_RELEASE = """
UPDATE peer_reservations SET status = 'released', released_at = now()
WHERE episode_id = $1 AND offer_no = $2 AND status = 'held'
RETURNING peer_id
"""

_GIVE_BACK_SLOT = """
UPDATE peers SET active_load = greatest(active_load - 1, 0) WHERE peer_id = $1
"""


class PeerLoad(Frozen):
    capacity: int
    active_load: int
    in_partnership: bool
    available: bool = True
    serves: bool = Field(
        default=True, description="Serves the episode's programme and municipality."
    )

    @property
    def full(self) -> bool:
        return self.active_load >= self.capacity


async def lock_offer(conn: PooledConnection, episode_id: str, offer_no: int) -> None:
    """Held until the transaction ends (call inside one)."""
    await conn.execute(_LOCK_OFFER, episode_id, offer_no)


async def reserved_peer(conn: PooledConnection, episode_id: str, offer_no: int) -> str | None:
    """The peer an earlier call reserved for this offer, if any."""
    peer_id: str | None = await conn.fetchval(_EXISTING, episode_id, offer_no)
    return peer_id


async def candidates(conn: PooledConnection, req: ReservationRequest) -> list[str]:
    """Peers who fit the request and have room, best first."""
    rows = await conn.fetch(
        _CANDIDATES,
        req.programme,
        req.municipality_code,
        req.organisation_id,
        list(req.exclude_peer_ids),
        list(req.languages),
    )
    return [r["peer_id"] for r in rows]


async def take_slot(conn: PooledConnection, peer_id: str) -> bool:
    """One more episode for the peer, if they still have room; whether it was taken."""
    return await conn.fetchval(_TAKE_SLOT, peer_id) is not None


async def named_peer_load(
    conn: PooledConnection, peer_id: str, req: ReservationRequest
) -> PeerLoad | None:
    """A trained, active peer's capacity and load, locked, whether they belong to the
    partnership of the episode's organisation, are available, and serve its programme and
    municipality; None for anyone else."""
    row = await conn.fetchrow(
        _NAMED_PEER, peer_id, req.organisation_id, req.programme, req.municipality_code
    )
    return None if row is None else PeerLoad.model_validate(dict(row))


async def take_slot_over_capacity(conn: PooledConnection, peer_id: str) -> None:
    await conn.execute(_TAKE_SLOT_OVER_CAPACITY, peer_id)


async def hold(
    conn: PooledConnection, episode_id: str, offer_no: int, peer_id: str, *, overridden: bool
) -> None:
    await conn.execute(_HOLD, episode_id, offer_no, peer_id, overridden)


async def release(conn: PooledConnection, episode_id: str, offer_no: int) -> str | None:
    """End the offer's held reservation; the peer it held, or None if none was held."""
    peer_id: str | None = await conn.fetchval(_RELEASE, episode_id, offer_no)
    return peer_id


async def give_back_slot(conn: PooledConnection, peer_id: str) -> None:
    await conn.execute(_GIVE_BACK_SLOT, peer_id)
