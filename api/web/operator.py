"""The operator's page: the Temporal UI, episode counts by phase, episodes whose commit was
refused and received MedCom messages needing a look (ids and codes only, no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from api.dependencies import AppSettings, Pool
from api.principal import Principal, TokenRole
from api.web.guard import PageRoute, page_user
from api.web.role_page import role_page
from db import pages
from db.medcom import messages_needing_a_look
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Operator = Annotated[Principal, Depends(page_user(Role.OPERATOR, TokenRole.OPERATOR))]


@router.get("/operator")
async def operator_page(
    request: Request, principal: Operator, pool: Pool, settings: AppSettings
) -> Response:
    async with pool.acquire() as conn:
        counts = await pages.phase_counts(conn)
        refused = await pages.refused_commits(conn)
        medcom = await messages_needing_a_look(conn)
    host = request.url.hostname or "127.0.0.1"
    temporal_ui = f"http://{host}:{settings.temporal_ui_port}"
    return role_page(
        request,
        principal,
        title="operator.title",
        template="operator.html",
        context={
            "temporal_ui": temporal_ui,
            "workflows": f"{temporal_ui}/namespaces/{settings.temporal_namespace}/workflows",
            "counts": counts,
            "refused": refused,
            "medcom": medcom,
        },
    )
