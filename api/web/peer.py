"""The peer's page: offers and tasks with due times, own episodes, contacts and concerns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import Intake, Pool
from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web.actions import ack_notice, act, new_event_id, report
from api.web.guard import PageRoute, PostedForm, field, page_user
from api.web.role_page import role_page
from db import pages
from db.pool import DatabasePool
from schemas.events import ContactChannel
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Peer = Annotated[Principal, Depends(page_user(Role.PEER))]


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    tasks = await open_tasks(pool, principal)
    async with pool.acquire() as conn:
        episodes = await pages.peer_episodes(conn, principal.id)
        offered = await pages.programme_of(
            conn, [t.episode_id for t in tasks if t.kind == "peer_offer"]
        )
    return role_page(
        request,
        principal,
        title="peer.title",
        template="peer.html",
        context={
            "tasks": tasks,
            "offered": offered,
            "episodes": episodes,
            "channels": tuple(ContactChannel),
            "event_id": new_event_id,
        },
        problem=problem,
        status=status,
    )


@router.get("/peer")
async def peer_page(request: Request, principal: Peer, pool: Pool) -> Response:
    return await page(request, principal, pool)


@router.post("/peer/episodes/{episode_id}/contacts")
async def log_contact(
    episode_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    async def contact() -> str:
        payload = {"channel": field(form, "channel"), "note": field(form, "note")}
        ack = await report(intake, principal, form, "contact_logged", payload, episode_id)
        return ack_notice(ack, "contact")

    return await act(request, principal, pool, contact(), page)


@router.post("/peer/episodes/{episode_id}/concerns")
async def flag_concern(
    episode_id: str,
    request: Request,
    principal: Peer,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    async def concern() -> str:
        payload = {"urgent": field(form, "urgent") == "on", "note": field(form, "note")}
        ack = await report(intake, principal, form, "concern_flagged", payload, episode_id)
        return ack_notice(ack, "concern")

    return await act(request, principal, pool, concern(), page)
