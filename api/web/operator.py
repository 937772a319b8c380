"""The operator's page: where the Temporal UI is, and episode counts by phase (no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import AppSettings, Pool
from api.principal import Principal, TokenRole
from api.web.guard import PageRoute, page_user
from api.web.role_page import role_page
from db import pages
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Operator = Annotated[Principal, Depends(page_user(Role.OPERATOR, TokenRole.OPERATOR))]


@router.get("/operator")
async def operator_page(
    request: Request, principal: Operator, pool: Pool, settings: AppSettings
) -> Response:
    async with pool.acquire() as conn:
        counts = await pages.phase_counts(conn)
    host = request.url.hostname or "127.0.0.1"
    return role_page(
        request,
        principal,
        title="operator.title",
        template="operator.html",
        context={"temporal_ui": f"http://{host}:{settings.temporal_ui_port}", "counts": counts},
    )
