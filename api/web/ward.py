"""The ward's page: refer a patient, plan and confirm discharge, the ward's episodes and tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web import queries, referral_form
from api.web.actions import ack_notice, act, done, new_event_id, report
from api.web.guard import PageRoute, checked_form, field, page_principal
from api.web.rendering import render
from db.episode_queries import EPISODES_BY_ROLE
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)


async def page(
    request: Request,
    principal: Principal,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    referral: dict[str, Any] | None = None,
) -> Response:
    async with request.app.state.pool.acquire() as conn:
        episodes = await conn.fetch(EPISODES_BY_ROLE["ward"], principal.ward_id)
        programmes = await queries.programmes(conn)
        municipalities = await queries.municipalities(conn)
        organisations = await queries.organisations(conn)
        own_organisation = await queries.ward_organisation(conn, principal.ward_id)
    refused_referral = referral is not None and problem is not None
    return render(
        request,
        "ward.html",
        {
            "problem": problem,
            "referral": referral or referral_form.blank(own_organisation),
            "field_errors": referral_form.errors_by_field(problem.errors)
            if refused_referral and problem
            else {},
            "goal_areas": referral_form.GOAL_AREAS,
            "scopes": referral_form.SCOPES,
            "methods": referral_form.METHODS,
            "programmes": programmes,
            "municipalities": municipalities,
            "organisations": organisations,
            "episodes": episodes,
            "tasks": await open_tasks(request, principal),
            "event_id": new_event_id,
        },
        principal=principal,
        status=status,
        path="/ward",
    )


@router.get("/ward")
async def ward_page(request: Request) -> Response:
    return await page(request, await page_principal(request, Role.WARD))


@router.post("/ward/referrals")
async def refer(request: Request) -> Response:
    principal = await page_principal(request, Role.WARD)
    form = await checked_form(request, principal)
    values = referral_form.from_form(form)
    try:
        payload = referral_form.payload(values, principal.ward_id, datetime.now(UTC))
        ack = await report(request, principal, form, "referral_created", payload)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        return await page(request, principal, problem=err, status=err.status, referral=values)
    return done(principal, ack_notice(ack, "referred"))


@router.post("/ward/episodes/{episode_id}/discharge-planned")
async def plan_discharge(episode_id: str, request: Request) -> Response:
    principal = await page_principal(request, Role.WARD)
    form = await checked_form(request, principal)

    async def plan() -> str:
        payload = {"planned_for": field(form, "planned_for")}
        ack = await report(request, principal, form, "discharge_planned", payload, episode_id)
        return ack_notice(ack, "saved")

    return await act(request, principal, plan(), page)


@router.post("/ward/episodes/{episode_id}/discharged")
async def confirm_discharge(episode_id: str, request: Request) -> Response:
    principal = await page_principal(request, Role.WARD)
    form = await checked_form(request, principal)

    async def confirm() -> str:
        ack = await report(request, principal, form, "discharged", {}, episode_id)
        return ack_notice(ack, "saved")

    return await act(request, principal, confirm(), page)
