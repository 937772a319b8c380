"""The coordinator's page: unmatched and escalated episodes, manual matching, peer load."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import Pool
from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web.guard import PageRoute, page_user
from api.web.role_page import role_page
from api.web.task_cards import card_notes
from db import pages
from db.pool import DatabasePool
from schemas.people import Role
from schemas.tasks import TaskKind

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ATTENTION = frozenset({TaskKind.MANUAL_MATCH, TaskKind.FIRST_CONTACT_ESCALATION, TaskKind.CONCERN})

Coordinator = Annotated[Principal, Depends(page_user(Role.COORDINATOR))]


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    tasks = await open_tasks(pool, principal)
    reasons: dict[str, list[str]] = {}
    for task in tasks:
        if task.kind in ATTENTION:
            reasons.setdefault(task.episode_id, []).append(task.kind)
    async with pool.acquire() as conn:
        episodes = await pages.organisation_episodes(conn, principal.organisation_id)
        peers = await pages.peer_load(conn, principal.organisation_id)
    attention = [e for e in episodes if e.phase == "unmatched" or e.episode_id in reasons]
    return role_page(
        request,
        principal,
        title="coordinator.title",
        template="coordinator.html",
        context={
            "attention": attention,
            "reasons": reasons,
            "tasks": tasks,
            "peers": peers,
            "card_notes": await card_notes(pool, principal, tasks),
        },
        problem=problem,
        status=status,
    )


@router.get("/coordinator")
async def coordinator_page(request: Request, principal: Coordinator, pool: Pool) -> Response:
    return await page(request, principal, pool)
