"""GET /api/episodes/{id}: one episode with its timeline and tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.auth import require_principal
from api.episode_details import EpisodeOut, episode_for
from api.principal import Principal

router = APIRouter(prefix="/api", tags=["episodes"])


@router.get("/episodes/{episode_id}", response_model=EpisodeOut)
async def get_episode(
    episode_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(require_principal)],
) -> EpisodeOut:
    """The episode if it is yours to see (404 otherwise, so ids cannot be probed)."""
    return await episode_for(request.app.state.pool, principal, episode_id)
