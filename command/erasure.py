"""Erase a citizen: stop their episodes, destroy their payload keys, remove personal data."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from db.erasure import episodes_of, erase
from db.pool import DatabasePool
from schemas.base import Frozen


class ErasureReport(Frozen):
    citizen_id: str
    episodes: tuple[str, ...]
    workflows_terminated: int


async def erase_citizen(
    pool: DatabasePool, client: Client, citizen_id: str, *, actor_id: str
) -> ErasureReport:
    """Running episodes are terminated first (their histories could not replay once the key
    is gone), then the database part runs in one transaction."""
    async with pool.acquire() as conn:
        episode_ids = await episodes_of(conn, citizen_id)
    terminated = 0
    for episode_id in episode_ids:
        try:
            await client.get_workflow_handle(episode_id).terminate(reason="data-subject erasure")
            terminated += 1
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
    async with pool.acquire() as conn:
        await erase(
            conn,
            citizen_id=citizen_id,
            episode_ids=episode_ids,
            actor_role="operator",
            actor_id=actor_id,
        )
    return ErasureReport(
        citizen_id=citizen_id, episodes=tuple(episode_ids), workflows_terminated=terminated
    )
