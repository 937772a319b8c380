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

# Peers the programme may be offered to today (db view offerable_peer_programmes: they serve
# it, their employment form and organisation kind may carry it, their training for it is
# valid, they are not away, available and active), who serve the municipality, belong to an
# organisation whose peers the requesting organisation may match (itself, or a member of a
# partnership of its that matches across) and have room. Ranked by shared languages, then load
# ratio, then id (deterministic).
_CANDIDATES = """
SELECT p.peer_id
FROM offerable_peer_programmes op
JOIN peers p ON p.peer_id = op.peer_id
WHERE op.programme = $1
  AND $2 = ANY (p.municipalities)
  AND p.organisation_id IN (SELECT partner_id FROM matching_partners WHERE organisation_id = $3)
  AND NOT (p.peer_id = ANY ($4::text[]))
  AND p.active_load < p.capacity
ORDER BY cardinality(ARRAY(SELECT unnest(p.languages) INTERSECT SELECT unnest($5::text[])))
         DESC,
         p.active_load::numeric / p.capacity,
         p.peer_id
"""

# Re-checks eligibility under the row lock: a concurrent reservation may have taken the
# last slot, or the peer may have been made unavailable, between ranking and this update.
_TAKE_SLOT = """
UPDATE peers SET active_load = active_load + 1
WHERE peer_id = $1 AND available AND active_load < capacity
  AND EXISTS (SELECT 1 FROM offerable_peer_programmes
              WHERE peer_id = $1 AND programme = $2)
RETURNING peer_id
"""

# A peer a coordinator names, with each of the matching rules answered on its own so the
# refusal can say which one failed: of an organisation the episode's may match, available and
# not away today, serving the programme and municipality, of an employment form and
# organisation kind that may carry the programme, with valid training for it.
_NAMED_PEER = """
SELECT p.capacity, p.active_load,
       p.organisation_id IN (SELECT partner_id FROM matching_partners
                             WHERE organisation_id = $2) AS in_partnership,
       p.available AND NOT coalesce(s.absent, false) AS available,
       COALESCE($3 = ANY (p.programmes) AND $4 = ANY (p.municipalities), false) AS serves,
       coalesce(s.may_carry, false) AS may_carry,
       coalesce(s.trained_until >= current_date, false) AS trained
FROM peers p
JOIN users u ON u.user_id = p.peer_id
LEFT JOIN peer_programme_standing s ON s.peer_id = p.peer_id AND s.programme = $3
WHERE p.peer_id = $1 AND u.active
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
    available: bool = Field(default=True, description="Available and not away today.")
    serves: bool = Field(
        default=True, description="Serves the episode's programme and municipality."
    )
    may_carry: bool = Field(
        default=True,
        description="Their employment form and organisation kind may carry the programme.",
    )
    trained: bool = Field(default=True, description="Their training for the programme is valid.")

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


async def take_slot(conn: PooledConnection, peer_id: str, programme: str) -> bool:
    """One more episode for the peer, if they still have room and may still be offered the
    programme; whether it was taken."""
    return await conn.fetchval(_TAKE_SLOT, peer_id, programme) is not None


async def named_peer_load(
    conn: PooledConnection, peer_id: str, req: ReservationRequest
) -> PeerLoad | None:
    """An active peer's capacity and load, locked, and how they stand against each matching
    rule for the episode; None for anyone who is not an active peer."""
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
