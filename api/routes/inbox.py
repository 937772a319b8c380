"""The in-app inbox: notifications for the logged-in person, newest first."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller
from api.dependencies import Pool
from api.errors import ApiError
from db import inbox as inbox_queries
from db.inbox import InboxItem

router = APIRouter(prefix="/api", tags=["inbox"])


@router.get("/inbox", response_model=list[InboxItem])
async def inbox(pool: Pool, principal: Caller) -> list[InboxItem]:
    """The caller's in-app notifications (the last 200)."""
    async with pool.acquire() as conn:
        return await inbox_queries.inbox(conn, principal.id)


@router.post("/inbox/{notification_id}/read", status_code=204)
async def mark_read(notification_id: str, pool: Pool, principal: Caller) -> None:
    async with pool.acquire() as conn:
        found = await inbox_queries.mark_read(conn, notification_id, principal.id)
    if not found:
        raise ApiError(404, "notification_id: no such notification for you")
