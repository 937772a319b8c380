"""The closing summary's page (/episodes/{id}/summary): what the CLOSING_SUMMARY notification
links to. A caseworker sees their service's slice, a coordinator of the episode's
organisation the whole summary; anyone else the 404 page. Printable."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.closing_summary import closing_summary
from api.dependencies import Pool
from api.web.guard import PageRoute, SignedIn, home_of
from api.web.rendering import render
from api.web.summary_texts import SUMMARY_TEXTS

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Milestone kinds the catalog names; another kind is shown as it is.
MILESTONE_KEYS = frozenset(k for k in SUMMARY_TEXTS if k.startswith("summary.milestone."))


@router.get("/episodes/{episode_id}/summary")
async def closing_summary_page(
    episode_id: str, request: Request, principal: SignedIn, pool: Pool
) -> Response:
    """Scoping, the 404 before closing and the audit of the read are closing_summary's."""
    summary = await closing_summary(pool, principal, episode_id, place="page")
    return render(
        request,
        "closing_summary.html",
        {"summary": summary, "home": home_of(principal), "milestone_keys": MILESTONE_KEYS},
        principal=principal,
    )
