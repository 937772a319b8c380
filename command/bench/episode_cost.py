"""Measurements 4 and 5: history and payload cost of whole episodes, on the time-skipping server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from command.synthetic.driver import EpisodeDriver
from command.synthetic.referral import referral
from command.synthetic.roster import Roster
from db.pool import DatabasePool
from workers.starter import start_episode

TWELVE_WEEK_PROGRAMME = "recovery-college"
OPEN_ENDED_PROGRAMME = "municipal-peer-support"
HISTORY_TARGET = 1000


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere inside a protobuf message (history events nest them deeply)."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            if entry.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                for item in value.values():
                    yield from payloads_in(item)
        elif field.is_repeated:
            for item in value:
                yield from payloads_in(item)
        else:
            yield from payloads_in(value)


def history_cost(history: WorkflowHistory) -> dict[str, int]:
    """Events, bytes and payload bytes (encoded: encrypted, as the server stores them)."""
    sizes = [p.ByteSize() for event in history.events for p in payloads_in(event)]
    return {
        "history_events": len(history.events),
        "history_bytes": sum(e.ByteSize() for e in history.events),
        "payloads": len(sizes),
        "payload_bytes": sum(sizes),
        "largest_payload_bytes": max(sizes, default=0),
    }


async def run_histories(
    client: Client, episode_id: str, first_run_id: str
) -> list[WorkflowHistory]:
    """The history of every run of the episode, following continue-as-new."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = first_run_id
    while run_id:
        history = await client.get_workflow_handle(episode_id, run_id=run_id).fetch_history()
        histories.append(history)
        last = history.events[-1]
        run_id = None
        if last.HasField("workflow_execution_continued_as_new_event_attributes"):
            run_id = last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
    return histories


async def episode_cost(
    env: WorkflowEnvironment,
    pool: DatabasePool,
    roster: Roster,
    task_queue: str,
    programme: str,
    reviews_continuing: int = 0,
) -> dict[str, Any]:
    """Drive one full episode of `programme`; its cost per run and in total, and wall time."""
    began = time.monotonic()
    episode_id = await start_episode(
        env.client, pool, referral(roster, programme=programme), task_queue=task_queue
    )
    drive = EpisodeDriver.of(env, roster, episode_id, patience=30)
    first_run = (await drive.handle.describe()).run_id
    outcome = await drive.full_episode(reviews_continuing)
    wall = time.monotonic() - began
    histories = await run_histories(env.client, episode_id, first_run)
    per_run = [history_cost(h) for h in histories]
    largest_run = max(r["history_events"] for r in per_run)
    return {
        "programme": programme,
        "final_phase": outcome.final_phase.value,
        "follow_ups": outcome.follow_ups_done,
        "runs": len(per_run),
        "history_events": sum(r["history_events"] for r in per_run),
        "largest_run_events": largest_run,
        "history_bytes": sum(r["history_bytes"] for r in per_run),
        "payload_bytes": sum(r["payload_bytes"] for r in per_run),
        "largest_payload_bytes": max(r["largest_payload_bytes"] for r in per_run),
        "events_per_run": [r["history_events"] for r in per_run],
        "wall_seconds": round(wall, 1),
    }
