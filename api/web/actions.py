"""What a page form does: report an event or decide a task through the API's own code."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.errors import ApiError, invalid
from api.event_input import EventAck, EventIn
from api.intake import EventIntake
from api.principal import Principal
from api.task_decisions import DecisionIn, TaskDecisions
from api.web.guard import field, home_of
from db.pool import DatabasePool
from schemas.tasks import DecisionAction

Page = Callable[..., Awaitable[Response]]


def new_event_id(kind: str) -> str:
    """Rendered into each form, so a double submit is a duplicate, not a second fact."""
    return f"web-{kind}-{uuid.uuid4().hex}"


async def report(
    intake: EventIntake,
    principal: Principal,
    form: FormData,
    type_: str,
    payload: dict[str, Any],
    episode_id: str | None = None,
    occurred_at: datetime | None = None,
) -> EventAck:
    """The event goes through the same intake as POST /api/events; it happened at
    `occurred_at` (now when not given)."""
    try:
        body = EventIn(
            event_id=field(form, "event_id"),
            type=type_,
            occurred_at=occurred_at or datetime.now(UTC),
            episode_id=episode_id,
            payload=payload,
        )
    except ValidationError as err:
        raise invalid(err) from None
    return await intake.submit(principal, body, wait=True)


async def decide(
    decisions: TaskDecisions,
    principal: Principal,
    task_id: str,
    action: DecisionAction,
    note: str,
    result: dict[str, Any] | None,
) -> None:
    """The decision goes through the same code as POST /api/tasks/{id}/{action}."""
    try:
        body = DecisionIn(note=note, result=result)
    except ValidationError as err:
        raise invalid(err) from None
    await decisions.decide(principal, task_id, action, body)


def done(principal: Principal, notice: str, anchor: str = "") -> Response:
    """After a change: back to the role's page (a reload does not send the form again)."""
    suffix = f"#{anchor}" if anchor else ""
    return RedirectResponse(f"{home_of(principal)}?notice={notice}{suffix}", status_code=303)


async def act(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    action: Awaitable[str],
    page: Page,
) -> Response:
    """Run a form's action. A refusal the user can fix (409, 422, 503) shows the page again
    with the reason; 401/403/404 go to the friendly pages."""
    try:
        notice = await action
    except ApiError as err:
        if err.status in (401, 403, 404):
            raise
        return await page(request, principal, pool, problem=err, status=err.status)
    return done(principal, notice)


def ack_notice(ack: EventAck, notice: str) -> str:
    return "duplicate" if ack.outcome == "duplicate" else notice
