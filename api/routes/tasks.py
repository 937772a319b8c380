"""The caller's task inbox and decisions on tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.auth import require_principal
from api.errors import ApiError
from api.principal import Principal
from api.task_decisions import DecisionIn, TaskDecisions
from db.episode_queries import OPEN_TASKS_BY_ROLE
from schemas.base import Frozen
from schemas.tasks import DecisionAction, TaskDecisionResult

router = APIRouter(prefix="/api", tags=["tasks"])


class TaskOut(Frozen):
    task_id: str
    episode_id: str
    kind: str
    status: str
    number: int
    created_at: datetime
    due_at: datetime | None
    overdue: bool


def inbox_key(principal: Principal) -> tuple[str, list[str | None]] | None:
    """The query and its parameters for the caller's inbox, or None for roles without one."""
    match principal.role.value:
        case "peer":
            return OPEN_TASKS_BY_ROLE["peer"], [principal.id]
        case "ward":
            return OPEN_TASKS_BY_ROLE["ward"], [principal.ward_id]
        case "coordinator":
            return OPEN_TASKS_BY_ROLE["coordinator"], [principal.organisation_id]
        case "caseworker":
            return OPEN_TASKS_BY_ROLE["caseworker"], [
                principal.municipality_code,
                principal.service,
            ]
    return None


async def open_tasks(request: Request, principal: Principal) -> list[TaskOut]:
    key = inbox_key(principal)
    if key is None:
        return []
    query, params = key
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(query, *params)
    return [
        TaskOut(
            task_id=r["task_id"],
            episode_id=r["episode_id"],
            kind=r["kind"],
            status=r["status"],
            number=r["number"],
            created_at=r["created_at"],
            due_at=r["due_at"],
            overdue=r["overdue"],
        )
        for r in rows
    ]


@router.get("/tasks", response_model=list[TaskOut])
async def list_tasks(
    request: Request, principal: Annotated[Principal, Depends(require_principal)]
) -> list[TaskOut]:
    """The caller's open tasks, the soonest due first."""
    return await open_tasks(request, principal)


@router.post("/tasks/{task_id}/{action}", response_model=TaskDecisionResult)
async def decide(
    task_id: str,
    action: str,
    request: Request,
    principal: Annotated[Principal, Depends(require_principal)],
    body: DecisionIn | None = None,
) -> TaskDecisionResult:
    """Accept or decline an offer, or complete a task (with a note and, where needed, a
    result). A refused decision answers 409/422 with the reason."""
    try:
        chosen = DecisionAction(action)
    except ValueError:
        raise ApiError(404, "action: use accept, decline or complete") from None
    decisions: TaskDecisions = request.app.state.decisions
    return await decisions.decide(principal, task_id, chosen, body or DecisionIn())
