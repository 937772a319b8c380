"""The coordinator's page: unmatched and escalated episodes, manual matching, peer load."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web import queries
from api.web.guard import PageRoute, page_principal
from api.web.rendering import render
from api.web.task_forms import task_context
from db.episode_queries import EPISODES_BY_ROLE
from schemas.people import Role
from schemas.tasks import TaskKind

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ATTENTION = frozenset({TaskKind.MANUAL_MATCH, TaskKind.FIRST_CONTACT_ESCALATION, TaskKind.CONCERN})


async def page(
    request: Request, principal: Principal, *, problem: ApiError | None = None, status: int = 200
) -> Response:
    tasks = await open_tasks(request, principal)
    reasons: dict[str, list[str]] = {}
    for task in tasks:
        if task.kind in ATTENTION:
            reasons.setdefault(task.episode_id, []).append(task.kind)
    async with request.app.state.pool.acquire() as conn:
        episodes = await conn.fetch(EPISODES_BY_ROLE["coordinator"], principal.organisation_id)
        peers = await queries.peer_load(conn, principal.organisation_id)
    attention = [e for e in episodes if e["phase"] == "unmatched" or e["episode_id"] in reasons]
    return render(
        request,
        "coordinator.html",
        {
            "problem": problem,
            "attention": attention,
            "reasons": reasons,
            "tasks": tasks,
            "peers": peers,
            **task_context(),
        },
        principal=principal,
        status=status,
        path="/coordinator",
    )


@router.get("/coordinator")
async def coordinator_page(request: Request) -> Response:
    return await page(request, await page_principal(request, Role.COORDINATOR))
