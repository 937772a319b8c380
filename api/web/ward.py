"""The ward's page: refer a patient, plan and confirm discharge, the ward's episodes and tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import Intake, Pool
from api.errors import ApiError
from api.principal import Principal
from api.routes.tasks import open_tasks
from api.web import referral_form
from api.web.actions import ack_notice, act, done, new_event_id, report
from api.web.guard import PageRoute, PostedForm, field, page_user
from api.web.role_page import role_page
from db import pages
from db.pool import DatabasePool
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

WardStaff = Annotated[Principal, Depends(page_user(Role.WARD))]


async def page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    referral: dict[str, Any] | None = None,
) -> Response:
    async with pool.acquire() as conn:
        episodes = await pages.ward_episodes(conn, principal.ward_id)
        programmes = await pages.programmes(conn)
        municipalities = await pages.municipalities(conn)
        organisations = await pages.organisations(conn)
        own_organisation = await pages.ward_organisation(conn, principal.ward_id)
    refused_referral = referral is not None and problem is not None
    return role_page(
        request,
        principal,
        title="ward.title",
        template="ward.html",
        context={
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
            "tasks": await open_tasks(pool, principal),
            "event_id": new_event_id,
        },
        problem=problem,
        status=status,
    )


@router.get("/ward")
async def ward_page(request: Request, principal: WardStaff, pool: Pool) -> Response:
    return await page(request, principal, pool)


@router.post("/ward/referrals")
async def refer(
    request: Request, principal: WardStaff, form: PostedForm, pool: Pool, intake: Intake
) -> Response:
    values = referral_form.from_form(form)
    try:
        payload = referral_form.payload(values, principal.ward_id, datetime.now(UTC))
        ack = await report(intake, principal, form, "referral_created", payload)
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        return await page(request, principal, pool, problem=err, status=err.status, referral=values)
    return done(principal, ack_notice(ack, "referred"))


@router.post("/ward/episodes/{episode_id}/discharge-planned")
async def plan_discharge(
    episode_id: str,
    request: Request,
    principal: WardStaff,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    async def plan() -> str:
        payload = {"planned_for": field(form, "planned_for")}
        ack = await report(intake, principal, form, "discharge_planned", payload, episode_id)
        return ack_notice(ack, "saved")

    return await act(request, principal, pool, plan(), page)


@router.post("/ward/episodes/{episode_id}/discharged")
async def confirm_discharge(
    episode_id: str,
    request: Request,
    principal: WardStaff,
    form: PostedForm,
    pool: Pool,
    intake: Intake,
) -> Response:
    async def confirm() -> str:
        ack = await report(intake, principal, form, "discharged", {}, episode_id)
        return ack_notice(ack, "saved")

    return await act(request, principal, pool, confirm(), page)
