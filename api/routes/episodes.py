"""GET /api/episodes/{id}: one episode with its timeline and tasks; PUT its citizen's contact
data (an audited correction)."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller
from api.caseworker_view import CaseworkerView
from api.contact_correction import correct
from api.dependencies import Pool
from api.episode_details import CitizenOut, EpisodeOut, episode_for
from api.event_input import ContactIn

router = APIRouter(prefix="/api", tags=["episodes"])


@router.get("/episodes/{episode_id}", response_model=EpisodeOut | CaseworkerView)
async def get_episode(
    episode_id: str, pool: Pool, principal: Caller
) -> EpisodeOut | CaseworkerView:
    """The episode if it is yours to see (404 otherwise, so ids cannot be probed). A
    caseworker gets only their service's slice (`view`: caseworker)."""
    return await episode_for(pool, principal, episode_id)


@router.put("/episodes/{episode_id}/citizen", response_model=CitizenOut)
async def correct_citizen_contact(
    episode_id: str, body: ContactIn, pool: Pool, principal: Caller
) -> CitizenOut:
    """Correct how this episode reaches the citizen (ward or coordinator of the episode).
    Only this episode changes; the audit log records who, when and which fields."""
    return await correct(pool, principal, episode_id, body)
