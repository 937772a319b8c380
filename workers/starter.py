"""Starting an episode from a referral: the one place that turns a referral into a workflow."""

from __future__ import annotations

import hashlib

from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)
from temporalio.exceptions import ApplicationError

from db.pool import DatabasePool
from db.programmes import load_programme
from hverdagsbro.search_attributes import BRIDGE_PHASE, MUNICIPALITY, PROGRAMME
from schemas.episode import EpisodeOutcome, EpisodeStart, Phase
from schemas.events import ReferralCreated
from workflows.episode import EpisodeWorkflow


def episode_handle(
    client: Client, episode_id: str
) -> WorkflowHandle[EpisodeWorkflow, EpisodeOutcome]:
    """The running episode's handle, typed for its signals, queries and updates.

    Not `client.get_workflow_handle_for(EpisodeWorkflow.run, ...)`: mypy 2.4 fails to infer
    that call's protocol type once a workflow with a parameterless `run` is checked beside it
    (it reports the method as incompatible with `MethodAsyncSingleParam[Never, ...]`)."""
    handle: WorkflowHandle[EpisodeWorkflow, EpisodeOutcome] = client.get_workflow_handle(
        episode_id, result_type=EpisodeOutcome
    )
    return handle


def episode_id_for(referral_event_id: str) -> str:
    """The episode id a referral event leads to: opaque, and the same on every retry."""
    digest = hashlib.sha256(referral_event_id.encode("utf-8")).hexdigest()[:24]
    return f"episode-{digest}"


async def episode_start(pool: DatabasePool, event: ReferralCreated) -> EpisodeStart:
    """The workflow input for a referral; the programme is looked up in the catalogue."""
    async with pool.acquire() as conn:
        programme = await load_programme(conn, event.payload.programme)
    if programme is None:
        raise ApplicationError(
            f"programme: no active programme with code {event.payload.programme!r}",
            type="UnknownProgramme",
            non_retryable=True,
        )
    return EpisodeStart(
        episode_id=episode_id_for(event.event_id),
        programme=programme,
        referral=event.payload,
        referral_event_id=event.event_id,
        referred_at=event.occurred_at,
        referred_by=event.actor,
    )


async def start_episode(
    client: Client,
    pool: DatabasePool,
    event: ReferralCreated,
    *,
    task_queue: str,
) -> str:
    """Start (or find, when the referral was sent before) the episode; returns its id."""
    start = await episode_start(pool, event)
    handle: WorkflowHandle[EpisodeWorkflow, EpisodeOutcome] = await client.start_workflow(
        EpisodeWorkflow.run,
        start,
        id=start.episode_id,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(BRIDGE_PHASE, Phase.REFERRED.value),
                SearchAttributePair(PROGRAMME, start.programme.code),
                SearchAttributePair(MUNICIPALITY, start.referral.municipality_code),
            ]
        ),
        static_summary=f"Episode · {start.programme.name}",
        static_details=(
            f"**Episode:** {start.episode_id}  \n**Programme:** {start.programme.code}  \n"
            f"**Municipality:** {start.referral.municipality_code}"
        ),
    )
    return handle.id
