"""Supervision groups on a time-skipping server of their own: sessions on schedule, the
supervisor's attendance, two misses in a row, attendance nobody recorded, deactivation, and
the extra supervision a peer is offered after a hard ending.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records the hard-ending runs for the replay tests."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.supervision import SupervisionActivities
from command.synthetic.driver import EpisodeDriver, start
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db import supervision as groups
from db.pool import DatabasePool
from schemas.events import ConcernFlagged, ConcernPayload, Deceased
from schemas.people import Actor, Role
from schemas.roster import SupervisionSchedule
from schemas.supervision import (
    AttendanceCheck,
    GroupStart,
    GroupView,
    PlannedSession,
    SessionKind,
    extra_slot,
    first_slot,
    following_slot,
    group_workflow_id,
)
from schemas.tasks import TaskKind
from tests.activities.builders import Roster
from tests.test_keys import TEST_CONVERTER
from workers.supervision_starter import ensure_group_workflow
from workflows.supervision_group import SupervisionGroupWorkflow

HISTORIES = Path(__file__).parent / "histories"
GROUP_HISTORIES = HISTORIES / "supervision_group"
REPLAYER = Replayer(workflows=[SupervisionGroupWorkflow], data_converter=TEST_CONVERTER)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Tuesdays at 14:00, every other week, 90 minutes.
FORTNIGHTLY = SupervisionSchedule(weekday=2, time=time(14, 0), every_weeks=2, duration_minutes=90)


@pytest.fixture(scope="module")
def env(own_env: WorkflowEnvironment, own_worker: Worker) -> WorkflowEnvironment:
    return own_env


class Group:
    """One group of a new organisation on the module's server, with `peers` members."""

    def __init__(
        self, env: WorkflowEnvironment, pool: DatabasePool, queue: str, group_id: str, org: str
    ) -> None:
        self.env, self.pool, self.queue = env, pool, queue
        self.group_id, self.organisation_id = group_id, org
        self.members: list[str] = []
        self.supervisor = ""
        self.handle: WorkflowHandle[SupervisionGroupWorkflow, None] = (
            env.client.get_workflow_handle_for(
                SupervisionGroupWorkflow.run, group_workflow_id(group_id)
            )
        )

    async def view(self) -> GroupView:
        return await self.handle.query(SupervisionGroupWorkflow.view)

    async def until(self, check: Callable[[GroupView], bool]) -> GroupView:
        for _ in range(300):
            view = await self.view()
            if check(view):
                return view
            await asyncio.sleep(0.05)
        raise AssertionError(f"the group never got there: {view}")

    async def session_held(self, absent: tuple[str, ...] = ()) -> PlannedSession:
        """Skip to just after the next regular session ends; the supervisor records it
        (everybody came but `absent`) and tells the workflow, as the page does."""
        upcoming = (await self.until(lambda v: v.next_regular is not None)).next_regular
        assert upcoming is not None
        await self.env.sleep(upcoming.ends_at - await self.env.get_current_time())
        await self.until(lambda v: any(s.session_id == upcoming.session_id for s in v.following))
        async with self.pool.acquire() as conn:
            present = {p: p not in absent for p in self.members}
            who = groups.Actor(role="coordinator", actor_id=self.supervisor)
            await groups.record_attendance(conn, upcoming.session_id, present, who)
        await self.handle.signal(SupervisionGroupWorkflow.attendance_recorded, upcoming.session_id)
        await self.until(lambda v: all(s.session_id != upcoming.session_id for s in v.following))
        return upcoming

    async def tasks(self) -> list[tuple[str, str]]:
        async with self.pool.acquire() as conn:
            return await groups.open_task_kinds(conn, self.organisation_id)


