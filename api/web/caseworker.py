"""The caseworker's page: referrals to their municipality and service, confirm services."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web.guard import PageRoute, page_principal
from api.web.rendering import render
from api.web.task_forms import task_context
from db.episode_queries import EPISODES_BY_ROLE
from schemas.consent import SERVICE_SCOPE
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def page(
    request: Request, principal: Principal, *, problem: ApiError | None = None, status: int = 200
) -> Response:
    scope = SERVICE_SCOPE.get(principal.service or "")
    episodes = []
    if scope is not None:
        async with request.app.state.pool.acquire() as conn:
            episodes = await conn.fetch(
                EPISODES_BY_ROLE["caseworker"], principal.municipality_code, scope.value
            )
    return render(
        request,
        "caseworker.html",
        {
            "problem": problem,
            "episodes": episodes,
            "tasks": await open_tasks(request, principal),
            **task_context(),
        },
        principal=principal,
        status=status,
        path="/caseworker",
    )


@router.get("/caseworker")
async def caseworker_page(request: Request) -> Response:
    return await page(request, await page_principal(request, Role.CASEWORKER))
