"""A coordinator hands an episode to another peer (illness, mismatch): checked against row
scoping, then sent as the episode's `hand_over` update, which moves the capacity atomically."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError, invalid
from api.principal import Principal
from api.scoping import may_see_episode
from db import episode_queries
from db.pool import DatabasePool
from schemas.people import OPAQUE_ID, Role
from schemas.tasks import HandOver, HandOverResult
from workers.starter import episode_handle
from workflows.episode import EpisodeWorkflow


class HandOverIn(BaseModel):
    """The body of POST /api/episodes/{id}/hand-over."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    peer_id: str = Field(pattern=OPAQUE_ID, description="The peer who takes the episode over.")
    reason: str = Field(min_length=3, max_length=500, description="Why (illness, mismatch...).")


async def hand_over(
    pool: DatabasePool, client: Client, principal: Principal, episode_id: str, body: HandOverIn
) -> HandOverResult:
    if principal.role != Role.COORDINATOR:
        raise ApiError(403, "only a coordinator may hand an episode to another peer")
    async with pool.acquire() as conn:
        episode = await episode_queries.episode(conn, episode_id)
    own = episode is not None and episode.organisation_id == principal.organisation_id
    if episode is None or not own or not may_see_episode(principal, episode):
        raise ApiError(404, "episode_id: no such episode for you")
    try:
        request = HandOver(peer_id=body.peer_id, reason=body.reason, actor=principal.actor())
    except ValidationError as err:
        raise invalid(err) from None
    handle = episode_handle(client, episode_id)
    try:
        result: HandOverResult = await handle.execute_update(EpisodeWorkflow.hand_over, request)
    except WorkflowUpdateFailedError as err:
        reason = err.cause.message if isinstance(err.cause, ApplicationError) else str(err)
        status = 422 if reason.startswith("peer_id") else 409
        raise ApiError(status, reason) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(409, "episode_id: the episode has ended") from None
        raise ApiError(503, "the workflow service is unavailable; try again shortly") from None
    return result