@pytest.fixture
async def new_group(
    env: WorkflowEnvironment, db_pool: DatabasePool, own_queue: str, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[..., Awaitable[Group]]]:
    made: list[Group] = []

    async def make(
        peers: int = 2, schedule: SupervisionSchedule = FORTNIGHTLY, sessions_per_run: int = 12
    ) -> Group:
        roster = Roster(db_pool)
        org = await roster.organisation()
        supervisor = await roster.user("coordinator", organisation_id=org)
        members = [await roster.peer(org) for _ in range(peers)]
        async with db_pool.acquire() as conn:
            group_id = await groups.create_group(
                conn,
                organisation_id=org,
                name="Tuesday group",
                supervisor_id=supervisor,
                schedule=schedule,
                members=members,
                who=groups.Actor(role="coordinator", actor_id=supervisor),
            )
            row = await groups.group(conn, group_id)
        assert row is not None
        if sessions_per_run == GroupStart.model_fields["sessions_per_run"].default:
            await ensure_group_workflow(env.client, row, task_queue=own_queue)
        else:
            await env.client.start_workflow(
                SupervisionGroupWorkflow.run,
                GroupStart(
                    group_id=group_id,
                    organisation_id=org,
                    schedule=schedule,
                    sessions_per_run=sessions_per_run,
                ),
                id=group_workflow_id(group_id),
                task_queue=own_queue,
            )
        group = Group(env, db_pool, own_queue, group_id, org)
        group.members, group.supervisor = members, supervisor
        made.append(group)
        return group

    yield make
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    for n, group in enumerate(made):
        history = await group.handle.fetch_history()
        await REPLAYER.replay_workflow(history)
        if label:
            GROUP_HISTORIES.mkdir(parents=True, exist_ok=True)
            name = f"supervision-group.{label}-{request.node.name.removeprefix('test_')}-{n}"
            (GROUP_HISTORIES / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
        if (await group.handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await group.handle.terminate(reason="test done")


async def test_every_stored_group_run_replays_on_the_current_code() -> None:
    """Each group's run replays on the current code when its test ends (above), and so do the
    runs recorded with earlier code: a change to what the workflow does needs
    `workflow.patched`."""
    stored = sorted(GROUP_HISTORIES.glob("*.json"))
    assert stored, "recorded runs are kept in tests/workflows/histories/supervision_group/"
    for path in stored:
        await REPLAYER.replay_workflow(
            WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
        )


def test_the_next_session_follows_the_schedule_in_copenhagen_time() -> None:
    # Monday 2 March 2026, 10:00 in Copenhagen (winter time, UTC+1).
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    first = first_slot(FORTNIGHTLY, monday)
    assert first.astimezone(COPENHAGEN) == datetime(2026, 3, 3, 14, 0, tzinfo=COPENHAGEN)
    # Four weeks later summer time has begun: still 14:00 on the wall clock.
    second = following_slot(FORTNIGHTLY, following_slot(FORTNIGHTLY, first, first), first)
    assert second.astimezone(COPENHAGEN) == datetime(2026, 3, 31, 14, 0, tzinfo=COPENHAGEN)
    assert second - first == timedelta(weeks=4) - timedelta(hours=1)
    # Asked on a Thursday: the extra session is on Monday, the group's usual time.
    extra = extra_slot(FORTNIGHTLY, datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    assert extra.astimezone(COPENHAGEN) == datetime(2026, 3, 9, 14, 0, tzinfo=COPENHAGEN)


async def test_sessions_are_planned_on_schedule(new_group, db_pool) -> None:
    group = await new_group()
    now = await group.env.get_current_time()
    view = await group.until(lambda v: v.next_regular is not None)
    first = view.next_regular
    assert first is not None
    assert first.starts_at == first_slot(FORTNIGHTLY, now)
    assert first.ends_at - first.starts_at == timedelta(minutes=90)
    held = await group.session_held()
    view = await group.until(
        lambda v: v.next_regular is not None and v.next_regular.starts_at > held.starts_at
    )
    assert view.next_regular is not None
    assert view.next_regular.starts_at == following_slot(FORTNIGHTLY, held.starts_at, now)
    async with db_pool.acquire() as conn:
        planned = await groups.sessions_of(conn, [group.group_id], now, now + timedelta(weeks=8))
    assert [(s["starts_at"], s["kind"], s["status"]) for s in reversed(planned)] == [
        (first.starts_at, "regular", "held"),
        (view.next_regular.starts_at, "regular", "planned"),
    ]


async def test_attendance_recorded_raises_nothing(new_group) -> None:
    group = await new_group()
    await group.session_held()
    await group.env.sleep(timedelta(days=3))
    await group.view()
    assert await group.tasks() == []


async def test_a_peer_who_misses_two_in_a_row_is_one_task_for_the_coordinator(
    new_group, db_pool
) -> None:
    group = await new_group()
    away, there = group.members
    await group.session_held(absent=(away,))
    assert await group.tasks() == [], "one miss is not a task"
    second = await group.session_held(absent=(away,))
    assert await group.tasks() == [("supervision_missed", away)]

    # A retried check (or a second signal) opens nothing twice.
    check = AttendanceCheck(
        group_id=group.group_id,
        organisation_id=group.organisation_id,
        session_id=second.session_id,
        kind=SessionKind.REGULAR,
        due_at=await group.env.get_current_time(),
    )
    result = await SupervisionActivities(db_pool).check_attendance(check)
    assert result.recorded and result.missed_twice == ()
    await group.handle.signal(SupervisionGroupWorkflow.attendance_recorded, second.session_id)
    await group.view()
    assert await group.tasks() == [("supervision_missed", away)]
    assert there not in dict(await group.tasks()).values()


async def test_attendance_nobody_records_becomes_a_task_for_the_coordinator(new_group) -> None:
    group = await new_group()
    upcoming = (await group.until(lambda v: v.next_regular is not None)).next_regular
    assert upcoming is not None
    await group.env.sleep(upcoming.ends_at + timedelta(days=1) - await group.env.get_current_time())
    await group.view()
    assert await group.tasks() == [], "the supervisor has two days"
    await group.env.sleep(timedelta(days=1, hours=1))
    await group.until(lambda v: all(s.unrecorded_task for s in v.following if s == upcoming))
    for _ in range(100):
        if await group.tasks():
            break
        await asyncio.sleep(0.05)
    assert await group.tasks() == [("attendance_unrecorded", group.group_id)]


async def test_a_deactivated_group_ends_and_its_next_session_is_cancelled(
    new_group, db_pool
) -> None:
    group = await new_group()
    upcoming = (await group.until(lambda v: v.next_regular is not None)).next_regular
    assert upcoming is not None
    async with db_pool.acquire() as conn:
        await groups.deactivate_group(
            conn, group.group_id, groups.Actor(role="coordinator", actor_id=group.supervisor)
        )
    await group.handle.signal(SupervisionGroupWorkflow.deactivate)
    await group.handle.result()
    async with db_pool.acquire() as conn:
        row = await groups.session(conn, upcoming.session_id)
    assert row is not None and row["status"] == "cancelled"


async def test_a_changed_schedule_moves_the_next_session(new_group, db_pool) -> None:
    group = await new_group()
    before = (await group.until(lambda v: v.next_regular is not None)).next_regular
    assert before is not None
    thursdays = FORTNIGHTLY.model_copy(update={"weekday": 4})
    await group.handle.signal(SupervisionGroupWorkflow.schedule_changed, thursdays)
    view = await group.until(
        lambda v: v.next_regular is not None and v.next_regular.session_id != before.session_id
    )
    assert view.next_regular is not None
    assert view.next_regular.starts_at.astimezone(COPENHAGEN).isoweekday() == 4
    async with db_pool.acquire() as conn:
        old = await groups.session(conn, before.session_id)
    assert old is not None and old["status"] == "cancelled"


async def test_a_group_continues_as_new_after_its_sessions_and_keeps_its_plan(
    new_group,
) -> None:
    group = await new_group(sessions_per_run=1)
    first_run = (await group.handle.describe()).run_id
    away = group.members[0]
    await group.session_held(absent=(away,))
    await group.until(lambda v: v.next_regular is not None)
    assert (await group.handle.describe()).run_id != first_run
    await group.session_held(absent=(away,))
    assert await group.tasks() == [("supervision_missed", away)], "the misses span the runs"


# ------------------------------------------------------------------ hard endings


async def _episode_with_a_peer(
    env: WorkflowEnvironment, pool: DatabasePool, queue: str
) -> tuple[EpisodeDriver, str, str]:
    roster = await make_roster(pool)
    episode = await start(env, pool, roster, queue, referral(roster))
    peer = await episode.accept_offer()
    return episode, peer, roster.organisation_id


async def _extra_supervision_tasks(pool: DatabasePool, episode_id: str) -> list[tuple[str, str]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT peer_id, organisation_id, detail->>'ending' AS ending FROM roster_tasks"
            " WHERE kind = 'extra_supervision' AND detail->>'episode_id' = $1",
            episode_id,
        )
    return [(str(r["peer_id"]), str(r["ending"])) for r in rows]


async def _record_history_if_asked(episode: EpisodeDriver, scenario: str) -> None:
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        history = await episode.handle.fetch_history()
        path = HISTORIES / f"peer-guide-sind.{label}-{scenario}.json"
        path.write_text(history.to_json(), encoding="utf-8")


async def test_after_the_citizen_dies_the_peer_is_offered_an_extra_supervision(
    env, db_pool, own_queue
) -> None:
    episode, peer, _ = await _episode_with_a_peer(env, db_pool, own_queue)
    await episode.send(
        Deceased(event_id=uuid.uuid4().hex, occurred_at=await episode.now(), actor=episode.ward())
    )
    await episode.task(TaskKind.DEBRIEF)
    for _ in range(200):
        if await _extra_supervision_tasks(db_pool, episode.id):
            break
        await asyncio.sleep(0.05)
    assert await _extra_supervision_tasks(db_pool, episode.id) == [(peer, "deceased")]
    await episode.decide(TaskKind.DEBRIEF, note="Talked it through")
    await episode.handle.result()
    await _record_history_if_asked(episode, "deceased")


async def test_an_urgent_concern_offers_the_peer_an_extra_session_in_their_group(
    env, db_pool, own_queue, new_group
) -> None:
    episode, peer, org = await _episode_with_a_peer(env, db_pool, own_queue)
    group = await new_group(peers=0)
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO supervision_members (group_id, peer_id) VALUES ($1, $2)",
            group.group_id,
            peer,
        )
    await group.until(lambda v: v.next_regular is not None)
    concern = ConcernFlagged(
        event_id=uuid.uuid4().hex,
        occurred_at=await episode.now(),
        actor=Actor(role=Role.PEER, id=peer),
        payload=ConcernPayload(urgent=True),
    )
    await episode.send(concern)
    await episode.send(concern.model_copy(update={"event_id": uuid.uuid4().hex}))
    view = await group.until(lambda v: any(s.kind == SessionKind.EXTRA for s in v.following))
    extra = [s for s in view.following if s.kind == SessionKind.EXTRA]
    assert [s.for_peer_id for s in extra] == [peer], "one extra session, however often asked"
    assert await _extra_supervision_tasks(db_pool, episode.id) == [(peer, "urgent_concern")]
    async with db_pool.acquire() as conn:
        home = await conn.fetchval(
            "SELECT organisation_id FROM roster_tasks WHERE kind = 'extra_supervision'"
            " AND detail->>'episode_id' = $1",
            episode.id,
        )
    assert home == org, "the task is for the peer's own organisation"
    await _record_history_if_asked(episode, "concern")


async def test_a_concern_that_is_not_urgent_offers_nothing(env, db_pool, own_queue) -> None:
    episode, _, _ = await _episode_with_a_peer(env, db_pool, own_queue)
    await episode.send(
        ConcernFlagged(
            event_id=uuid.uuid4().hex,
            occurred_at=await episode.now(),
            actor=episode.ward(),
            payload=ConcernPayload(urgent=False),
        )
    )
    await episode.task(TaskKind.CONCERN)
    await asyncio.sleep(0.5)
    assert await _extra_supervision_tasks(db_pool, episode.id) == []
