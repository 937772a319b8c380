"""The caseworker's page: the citizens who consented to sharing with their service (name,
programme, phase, discharge, what is due for them), and their open tasks; a confirm_service
task offers only their own service's offers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.caseworker_view import caseworker_list
from api.dependencies import Pool
from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web import paging, task_paging
from api.web.guard import PageRoute, field, page_user
from api.web.role_page import role_page
from db.pool import DatabasePool
from schemas.people import Role
from schemas.services import offers_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Caseworker = Annotated[Principal, Depends(page_user(Role.CASEWORKER))]

# Where a refused confirmation went wrong, as the API names it.
OFFER_FIELD = "result.service"


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    way, at = paging.position(request)
    listed = await caseworker_list(pool, principal, way=way, at=at)
    episodes = listed.rows
    tasks = task_paging.task_page(request, await open_tasks(pool, principal), "tasks-title")
    return role_page(
        request,
        principal,
        title="caseworker.title",
        template="caseworker.html",
        context={
            "episodes": episodes,
            "episode_page": listed,
            "episode_links": paging.links(request, listed, "referrals-title"),
            "by_episode": {e.episode_id: e for e in episodes},
            "tasks": tasks.tasks,
            "task_page": tasks,
            # The confirm_service form lists only this caseworker's own service's offers.
            "services": offers_of(principal.service),
            "kept": await kept_choice(request, problem),
        },
        problem=problem,
        status=status,
    )


async def kept_choice(request: Request, problem: ApiError | None) -> dict[str, str]:
    """A refused task form: which task, what was chosen and typed, and the refusal of the
    offer field (if it was the offer), to show them again on the card."""
    if problem is None or request.method != "POST":
        return {}
    form = await request.form()
    # The result model names it result.service_confirmed.service; the episode result.service.
    offer_error = next(
        (
            e.reason
            for e in problem.errors
            if e.field.startswith("result.") and e.field.endswith(".service")
        ),
        "",
    )
    if not offer_error and problem.message.startswith(f"{OFFER_FIELD}:"):
        offer_error = problem.message.removeprefix(f"{OFFER_FIELD}:").strip()
    return {
        "task_id": str(request.path_params.get("task_id", "")),
        "service": field(form, "service"),
        "note": field(form, "note"),
        "offer_error": offer_error,
    }


@router.get("/caseworker")
async def caseworker_page(request: Request, principal: Caseworker, pool: Pool) -> Response:
    return await page(request, principal, pool)
