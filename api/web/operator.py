"""The operator's page: where the Temporal UI is, and episode counts by phase (no personal data)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.principal import TokenRole
from api.web import queries
from api.web.guard import PageRoute, page_principal
from api.web.rendering import render
from hverdagsbro.settings import Settings
from schemas.people import Role

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/operator")
async def operator_page(request: Request) -> Response:
    principal = await page_principal(request, Role.OPERATOR, TokenRole.OPERATOR)
    settings: Settings = request.app.state.settings
    async with request.app.state.pool.acquire() as conn:
        counts = await queries.phase_counts(conn)
    host = request.url.hostname or "127.0.0.1"
    return render(
        request,
        "operator.html",
        {"temporal_ui": f"http://{host}:{settings.temporal_ui_port}", "counts": counts},
        principal=principal,
    )
