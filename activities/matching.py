"""Peer matching: finds the best peer who may be offered the episode; holds one slot atomically."""

from __future__ import annotations

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from db import peer_reservations as reservations
from db.connection import PooledConnection
from db.pool import DatabasePool
from schemas.matching import Reservation, ReservationRelease, ReservationRequest

log = structlog.get_logger(__name__)

NO_CANDIDATE = "no trained peer with capacity for programme/municipality"
NO_CAPACITY = "peer has no free capacity"
NOT_A_PEER = "not an active peer on the roster"


def _answer(req: ReservationRequest, peer_id: str | None, reason: str = "") -> Reservation:
    return Reservation(
        episode_id=req.episode_id, offer_no=req.offer_no, peer_id=peer_id, reason=reason
    )


def _named_peer_refusal(peer: reservations.PeerLoad | None, *, hand_over: bool) -> str | None:
    """Why a named peer may not be matched, or None when they may."""
    if peer is None:
        return NOT_A_PEER
    if not peer.in_partnership:
        return "the peer's organisation is not in the episode's partnership"
    if not peer.may_carry:
        return "the programme is not carried by the peer's employment form or organisation"
    if not peer.trained:
        return "the peer's training for the programme is missing or has lapsed"
    if hand_over and not (peer.available and peer.serves):
        # A hand-over goes to a peer who could have been offered the episode.
        return "the peer is not available for this programme and municipality"
    if not peer.available:
        return "the peer is away or not available"
    return None


class PeerMatcher:
    """Reserves and releases peer capacity; every call is one transaction and idempotent."""

    def __init__(self, pool: DatabasePool) -> None:
        self._pool = pool

    @activity.defn
    async def reserve_peer(self, req: ReservationRequest) -> Reservation:
        async with self._pool.acquire() as conn, conn.transaction():
            await reservations.lock_offer(conn, req.episode_id, req.offer_no)
            existing = await reservations.reserved_peer(conn, req.episode_id, req.offer_no)
            if existing is not None:
                return _answer(req, existing)
            if req.peer_id is not None:
                reservation = await self._reserve_named(conn, req, req.peer_id)
            else:
                reservation = await self._reserve_best(conn, req)
            if reservation.peer_id is not None and req.releases_offer_no is not None:
                # A hand-over: the capacity moves from the old peer to the new in one go.
                old = await reservations.release(conn, req.episode_id, req.releases_offer_no)
                if old is not None:
                    await reservations.give_back_slot(conn, old)
        log.info(
            "peer reservation",
            episode_id=req.episode_id,
            offer_no=req.offer_no,
            peer_id=reservation.peer_id,
            reason=reservation.reason,
        )
        return reservation

    async def _reserve_best(self, conn: PooledConnection, req: ReservationRequest) -> Reservation:
        for peer_id in await reservations.candidates(conn, req):
            if await reservations.take_slot(conn, peer_id, req.programme):
                await reservations.hold(
                    conn, req.episode_id, req.offer_no, peer_id, overridden=False
                )
                return _answer(req, peer_id)
        return _answer(req, None, NO_CANDIDATE)

    async def _reserve_named(
        self, conn: PooledConnection, req: ReservationRequest, peer_id: str
    ) -> Reservation:
        """A coordinator's manual match: only this peer, who must be an active peer of the
        episode's partnership (a coordinator cannot hand the citizen to a stranger), trained
        for the programme, of an employment form that may carry it and not away; a hand-over
        also needs a peer who serves its programme and municipality."""
        peer = await reservations.named_peer_load(conn, peer_id, req)
        refusal = _named_peer_refusal(peer, hand_over=req.releases_offer_no is not None)
        if refusal is not None or peer is None:
            raise ApplicationError(
                f"peer_id: {refusal}", type="PeerNotEligible", non_retryable=True
            )
        if peer.full and not req.override_capacity:
            return _answer(req, None, NO_CAPACITY)
        await reservations.take_slot_over_capacity(conn, peer_id)
        await reservations.hold(conn, req.episode_id, req.offer_no, peer_id, overridden=peer.full)
        return _answer(req, peer_id)

    @activity.defn
    async def release_peer(self, rel: ReservationRelease) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            peer_id = await reservations.release(conn, rel.episode_id, rel.offer_no)
            if peer_id is not None:
                await reservations.give_back_slot(conn, peer_id)
        log.info(
            "peer reservation released",
            episode_id=rel.episode_id,
            offer_no=rel.offer_no,
            released_now=peer_id is not None,
        )
