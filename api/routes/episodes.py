"""GET /api/episodes/{id}: one episode with its timeline and tasks."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller
from api.dependencies import Pool
from api.episode_details import EpisodeOut, episode_for

router = APIRouter(prefix="/api", tags=["episodes"])


@router.get("/episodes/{episode_id}", response_model=EpisodeOut)
async def get_episode(episode_id: str, pool: Pool, principal: Caller) -> EpisodeOut:
    """The episode if it is yours to see (404 otherwise, so ids cannot be probed)."""
    return await episode_for(pool, principal, episode_id)
