"""Erase a citizen: stop and delete their episodes, destroy their payload keys, remove personal
data, and keep a ledger (ids only) that re-applies every erasure after a backup is restored."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable
from pathlib import Path

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from db.erasure import Erasure, episodes_of, erase, erasures
from db.medcom_outbox import message_ids_of
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from schemas.base import Frozen
from schemas.care_communication import delivery_workflow_id

LEDGER_FILE = "erasure-ledger.jsonl"
REAPPLIED = "re-applied after a restore"


class ErasureReport(Frozen):
    citizen_id: str
    episodes: tuple[str, ...]
    workflows_terminated: int
    workflows_deleted: int
    # The workflows that delivered the episodes' MedCom messages (ids only in their history,
    # encrypted with the episode's key), deleted with the episodes.
    deliveries_deleted: int = 0


class ReapplyReport(Frozen):
    citizens: int
    episodes: int
    workflows_deleted: int


def ledger_path(settings: Settings) -> Path:
    """The ledger file: outside the database, so a restored backup cannot take it back."""
    return settings.erasure_ledger or settings.data_dir / LEDGER_FILE


async def erase_citizen(
    pool: DatabasePool,
    client: Client,
    citizen_id: str,
    *,
    actor_id: str,
    ledger: Path,
    extra_episodes: tuple[str, ...] = (),
    reason: str = "data-subject request",
) -> ErasureReport:
    """Running episodes are terminated first (nothing new is written for them), then the
    database part runs in one transaction, the ledger line is written, and last the
    executions are deleted from Temporal (history, search attributes, memo). Every step can
    run again: a failure part-way is finished by running the command again."""
    async with pool.acquire() as conn:
        episode_ids = sorted(set(await episodes_of(conn, citizen_id)) | set(extra_episodes))
        deliveries = [
            delivery_workflow_id(m) for m in await message_ids_of(conn, list(episode_ids))
        ]
    terminated = 0
    for episode_id in episode_ids:
        handle = client.get_workflow_handle(episode_id)
        if await _unless_gone(handle.terminate(reason="data-subject erasure")):
            terminated += 1
    for delivery in deliveries:
        await _unless_gone(
            client.get_workflow_handle(delivery).terminate(reason="data-subject erasure")
        )
    async with pool.acquire() as conn:
        erased = await erase(
            conn,
            citizen_id=citizen_id,
            episode_ids=episode_ids,
            actor_role="operator",
            actor_id=actor_id,
            reason=reason,
        )
    append_to_ledger(ledger, erased)
    deleted = 0
    for episode_id in episode_ids:
        if await delete_execution(client, episode_id):
            deleted += 1
    deliveries_deleted = 0
    for delivery in deliveries:
        if await delete_execution(client, delivery):
            deliveries_deleted += 1
    return ErasureReport(
        citizen_id=citizen_id,
        episodes=tuple(episode_ids),
        workflows_terminated=terminated,
        workflows_deleted=deleted,
        deliveries_deleted=deliveries_deleted,
    )


async def reapply(
    pool: DatabasePool, client: Client, *, actor_id: str, ledger: Path
) -> ReapplyReport:
    """After a restore: erase again everyone the ledger file or the database's ledger names
    (a backup older than an erasure brought their data and keys back)."""
    async with pool.acquire() as conn:
        known = await erasures(conn)
    wanted: dict[str, set[str]] = {}
    for entry in [*read_ledger(ledger), *known]:
        wanted.setdefault(entry.citizen_id, set()).update(entry.episode_ids)
    episodes = 0
    deleted = 0
    for citizen_id, episode_ids in sorted(wanted.items()):
        report = await erase_citizen(
            pool,
            client,
            citizen_id,
            actor_id=actor_id,
            ledger=ledger,
            extra_episodes=tuple(sorted(episode_ids)),
            reason=REAPPLIED,
        )
        episodes += len(report.episodes)
        deleted += report.workflows_deleted
    return ReapplyReport(citizens=len(wanted), episodes=episodes, workflows_deleted=deleted)


def append_to_ledger(ledger: Path, erased: Erasure) -> None:
    """One JSON line per erasure, flushed to disk before the command reports success."""
    ledger.parent.mkdir(parents=True, exist_ok=True)
    with ledger.open("a", encoding="utf-8") as out:
        out.write(json.dumps(erased.model_dump(mode="json")) + "\n")
        out.flush()
        os.fsync(out.fileno())


def read_ledger(ledger: Path) -> list[Erasure]:
    """Every line of the ledger file (none when there is no file yet)."""
    if not ledger.exists():
        return []
    lines = ledger.read_text(encoding="utf-8").splitlines()
    return [Erasure.model_validate_json(line) for line in lines if line.strip()]


async def delete_execution(client: Client, workflow_id: str) -> bool:
    """Delete the workflow's execution; False when Temporal no longer has it."""
    request = DeleteWorkflowExecutionRequest(
        namespace=client.namespace,
        workflow_execution=WorkflowExecution(workflow_id=workflow_id),
    )
    return await _unless_gone(client.workflow_service.delete_workflow_execution(request))


async def _unless_gone(call: Awaitable[object]) -> bool:
    """Await the Temporal call; False when the execution is not (or no longer) there."""
    try:
        await call
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return True
