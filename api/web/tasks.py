"""Task links and task decisions from any role's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import Decisions, Pool
from api.errors import ApiError
from api.principal import Principal
from api.scoping import may_act_on_task, may_see_episode
from api.web import caseworker, coordinator, manual_match, peer, ward
from api.web.actions import Page, act, decide
from api.web.guard import PageRoute, PostedForm, SignedIn, field, home_of, page_user
from api.web.task_forms import result_for
from db import episode_queries
from schemas.people import Role
from schemas.tasks import DecisionAction, TaskKind

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGES: dict[Role, Page] = {
    Role.WARD: ward.page,
    Role.PEER: peer.page,
    Role.CASEWORKER: caseworker.page,
    Role.COORDINATOR: coordinator.page,
}
NOT_YOURS = ApiError(404, "task_id: no such task for you")

Assignee = Annotated[Principal, Depends(page_user(*PAGES))]


@router.get("/tasks/{task_id}")
async def task_link(task_id: str, principal: SignedIn, pool: Pool) -> Response:
    """Where notification links land: the role's page, at the task."""
    async with pool.acquire() as conn:
        task = await episode_queries.task(conn, task_id)
        episode = await episode_queries.episode(conn, task.episode_id) if task else None
    if task is None or episode is None:
        raise NOT_YOURS
    if task.status == "open" and may_act_on_task(principal, task, episode):
        return RedirectResponse(f"{home_of(principal)}#task-{task_id}", status_code=303)
    if may_see_episode(principal, episode):
        return RedirectResponse(f"/episodes/{episode.episode_id}", status_code=303)
    raise NOT_YOURS


@router.post("/tasks/{task_id}/{action}")
async def decide_task(
    task_id: str,
    action: str,
    request: Request,
    principal: Assignee,
    form: PostedForm,
    pool: Pool,
    decisions: Decisions,
) -> Response:
    try:
        chosen = DecisionAction(action)
    except ValueError:
        raise ApiError(404, "action: use accept, decline or complete") from None

    async with pool.acquire() as conn:
        task = await episode_queries.task(conn, task_id)
    kind = task.kind if task is not None else ""

    async def decision() -> str:
        result = result_for(kind, form) if chosen == DecisionAction.COMPLETE else None
        await decide(decisions, principal, task_id, chosen, field(form, "note"), result)
        return "decided"

    # A refused manual match shows its own page again (the form with what was chosen kept).
    page = PAGES[Role(principal.role)]
    if kind == TaskKind.MANUAL_MATCH and principal.role == Role.COORDINATOR:
        page = manual_match.refused_page(task_id)
    return await act(request, principal, pool, decision(), page)
