"""The caseworker's page: referrals to their municipality and service, confirm services."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import Pool
from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web.guard import PageRoute, page_user
from api.web.role_page import role_page
from db import pages
from db.pages import EpisodeListing
from db.pool import DatabasePool
from schemas.consent import SERVICE_SCOPE
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Caseworker = Annotated[Principal, Depends(page_user(Role.CASEWORKER))]


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    scope = SERVICE_SCOPE.get(principal.service or "")
    episodes: list[EpisodeListing] = []
    if scope is not None:
        async with pool.acquire() as conn:
            episodes = await pages.shared_episodes(conn, principal.municipality_code, scope.value)
    return role_page(
        request,
        principal,
        title="caseworker.title",
        template="caseworker.html",
        context={"episodes": episodes, "tasks": await open_tasks(pool, principal)},
        problem=problem,
        status=status,
    )


@router.get("/caseworker")
async def caseworker_page(request: Request, principal: Caseworker, pool: Pool) -> Response:
    return await page(request, principal, pool)
