"""POST /api/events: one fact about an episode; GET /api/events/{id}: where it stands."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.auth import Caller
from api.dependencies import Intake
from api.event_input import EventAck, EventIn

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
async def post_event(body: EventIn, intake: Intake, principal: Caller) -> EventAck:
    """Record one event (idempotent by `event_id`): 202 with `accepted` or `duplicate`.

    202 means the event is stored and its episode holds it; the episode applies it within
    moments, and `GET /api/events/{event_id}` says `applied` once its effects can be read."""
    return await intake.submit(principal, body)


@router.get("/events/{event_id}", response_model=EventStatus)
async def get_event(event_id: str, intake: Intake, principal: Caller) -> EventStatus:
    """Where an event stands; 404 for unknown events and for episodes you may not see."""
    row = await intake.status(principal, event_id)
    return EventStatus.model_validate(
        {**row.model_dump(exclude={"event_type"}), "type": row.event_type}
    )
