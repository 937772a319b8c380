"""Drives one episode in a test the way people would: events in, decisions on tasks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from schemas.consent import ConsentGrant, ConsentMethod, ConsentScope
from schemas.episode import EpisodeOutcome, EpisodeView, Phase
from schemas.events import (
    Discharged,
    DischargePlanned,
    DischargePlannedPayload,
    EpisodeEvent,
    Goal,
    GoalArea,
    Referral,
    ReferralCreated,
)
from schemas.people import Actor, Role
from schemas.tasks import (
    DecisionAction,
    JobStatus,
    NetworkMeetingBooked,
    OutcomeAnswers,
    Task,
    TaskDecision,
    TaskDecisionResult,
    TaskKind,
    TaskResult,
)
from tests.roster import Roster
from workers.starter import start_episode
from workflows.episode import EpisodeWorkflow

PEER_SUPPORT_AND_MUNICIPALITY = (
    ConsentScope.PEER_SUPPORT,
    ConsentScope.SHARE_WITH_MUNICIPALITY,
)


def referral(
    roster: Roster,
    *,
    programme: str = "peer-guide-sind",
    risk_elevated: bool = False,
    consents: tuple[ConsentScope, ...] = PEER_SUPPORT_AND_MUNICIPALITY,
    goals: tuple[Goal, ...] = (Goal(area=GoalArea.NETWORK, text="Meet people again"),),
    at: datetime | None = None,
) -> ReferralCreated:
    now = at or datetime.now(UTC)
    nurse = Actor(role=Role.WARD, id=roster.ward_nurse)
    return ReferralCreated(
        event_id=f"ref-{uuid.uuid4().hex}",
        occurred_at=now,
        actor=nurse,
        payload=Referral(
            programme=programme,
            citizen_id=uuid.uuid4().hex,
            municipality_code=roster.municipality_code,
            ward_id=roster.ward_id,
            organisation_id=roster.organisation_id,
            risk_elevated=risk_elevated,
            goals=goals,
            consents=tuple(
                ConsentGrant(
                    scope=s, recorded_by=nurse, recorded_at=now, method=ConsentMethod.WRITTEN
                )
                for s in consents
            ),
            admitted_at=now - timedelta(days=3),
        ),
    )


OUTCOME = OutcomeAnswers(
    hope_score_start=3,
    hope_score_end=7,
    network_size_start=1,
    network_size_end=4,
    job_or_education=JobStatus.IN_PROCESS,
)


@dataclass
class Episode:
    env: WorkflowEnvironment
    handle: WorkflowHandle[EpisodeWorkflow, EpisodeOutcome]
    roster: Roster
    pool: asyncpg.Pool

    @property
    def id(self) -> str:
        return self.handle.id

    @property
    def client(self) -> Client:
        return self.env.client

    async def view(self) -> EpisodeView:
        return await self.handle.query(EpisodeWorkflow.view)

    async def until(self, check: Callable[[EpisodeView], bool], timeout: float = 15) -> EpisodeView:
        """Poll the workflow's state (real time, no skipping) until the check holds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            view = await self.view()
            if check(view):
                return view
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"episode never got there; phase={view.phase}, "
                    f"open tasks={[t.kind.value for t in view.open_tasks]}"
                )
            await asyncio.sleep(0.05)

    async def task(self, kind: TaskKind, timeout: float = 15) -> Task:
        view = await self.until(lambda v: any(t.kind == kind for t in v.open_tasks), timeout)
        return next(t for t in view.open_tasks if t.kind == kind)

    async def phase(self, phase: Phase) -> EpisodeView:
        return await self.until(lambda v: v.phase == phase)

    async def decide(
        self,
        kind: TaskKind,
        action: DecisionAction = DecisionAction.COMPLETE,
        actor: Actor | None = None,
        result: TaskResult | None = None,
        note: str = "",
    ) -> TaskDecisionResult:
        task = await self.task(kind)
        who = actor or self._assignee_actor(task)
        return await self.handle.execute_update(
            EpisodeWorkflow.decide_task,
            TaskDecision(task_id=task.task_id, action=action, actor=who, result=result, note=note),
        )

    def _assignee_actor(self, task: Task) -> Actor:
        role = task.assignee.role
        if role == Role.WARD:
            return Actor(role=role, id=self.roster.ward_nurse)
        if role == Role.COORDINATOR:
            return Actor(role=role, id=self.roster.coordinator)
        if role == Role.CASEWORKER:
            return Actor(role=role, id=self.roster.caseworkers[task.assignee.service or ""])
        return Actor(role=role, id=task.assignee.id)

    async def send(self, event: EpisodeEvent) -> None:
        await self.handle.signal(EpisodeWorkflow.record_event, event)

    def ward(self) -> Actor:
        return Actor(role=Role.WARD, id=self.roster.ward_nurse)

    async def accept_offer(self) -> str:
        task = await self.task(TaskKind.PEER_OFFER)
        await self.decide(TaskKind.PEER_OFFER, DecisionAction.ACCEPT)
        return task.assignee.id

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def discharge(self) -> None:
        at = await self.now()
        await self.send(
            DischargePlanned(
                event_id=f"plan-{uuid.uuid4().hex}",
                occurred_at=at,
                actor=self.ward(),
                payload=DischargePlannedPayload(planned_for=date.fromtimestamp(at.timestamp())),
            )
        )
        await self.send(
            Discharged(event_id=f"dis-{uuid.uuid4().hex}", occurred_at=at, actor=self.ward())
        )
        await self.phase(Phase.DISCHARGED)

    async def prepare(self) -> None:
        """The ward does its pre-discharge tasks (agreement, plan, network meeting)."""
        await self.decide(TaskKind.DISCHARGE_AGREEMENT)
        await self.decide(TaskKind.COORDINATION_PLAN)
        await self.decide(
            TaskKind.NETWORK_MEETING,
            result=NetworkMeetingBooked(meeting_on=(await self.now()).date() + timedelta(days=3)),
        )

    async def follow_up_to_the_end(self) -> None:
        """Do every follow-up as it falls due, until the episode reaches closing."""
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

    async def close_out(self) -> EpisodeOutcome:
        await self.phase(Phase.CLOSING)
        await self.decide(TaskKind.OUTCOME_QUESTIONNAIRE, result=OUTCOME)
        await self.decide(TaskKind.DEBRIEF, note="Went well")
        return await self.handle.result()


async def start(
    env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    roster: Roster,
    task_queue: str,
    event: ReferralCreated,
) -> Episode:
    episode_id = await start_episode(env.client, pool, event, task_queue=task_queue)
    handle = env.client.get_workflow_handle_for(EpisodeWorkflow.run, episode_id)
    return Episode(env=env, handle=handle, roster=roster, pool=pool)
