"""Task decisions from people: checked against row scoping, then sent as workflow updates."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError, invalid
from api.meeting_dates import check_meeting_date, date_today
from api.principal import Principal
from api.scoping import may_act_on_task
from db import episode_queries
from db.pool import DatabasePool
from schemas.tasks import (
    DecisionAction,
    NetworkMeetingBooked,
    TaskDecision,
    TaskDecisionResult,
    TaskResult,
)
from workers.starter import episode_handle
from workflows.episode import EpisodeWorkflow


class DecisionIn(BaseModel):
    """The body of POST /api/tasks/{id}/{action}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str = Field(default="", max_length=2000)
    result: dict[str, Any] | None = None


class TaskDecisions:
    def __init__(self, pool: DatabasePool, client: Client) -> None:
        self.pool = pool
        self.client = client

    async def decide(
        self, principal: Principal, task_id: str, action: DecisionAction, body: DecisionIn
    ) -> TaskDecisionResult:
        async with self.pool.acquire() as conn:
            task = await episode_queries.task(conn, task_id)
            episode = await episode_queries.episode(conn, task.episode_id) if task else None
        if task is None or episode is None or not may_act_on_task(principal, task, episode):
            raise ApiError(404, "task_id: no such task for you")
        try:
            decision = TaskDecision(
                task_id=task_id,
                action=action,
                actor=principal.actor(),
                note=body.note,
                result=_result(body.result),
            )
        except ValidationError as err:
            raise invalid(err) from None
        if isinstance(decision.result, NetworkMeetingBooked):
            check_meeting_date(decision.result.meeting_on, task.due_at, date_today())
        handle = episode_handle(self.client, task.episode_id)
        try:
            result: TaskDecisionResult = await handle.execute_update(
                EpisodeWorkflow.decide_task, decision
            )
        except WorkflowUpdateFailedError as err:
            reason = err.cause.message if isinstance(err.cause, ApplicationError) else str(err)
            status = 422 if reason.startswith(("result", "action")) else 409
            raise ApiError(status, reason) from None
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise ApiError(409, "task_id: the episode has ended") from None
            raise ApiError(503, "the workflow service is unavailable; try again shortly") from None
        return result


_RESULT: TypeAdapter[TaskResult] = TypeAdapter(TaskResult)


def _result(raw: dict[str, Any] | None) -> TaskResult | None:
    if raw is None:
        return None
    try:
        return _RESULT.validate_python(raw)
    except ValidationError as err:
        raise invalid(err, prefix="result") from None
