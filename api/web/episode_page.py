"""One episode's page for anyone allowed to see it: phase, timeline, what is due, tasks."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request, Response

from api.caseworker_view import CaseworkerView
from api.dependencies import Pool
from api.episode_details import episode_for
from api.web.guard import PageRoute, SignedIn, home_of
from api.web.peer_episode import peer_section
from api.web.rendering import language, render
from api.web.timeline_lines import line_text

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/episodes/{episode_id}")
async def episode_page(
    episode_id: str, request: Request, principal: SignedIn, pool: Pool
) -> Response:
    """Scoping and the audit of personal-data reads are episode_for's (404 if not yours)."""
    episode = await episode_for(pool, principal, episode_id)
    # A caseworker's slice has a page of its own (nothing of the whole episode's page).
    template = "episode_caseworker.html" if isinstance(episode, CaseworkerView) else "episode.html"
    return render(
        request,
        template,
        {
            "episode": episode,
            "home": home_of(principal),
            "timeline_line": partial(line_text, lang=language(request)),
            **await peer_section(request, pool, principal, episode),
        },
        principal=principal,
    )
