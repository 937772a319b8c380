"""Peer matching: finds the best trained peer with capacity and holds one slot atomically."""

from __future__ import annotations

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db.connection import PooledConnection
from db.pool import DatabasePool
from schemas.matching import Reservation, ReservationRelease, ReservationRequest

log = structlog.get_logger(__name__)

NO_CANDIDATE = "no trained peer with capacity for programme/municipality"
NO_CAPACITY = "peer has no free capacity"

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

_MANUAL_PEER = """
SELECT p.capacity, p.active_load
FROM peers p JOIN users u ON u.user_id = p.peer_id
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


def _answer(req: ReservationRequest, peer_id: str | None, reason: str = "") -> Reservation:
    return Reservation(
        episode_id=req.episode_id, offer_no=req.offer_no, peer_id=peer_id, reason=reason
    )


class PeerMatcher:
    """Reserves and releases peer capacity; every call is one transaction and idempotent."""

    def __init__(self, pool: DatabasePool) -> None:
        self._pool = pool

    @activity.defn
    async def reserve_peer(self, req: ReservationRequest) -> Reservation:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK_OFFER, req.episode_id, req.offer_no)
            existing = await conn.fetchval(_EXISTING, req.episode_id, req.offer_no)
            if existing is not None:
                return _answer(req, existing)
            if req.peer_id is not None:
                reservation = await self._reserve_named(conn, req, req.peer_id)
            else:
                reservation = await self._reserve_best(conn, req)
        log.info(
            "peer reservation",
            episode_id=req.episode_id,
            offer_no=req.offer_no,
            peer_id=reservation.peer_id,
            reason=reservation.reason,
        )
        return reservation

    async def _reserve_best(self, conn: PooledConnection, req: ReservationRequest) -> Reservation:
        candidates = await conn.fetch(
            _CANDIDATES,
            req.programme,
            req.municipality_code,
            req.organisation_id,
            list(req.exclude_peer_ids),
            list(req.languages),
        )
        for candidate in candidates:
            peer_id: str = candidate["peer_id"]
            if await conn.fetchval(_TAKE_SLOT, peer_id) is not None:
                await conn.execute(_HOLD, req.episode_id, req.offer_no, peer_id, False)
                return _answer(req, peer_id)
        return _answer(req, None, NO_CANDIDATE)

    async def _reserve_named(
        self, conn: PooledConnection, req: ReservationRequest, peer_id: str
    ) -> Reservation:
        """A coordinator's manual match: only this peer, who must be trained and active."""
        peer = await conn.fetchrow(_MANUAL_PEER, peer_id)
        if peer is None:
            raise ApplicationError(
                "peer_id: not an active, trained peer on the roster",
                type="PeerNotEligible",
                non_retryable=True,
            )
        over_capacity = peer["active_load"] >= peer["capacity"]
        if over_capacity and not req.override_capacity:
            return _answer(req, None, NO_CAPACITY)
        await conn.execute(_TAKE_SLOT_OVER_CAPACITY, peer_id)
        await conn.execute(_HOLD, req.episode_id, req.offer_no, peer_id, over_capacity)
        return _answer(req, peer_id)

    @activity.defn
    async def release_peer(self, rel: ReservationRelease) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            peer_id = await conn.fetchval(_RELEASE, rel.episode_id, rel.offer_no)
            if peer_id is not None:
                await conn.execute(_GIVE_BACK_SLOT, peer_id)
        log.info(
            "peer reservation released",
            episode_id=rel.episode_id,
            offer_no=rel.offer_no,
            released_now=peer_id is not None,
        )
