"""POST /api/events: one fact about an episode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.auth import require_principal
from api.event_input import EventAck, EventIn
from api.intake import EventIntake
from api.principal import Principal

router = APIRouter(prefix="/api", tags=["events"])


@router.post("/events", status_code=202, response_model=EventAck)
async def post_event(
    body: EventIn,
    request: Request,
    principal: Annotated[Principal, Depends(require_principal)],
) -> EventAck:
    """Record one event (idempotent by `event_id`): 202 with `accepted` or `duplicate`."""
    intake: EventIntake = request.app.state.intake
    return await intake.submit(principal, body)
