"""One episode's page for anyone allowed to see it: phase, timeline, what is due, tasks."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request, Response

from api.caseworker_view import CaseworkerView
from api.citizen_links import AUTO, CHOICES, shows_link_form
from api.dependencies import Pool
from api.episode_details import episode_for
from api.errors import ApiError, reasons_by_field
from api.principal import Principal
from api.web.guard import PageRoute, SignedIn, home_of
from api.web.peer_episode import peer_section
from api.web.relatives_section import relatives_section
from api.web.rendering import language, render
from api.web.timeline_lines import line_text
from db.pool import DatabasePool

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/episodes/{episode_id}")
async def episode_page(
    episode_id: str, request: Request, principal: SignedIn, pool: Pool
) -> Response:
    return await episode_view(request, principal, pool, episode_id)


async def episode_view(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    episode_id: str,
    *,
    status: int = 200,
    link_problem: ApiError | None = None,
    link_choice: str = AUTO,
) -> Response:
    """The page; with `link_problem` the "send a sign-in link" form refused (its reasons
    next to the form, `status` the refusal's). Scoping and the audit of personal-data reads
    are episode_for's (404 if not yours)."""
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
            **await relatives_section(request, pool, principal, episode),
            "sign_in_link": shows_link_form(principal, episode),
            "link_choices": CHOICES,
            "link_choice": link_choice,
            "link_problem": link_problem,
            "link_errors": reasons_by_field(link_problem),
        },
        principal=principal,
        status=status,
    )
