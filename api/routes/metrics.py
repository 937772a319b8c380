"""GET /metrics: the API process's own Prometheus metrics (events accepted, duplicate, refused)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.dependencies import AppMetrics

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
async def metrics(own: AppMetrics) -> Response:
    return Response(generate_latest(own.registry), media_type=CONTENT_TYPE_LATEST)
