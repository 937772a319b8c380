"""Task links and task decisions from any role's page."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from api.errors import ApiError
from api.scoping import may_act_on_task, may_see_episode
from api.web import caseworker, coordinator, peer, ward
from api.web.actions import Page, act, decide
from api.web.guard import PageRoute, checked_form, field, home_of, page_principal
from api.web.task_forms import result_for
from db import episode_queries
from schemas.people import Role
from schemas.tasks import DecisionAction

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGES: dict[Role, Page] = {
    Role.WARD: ward.page,
    Role.PEER: peer.page,
    Role.CASEWORKER: caseworker.page,
    Role.COORDINATOR: coordinator.page,
}
NOT_YOURS = ApiError(404, "task_id: no such task for you")


@router.get("/tasks/{task_id}")
async def task_link(task_id: str, request: Request) -> Response:
    """Where notification links land: the role's page, at the task."""
    principal = await page_principal(request)
    async with request.app.state.pool.acquire() as conn:
        task = await episode_queries.task(conn, task_id)
        episode = await episode_queries.episode(conn, task["episode_id"]) if task else None
    if task is None or episode is None:
        raise NOT_YOURS
    if task["status"] == "open" and may_act_on_task(principal, task, episode):
        return RedirectResponse(f"{home_of(principal)}#task-{task_id}", status_code=303)
    if may_see_episode(principal, episode):
        return RedirectResponse(f"/episodes/{episode['episode_id']}", status_code=303)
    raise NOT_YOURS


@router.post("/tasks/{task_id}/{action}")
async def decide_task(task_id: str, action: str, request: Request) -> Response:
    principal = await page_principal(request, *PAGES)
    form = await checked_form(request, principal)
    try:
        chosen = DecisionAction(action)
    except ValueError:
        raise ApiError(404, "action: use accept, decline or complete") from None

    async def decision() -> str:
        async with request.app.state.pool.acquire() as conn:
            task = await episode_queries.task(conn, task_id)
        kind = task["kind"] if task is not None else ""
        result = result_for(kind, form) if chosen == DecisionAction.COMPLETE else None
        await decide(request, principal, task_id, chosen, field(form, "note"), result)
        return "decided"

    return await act(request, principal, decision(), PAGES[Role(principal.role)])
