"""The peer's page: offers and tasks with due times, own episodes, contacts and concerns."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web import queries
from api.web.actions import ack_notice, act, new_event_id, report
from api.web.guard import PageRoute, checked_form, field, page_principal
from api.web.rendering import render
from api.web.task_forms import task_context
from db.episode_queries import EPISODES_BY_ROLE
from schemas.events import ContactChannel
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def page(
    request: Request, principal: Principal, *, problem: ApiError | None = None, status: int = 200
) -> Response:
    tasks = await open_tasks(request, principal)
    async with request.app.state.pool.acquire() as conn:
        episodes = await conn.fetch(EPISODES_BY_ROLE["peer"], principal.id)
        offered = await queries.programme_of(
            conn, [t.episode_id for t in tasks if t.kind == "peer_offer"]
        )
    return render(
        request,
        "peer.html",
        {
            "problem": problem,
            "tasks": tasks,
            "offered": offered,
            "episodes": episodes,
            "channels": tuple(ContactChannel),
            "event_id": new_event_id,
            **task_context(),
        },
        principal=principal,
        status=status,
        path="/peer",
    )


@router.get("/peer")
async def peer_page(request: Request) -> Response:
    return await page(request, await page_principal(request, Role.PEER))


@router.post("/peer/episodes/{episode_id}/contacts")
async def log_contact(episode_id: str, request: Request) -> Response:
    principal = await page_principal(request, Role.PEER)
    form = await checked_form(request, principal)

    async def contact() -> str:
        payload = {"channel": field(form, "channel"), "note": field(form, "note")}
        ack = await report(request, principal, form, "contact_logged", payload, episode_id)
        return ack_notice(ack, "contact")

    return await act(request, principal, contact(), page)


@router.post("/peer/episodes/{episode_id}/concerns")
async def flag_concern(episode_id: str, request: Request) -> Response:
    principal = await page_principal(request, Role.PEER)
    form = await checked_form(request, principal)

    async def concern() -> str:
        payload = {"urgent": field(form, "urgent") == "on", "note": field(form, "note")}
        ack = await report(request, principal, form, "concern_flagged", payload, episode_id)
        return ack_notice(ack, "concern")

    return await act(request, principal, concern(), page)
