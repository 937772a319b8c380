"""The in-app inbox: notifications for the logged-in person, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.auth import require_principal
from api.errors import ApiError
from api.principal import Principal
from schemas.base import Frozen

router = APIRouter(prefix="/api", tags=["inbox"])


class InboxItem(Frozen):
    notification_id: str
    episode_id: str
    template: str
    task_id: str | None
    created_at: datetime
    read: bool


@router.get("/inbox", response_model=list[InboxItem])
async def inbox(
    request: Request, principal: Annotated[Principal, Depends(require_principal)]
) -> list[InboxItem]:
    """The caller's in-app notifications (the last 200)."""
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT notification_id, episode_id, template, task_id, created_at, read_at"
            " FROM outbox WHERE user_id = $1 AND channel = 'inbox'"
            " ORDER BY created_at DESC LIMIT 200",
            principal.id,
        )
    return [
        InboxItem(
            notification_id=r["notification_id"],
            episode_id=r["episode_id"],
            template=r["template"],
            task_id=r["task_id"],
            created_at=r["created_at"],
            read=r["read_at"] is not None,
        )
        for r in rows
    ]


@router.post("/inbox/{notification_id}/read", status_code=204)
async def mark_read(
    notification_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(require_principal)],
) -> None:
    async with request.app.state.pool.acquire() as conn:
        status: str = await conn.execute(
            "UPDATE outbox SET read_at = COALESCE(read_at, now()) WHERE notification_id = $1"
            " AND user_id = $2 AND channel = 'inbox'",
            notification_id,
            principal.id,
        )
    if status.endswith(" 0"):
        raise ApiError(404, "notification_id: no such notification for you")
