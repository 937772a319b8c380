"""GET /api/episodes/{id}/closing-summary: the episode's closing summary, the reader's slice."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller
from api.closing_summary import ClosingSummary, closing_summary
from api.dependencies import Pool

router = APIRouter(prefix="/api", tags=["episodes"])


@router.get("/episodes/{episode_id}/closing-summary", response_model=ClosingSummary)
async def get_closing_summary(episode_id: str, pool: Pool, principal: Caller) -> ClosingSummary:
    """A caseworker with the citizen's consent gets their service's slice; a coordinator of
    the episode's organisation the whole summary. 404 for anyone else (so ids cannot be
    probed), and, for those who may see it, while the episode has not begun to close. Every
    read is audited."""
    return await closing_summary(pool, principal, episode_id, place="api")
