"""POST /api/events: one fact about an episode; GET /api/events/{id}: where it stands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from api.auth import require_principal
from api.event_input import EventAck, EventIn
from api.intake import EventIntake
from api.principal import Principal

router = APIRouter(prefix="/api", tags=["events"])


class EventStatus(BaseModel):
    """An event's way in: `received` (recorded), `signalled` (its episode holds it),
    `applied` (its effects are in the read model), `parked` (waits for a referral)."""

    event_id: str
    type: str
    episode_id: str
    status: Literal["received", "signalled", "applied", "parked"]
    received_at: datetime
    applied_at: datetime | None = Field(description="When its effects reached the read model.")


@router.post("/events", status_code=202, response_model=EventAck)
async def post_event(
    body: EventIn,
    request: Request,
    principal: Annotated[Principal, Depends(require_principal)],
) -> EventAck:
    """Record one event (idempotent by `event_id`): 202 with `accepted` or `duplicate`.

    202 means the event is stored and its episode holds it; the episode applies it within
    moments, and `GET /api/events/{event_id}` says `applied` once its effects can be read."""
    intake: EventIntake = request.app.state.intake
    return await intake.submit(principal, body)


@router.get("/events/{event_id}", response_model=EventStatus)
async def get_event(
    event_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(require_principal)],
) -> EventStatus:
    """Where an event stands; 404 for unknown events and for episodes you may not see."""
    intake: EventIntake = request.app.state.intake
    row = await intake.status(principal, event_id)
    return EventStatus(
        event_id=row["event_id"],
        type=row["event_type"],
        episode_id=row["episode_id"],
        status=row["status"],
        received_at=row["received_at"],
        applied_at=row["applied_at"],
    )
