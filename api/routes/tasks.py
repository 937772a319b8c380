"""The caller's task inbox and decisions on tasks."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import Caller
from api.dependencies import Decisions, Pool
from api.errors import ApiError
from api.principal import Principal
from api.task_decisions import DecisionIn
from db import tasks as task_queries
from db.pool import DatabasePool
from db.tasks import OpenTask
from schemas.tasks import DecisionAction, TaskDecisionResult

router = APIRouter(prefix="/api", tags=["tasks"])


async def open_tasks(pool: DatabasePool, principal: Principal) -> list[OpenTask]:
    """The caller's open tasks; roles without an inbox have none."""
    async with pool.acquire() as conn:
        match principal.role.value:
            case "peer":
                return await task_queries.peer_tasks(conn, principal.id)
            case "ward":
                return await task_queries.ward_tasks(conn, principal.ward_id)
            case "coordinator":
                return await task_queries.coordinator_tasks(conn, principal.organisation_id)
            case "caseworker":
                return await task_queries.caseworker_tasks(
                    conn, principal.municipality_code, principal.service
                )
    return []


@router.get("/tasks", response_model=list[OpenTask])
async def list_tasks(pool: Pool, principal: Caller) -> list[OpenTask]:
    """The caller's open tasks, the soonest due first."""
    return await open_tasks(pool, principal)


@router.post("/tasks/{task_id}/{action}", response_model=TaskDecisionResult)
async def decide(
    task_id: str,
    action: str,
    decisions: Decisions,
    principal: Caller,
    body: DecisionIn | None = None,
) -> TaskDecisionResult:
    """Accept or decline an offer, or complete a task (with a note and, where needed, a
    result). A refused decision answers 409/422 with the reason."""
    try:
        chosen = DecisionAction(action)
    except ValueError:
        raise ApiError(404, "action: use accept, decline or complete") from None
    return await decisions.decide(principal, task_id, chosen, body or DecisionIn())
