"""GET /healthz: is the service able to work (database and Temporal reachable)?"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.dependencies import Pool, Temporal
from db.health import answers

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(pool: Pool, temporal: Temporal) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(3):
            async with pool.acquire() as conn:
                await answers(conn)
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unavailable"
    try:
        async with asyncio.timeout(3):
            await temporal.service_client.check_health()
        checks["temporal"] = "ok"
    except Exception:
        checks["temporal"] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status_code=200 if healthy else 503
    )
