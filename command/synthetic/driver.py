"""Drives one episode the way people would: the ward's events, offers accepted, tasks done
as they fall due. Works on any Temporal server; on the time-skipping test server a whole
12-week episode passes in seconds."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from command.synthetic.roster import Roster
from db.pool import DatabasePool
from schemas.episode import EpisodeOutcome, EpisodeView, Phase
from schemas.events import (
    Discharged,
    DischargePlanned,
    DischargePlannedPayload,
    EpisodeEvent,
    ReferralCreated,
)
from schemas.goals import Goal, GoalArea, GoalProgress, GoalReview
from schemas.people import Actor, Role
from schemas.tasks import (
    DecisionAction,
    FirstContactMade,
    FollowUpReview,
    JobStatus,
    NetworkMeetingBooked,
    OutcomeAnswers,
    ReviewDecision,
    Task,
    TaskDecision,
    TaskDecisionResult,
    TaskKind,
    TaskResult,
)
from workers.starter import episode_handle, start_episode
from workflows.episode import EpisodeWorkflow

# Measured at the first contact; the questionnaire asks only how it is now.
FIRST_CONTACT = FirstContactMade(
    hope_score=3,
    network_size=1,
    goals=(Goal(area=GoalArea.JOB, text="Find work I can manage"),),
)
OUTCOME = OutcomeAnswers(
    hope_score_end=7,
    network_size_end=4,
    job_or_education=JobStatus.IN_PROCESS,
    closing_note="Went well",
)


def reviewed(view: EpisodeView) -> FollowUpReview:
    """A follow-up's review: some progress on every goal the citizen is working on."""
    return FollowUpReview(
        reviews=tuple(
            GoalReview(goal_id=g, progress=GoalProgress.SOME) for g in view.active_goal_ids
        )
    )


def _planned_more_than(planned: int) -> Callable[[EpisodeView], bool]:
    return lambda view: view.follow_ups_planned > planned


class EpisodeStuck(AssertionError):
    """The episode did not reach the state waited for in time."""


@dataclass
class EpisodeDriver:
    env: WorkflowEnvironment
    handle: WorkflowHandle[EpisodeWorkflow, EpisodeOutcome]
    roster: Roster
    # Seconds (real time) to wait for the episode to reach a state before giving up.
    patience: float = 15

    @classmethod
    def of(
        cls, env: WorkflowEnvironment, roster: Roster, episode_id: str, patience: float = 15
    ) -> EpisodeDriver:
        handle = episode_handle(env.client, episode_id)
        return cls(env, handle, roster, patience)

    @property
    def id(self) -> str:
        return self.handle.id

    @property
    def client(self) -> Client:
        return self.env.client

    async def view(self) -> EpisodeView:
        return await self.handle.query(EpisodeWorkflow.view)

    async def until(
        self, check: Callable[[EpisodeView], bool], patience: float | None = None
    ) -> EpisodeView:
        """Poll the workflow's state (real time, no skipping) until the check holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.patience if patience is None else patience)
        while True:
            view = await self.view()
            if check(view):
                return view
            if loop.time() > deadline:
                raise EpisodeStuck(
                    f"episode never got there; phase={view.phase.value}, "
                    f"open tasks={[t.kind.value for t in view.open_tasks]}"
                )
            await asyncio.sleep(0.05)

    async def task(self, kind: TaskKind, patience: float | None = None) -> Task:
        view = await self.until(lambda v: any(t.kind == kind for t in v.open_tasks), patience)
        return next(t for t in view.open_tasks if t.kind == kind)

    async def phase(self, phase: Phase) -> EpisodeView:
        return await self.until(lambda v: v.phase == phase)

    def actor_for(self, task: Task) -> Actor:
        """The person in the roster a task is for."""
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
        actor: Actor | None = None,
        result: TaskResult | None = None,
        note: str = "",
    ) -> TaskDecisionResult:
        """The open task of `kind`, decided by its assignee (or `actor`)."""
        task = await self.task(kind)
        who = actor or self.actor_for(task)
        return await self.handle.execute_update(
            EpisodeWorkflow.decide_task,
            TaskDecision(task_id=task.task_id, action=action, actor=who, result=result, note=note),
        )

    async def send(self, event: EpisodeEvent) -> None:
        await self.handle.signal(EpisodeWorkflow.record_event, event)

    def ward(self) -> Actor:
        return Actor(role=Role.WARD, id=self.roster.ward_nurse)

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def accept_offer(self) -> str:
        """The offered peer says yes; returns who it was."""
        task = await self.task(TaskKind.PEER_OFFER)
        await self.decide(TaskKind.PEER_OFFER, DecisionAction.ACCEPT)
        return task.assignee.id

    async def prepare(self) -> None:
        """The ward does its pre-discharge tasks (agreement, plan, network meeting)."""
        await self.decide(TaskKind.DISCHARGE_AGREEMENT)
        await self.decide(TaskKind.COORDINATION_PLAN)
        await self.decide(
            TaskKind.NETWORK_MEETING,
            result=NetworkMeetingBooked(meeting_on=(await self.now()).date() + timedelta(days=3)),
        )

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

    async def first_contact(self) -> None:
        """The peer meets the citizen: hope and network measured, a goal set together."""
        await self.decide(TaskKind.FIRST_CONTACT, result=FIRST_CONTACT)

    async def follow_up_to_the_end(self) -> None:
        """Do every follow-up as it falls due, until the episode reaches closing or asks
        for a programme review."""
        await self.env.sleep(timedelta(hours=1))
        while True:
            view = await self.view()
            if view.phase in (Phase.CLOSING, Phase.CLOSED):
                return
            for task in view.open_tasks:
                if task.kind == TaskKind.FOLLOW_UP:
                    await self.decide(TaskKind.FOLLOW_UP, result=reviewed(view))
                if task.kind == TaskKind.PROGRAMME_REVIEW:
                    return
            await self.env.sleep(timedelta(days=7))

    async def close_out(self) -> EpisodeOutcome:
        await self.phase(Phase.CLOSING)
        await self.decide(TaskKind.OUTCOME_QUESTIONNAIRE, result=OUTCOME)
        await self.decide(TaskKind.DEBRIEF, note="Went well")
        return await self.handle.result()

    async def full_episode(self, reviews_continuing: int = 0) -> EpisodeOutcome:
        """Referral to closed; an open-ended programme goes on `reviews_continuing` times."""
        await self.accept_offer()
        await self.phase(Phase.PRE_DISCHARGE)
        await self.prepare()
        await self.discharge()
        await self.first_contact()
        await self.phase(Phase.FOLLOW_UP)
        for review in range(reviews_continuing + 1):
            await self.follow_up_to_the_end()
            view = await self.view()
            if view.phase == Phase.FOLLOW_UP:
                go_on = ReviewDecision(continue_episode=review < reviews_continuing)
                await self.decide(TaskKind.PROGRAMME_REVIEW, result=go_on)
                if go_on.continue_episode:
                    # The next period's follow-ups are planned (in a new run).
                    await self.until(_planned_more_than(view.follow_ups_planned))
        return await self.close_out()


async def start(
    env: WorkflowEnvironment,
    pool: DatabasePool,
    roster: Roster,
    task_queue: str,
    event: ReferralCreated,
) -> EpisodeDriver:
    """Start the episode the referral asks for, as the API would, and drive it."""
    episode_id = await start_episode(env.client, pool, event, task_queue=task_queue)
    return EpisodeDriver.of(env, roster, episode_id)
