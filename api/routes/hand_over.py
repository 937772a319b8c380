"""POST /api/episodes/{id}/hand-over: a coordinator gives the episode to another peer."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller
from api.dependencies import Pool, Temporal
from api.hand_over import HandOverIn, hand_over
from schemas.tasks import HandOverResult

router = APIRouter(prefix="/api", tags=["episodes"])


@router.post("/episodes/{episode_id}/hand-over", response_model=HandOverResult)
async def hand_over_episode(
    episode_id: str, body: HandOverIn, pool: Pool, temporal: Temporal, principal: Caller
) -> HandOverResult:
    """Hand the episode to another peer of the partnership (coordinator of the episode's
    organisation). The new peer must have free capacity; their slot is taken and the old
    peer's given back in one transaction; open peer tasks move with the episode; the reason
    is audited."""
    return await hand_over(pool, temporal, principal, episode_id, body)
