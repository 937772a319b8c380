"""The coordinator's roster tasks page: the organisation's open tasks about its peers and
supervision (a training about to lapse, supervisions missed, attendance not recorded, an extra
supervision to offer) with the peer's name, the group and when each is due; marking one done.
A partner's task escalated to the partnership is listed too, to follow up with its owner."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from activities.messages import ROSTER_TASKS_PAGE
from api.dependencies import Pool
from api.errors import ApiError
from api.principal import Principal
from api.web.guard import PageRoute, PostedForm, page_user
from api.web.rendering import render
from db import roster_upkeep
from db.pool import DatabasePool
from schemas.people import OPAQUE_ID, Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Coordinator = Annotated[Principal, Depends(page_user(Role.COORDINATOR))]

NOT_YOURS = ApiError(404, "task_id: no such roster task of your organisation")
ALREADY_DONE = ApiError(409, "task_id: the roster task is already done")
_TASK_ID = re.compile(OPAQUE_ID)


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    async with pool.acquire() as conn:
        tasks = await roster_upkeep.open_task_lines(conn, principal.organisation_id or "")
    return render(
        request,
        "roster_tasks.html",
        {
            "title": "roster_tasks.title",
            "problem": problem,
            "tasks": [t for t in tasks if t.own],
            "escalated": [t for t in tasks if not t.own],
        },
        principal=principal,
        status=status,
        path=ROSTER_TASKS_PAGE,
    )


@router.get(ROSTER_TASKS_PAGE)
async def roster_tasks_page(request: Request, principal: Coordinator, pool: Pool) -> Response:
    return await page(request, principal, pool)


@router.post(ROSTER_TASKS_PAGE + "/{task_id}/done")
async def mark_done(
    task_id: str, request: Request, principal: Coordinator, form: PostedForm, pool: Pool
) -> Response:
    """Only an open task of the coordinator's own organisation; another's, or one that does
    not exist, answers 404, one already done shows the page again saying so."""
    if _TASK_ID.fullmatch(task_id) is None or principal.organisation_id is None:
        raise NOT_YOURS
    async with pool.acquire() as conn:
        outcome = await roster_upkeep.close_own_task(
            conn, task_id, principal.organisation_id, principal.id
        )
    if outcome == "unknown":
        raise NOT_YOURS
    if outcome == "already_done":
        return await page(request, principal, pool, problem=ALREADY_DONE, status=409)
    return RedirectResponse(f"{ROSTER_TASKS_PAGE}?notice=roster_task_done", status_code=303)
