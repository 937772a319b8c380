"""The coordinator's read-only view of their organisation's partnerships: the members with
their kind, and the sharing rules in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import Pool
from api.principal import Principal
from api.web import labels
from api.web.guard import PageRoute, page_user
from api.web.rendering import language, render
from db.partnerships import Partnership, partnerships_of
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Coordinator = Annotated[Principal, Depends(page_user(Role.COORDINATOR))]


@dataclass(frozen=True)
class PartnershipView:
    """A partnership as the page says it: the organisation kinds whose coordinators see their
    own peers' episodes at the partners, in words, and whether the reader's is one of them."""

    partnership: Partnership
    home_kinds: str
    home_sees: bool


def view(partnership: Partnership, organisation_id: str | None, lang: str) -> PartnershipView:
    kinds = [
        labels.value("organisation_kind", kind, lang)
        for kind in partnership.sharing.home_sees_assigned
    ]
    joiner = f" {labels.text('partnerships.and', lang)} "
    own = {m.kind for m in partnership.members if m.organisation_id == organisation_id}
    return PartnershipView(
        partnership=partnership,
        home_kinds=joiner.join(kinds),
        home_sees=bool(own & set(partnership.sharing.home_sees_assigned)),
    )


@router.get("/coordinator/partnerships")
async def partnerships_page(request: Request, principal: Coordinator, pool: Pool) -> Response:
    async with pool.acquire() as conn:
        partnerships = await partnerships_of(conn, principal.organisation_id)
    lang = language(request)
    return render(
        request,
        "partnerships.html",
        {
            "title": "partnerships.title",
            "partnerships": [view(p, principal.organisation_id, lang) for p in partnerships],
        },
        principal=principal,
        path=request.url.path,
    )
