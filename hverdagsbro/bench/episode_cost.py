"""Measurements 4 and 5: history and payload cost of whole episodes, on the time-skipping server."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import asyncpg
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from hverdagsbro.bench.roster import BenchRoster, bench_referral
from schemas.episode import EpisodeOutcome, EpisodeView, Phase
from schemas.events import (
    Discharged,
    DischargePlanned,
    DischargePlannedPayload,
    EpisodeEvent,
)
from schemas.people import Actor, Role
from schemas.tasks import (
    DecisionAction,
    JobStatus,
    NetworkMeetingBooked,
    OutcomeAnswers,
    ReviewDecision,
    Task,
    TaskDecision,
    TaskKind,
    TaskResult,
)
from workers.starter import start_episode
from workflows.episode import EpisodeWorkflow

TWELVE_WEEK_PROGRAMME = "recovery-college"
OPEN_ENDED_PROGRAMME = "municipal-peer-support"
HISTORY_TARGET = 1000
OUTCOME = OutcomeAnswers(
    hope_score_start=3,
    hope_score_end=7,
    network_size_start=1,
    network_size_end=4,
    job_or_education=JobStatus.IN_PROCESS,
)


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


def _planned_more_than(planned: int) -> Callable[[EpisodeView], bool]:
    """After a review says go on, the next period's follow-ups are planned (in a new run)."""
    return lambda view: view.follow_ups_planned > planned


class Drive:
    """One episode driven the way people would: offers accepted, tasks done as they fall due."""

    def __init__(self, env: WorkflowEnvironment, roster: BenchRoster, episode_id: str) -> None:
        self.env = env
        self.roster = roster
        self.handle = env.client.get_workflow_handle_for(EpisodeWorkflow.run, episode_id)

    async def view(self) -> EpisodeView:
        return await self.handle.query(EpisodeWorkflow.view)

    async def until(self, check: Callable[[EpisodeView], bool], limit_s: float = 30) -> EpisodeView:
        deadline = time.monotonic() + limit_s
        while True:
            view = await self.view()
            if check(view):
                return view
            if time.monotonic() > deadline:
                raise RuntimeError(f"episode stuck in {view.phase.value}")
            await asyncio.sleep(0.05)

    async def task(self, kind: TaskKind) -> Task:
        view = await self.until(lambda v: any(t.kind == kind for t in v.open_tasks))
        return next(t for t in view.open_tasks if t.kind == kind)

    def actor(self, task: Task) -> Actor:
        role = task.assignee.role
        if role == Role.WARD:
            return Actor(role=role, id=self.roster.ward_nurse)
        if role == Role.COORDINATOR:
            return Actor(role=role, id=self.roster.coordinator)
        if role == Role.CASEWORKER:
            return Actor(role=role, id=self.roster.caseworkers[task.assignee.service or ""])
        return Actor(role=role, id=task.assignee.id)

    async def decide(
        self,
        kind: TaskKind,
        action: DecisionAction = DecisionAction.COMPLETE,
        result: TaskResult | None = None,
    ) -> None:
        task = await self.task(kind)
        decision = TaskDecision(
            task_id=task.task_id, action=action, actor=self.actor(task), result=result
        )
        await self.handle.execute_update(EpisodeWorkflow.decide_task, decision)

    async def send(self, event: EpisodeEvent) -> None:
        await self.handle.signal(EpisodeWorkflow.record_event, event)

    async def discharge(self) -> None:
        at = await self.env.get_current_time()
        ward = Actor(role=Role.WARD, id=self.roster.ward_nurse)
        planned = DischargePlannedPayload(planned_for=date.fromtimestamp(at.timestamp()))
        await self.send(
            DischargePlanned(
                event_id=f"plan-{secrets.token_hex(8)}", occurred_at=at, actor=ward, payload=planned
            )
        )
        await self.send(
            Discharged(event_id=f"dis-{secrets.token_hex(8)}", occurred_at=at, actor=ward)
        )
        await self.until(lambda v: v.phase == Phase.DISCHARGED)

    async def follow_up_to_the_end(self) -> None:
        await self.env.sleep(timedelta(hours=1))
        while True:
            view = await self.view()
            if view.phase in (Phase.CLOSING, Phase.CLOSED):
                return
            for task in view.open_tasks:
                if task.kind == TaskKind.FOLLOW_UP:
                    await self.decide(TaskKind.FOLLOW_UP)
                if task.kind == TaskKind.PROGRAMME_REVIEW:
                    return
            await self.env.sleep(timedelta(days=7))

    async def full_episode(self, reviews_continuing: int) -> EpisodeOutcome:
        """Referral to closed; open-ended programmes go on `reviews_continuing` times."""
        await self.decide(TaskKind.PEER_OFFER, DecisionAction.ACCEPT)
        await self.until(lambda v: v.phase == Phase.PRE_DISCHARGE)
        await self.decide(TaskKind.DISCHARGE_AGREEMENT)
        await self.decide(TaskKind.COORDINATION_PLAN)
        meeting = (await self.env.get_current_time()).date() + timedelta(days=3)
        await self.decide(TaskKind.NETWORK_MEETING, result=NetworkMeetingBooked(meeting_on=meeting))
        await self.discharge()
        await self.decide(TaskKind.FIRST_CONTACT)
        await self.until(lambda v: v.phase == Phase.FOLLOW_UP)
        for review in range(reviews_continuing + 1):
            await self.follow_up_to_the_end()
            view = await self.view()
            if view.phase == Phase.FOLLOW_UP:
                go_on = ReviewDecision(continue_episode=review < reviews_continuing)
                await self.decide(TaskKind.PROGRAMME_REVIEW, result=go_on)
                if go_on.continue_episode:
                    await self.until(_planned_more_than(view.follow_ups_planned))
        await self.until(lambda v: v.phase == Phase.CLOSING)
        await self.decide(TaskKind.OUTCOME_QUESTIONNAIRE, result=OUTCOME)
        await self.decide(TaskKind.DEBRIEF)
        return await self.handle.result()


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
    pool: asyncpg.Pool,
    roster: BenchRoster,
    task_queue: str,
    programme: str,
    reviews_continuing: int = 0,
) -> dict[str, Any]:
    """Drive one full episode of `programme`; its cost per run and in total, and wall time."""
    began = time.monotonic()
    episode_id = await start_episode(
        env.client, pool, bench_referral(roster, programme), task_queue=task_queue
    )
    drive = Drive(env, roster, episode_id)
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
