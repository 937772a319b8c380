"""Peer groups on a time-skipping server of their own: sessions on schedule, the facilitator's
attendance, a member absent three sessions in a row, a member who left, attendance nobody
recorded, deactivation and continue-as-new.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records a run for the replay test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.peer_groups import PeerGroupActivities
from db import courses
from db import peer_groups as groups
from db.pool import DatabasePool
from db.supervision import Actor
from schemas.courses import NewParticipant, ParticipantKind
from schemas.peer_groups import PeerGroup, PeerGroupStart, PeerGroupView, peer_group_workflow_id
from schemas.supervision import AttendanceCheck, PlannedSession, first_slot, following_slot
from tests.activities.builders import Roster
from tests.builders import WEEKLY, peer_group
from tests.test_keys import TEST_CONVERTER
from workers.peer_group_starter import ensure_peer_group_workflow
from workflows.peer_group import PeerGroupWorkflow

HISTORIES = Path(__file__).parent / "histories" / "peer_group"
# Thursdays at 10:00, every week, two hours.


@pytest.fixture(scope="module")
def env(own_env: WorkflowEnvironment, own_worker: Worker) -> WorkflowEnvironment:
    return own_env


class Group:
    """One peer group of a new organisation on the module's server."""

    def __init__(self, env: WorkflowEnvironment, pool: DatabasePool, group: PeerGroup) -> None:
        self.env, self.pool, self.group = env, pool, group
        self.members: dict[str, str] = {}  # episode id -> membership id
        self.handle: WorkflowHandle[PeerGroupWorkflow, None] = env.client.get_workflow_handle_for(
            PeerGroupWorkflow.run, peer_group_workflow_id(group.group_id)
        )
        self.facilitator = Actor(role="peer", actor_id=group.facilitator_id)

    async def view(self) -> PeerGroupView:
        return await self.handle.query(PeerGroupWorkflow.view)

    async def until(self, check: Callable[[PeerGroupView], bool]) -> PeerGroupView:
        for _ in range(300):
            view = await self.view()
            if check(view):
                return view
            await asyncio.sleep(0.05)
        raise AssertionError(f"the group never got there: {view}")

    async def join(self) -> str:
        """A citizen's episode joins the group today; its episode id."""
        episode_id = f"ep-{uuid.uuid4().hex[:12]}"
        today = (await self.env.get_current_time()).date()
        async with self.pool.acquire() as conn:
            member_id = await groups.add_member(
                conn, self.group.group_id, today, self.facilitator, episode_id=episode_id
            )
        assert member_id is not None
        self.members[episode_id] = member_id
        return episode_id

    async def leave(self, episode_id: str) -> None:
        today = (await self.env.get_current_time()).date()
        async with self.pool.acquire() as conn:
            assert await groups.remove_member(
                conn, self.members.pop(episode_id), today, self.facilitator
            )

    async def session_held(self, absent: tuple[str, ...] = ()) -> PlannedSession:
        """Skip to just after the next session ends; the facilitator records who came
        (every current member but `absent`) and tells the workflow, as the page does."""
        upcoming = (await self.until(lambda v: v.next_session is not None)).next_session
        assert upcoming is not None
        await self.env.sleep(upcoming.ends_at - await self.env.get_current_time())
        await self.until(lambda v: any(s.session_id == upcoming.session_id for s in v.following))
        present = {m: e not in absent for e, m in self.members.items()}
        async with self.pool.acquire() as conn:
            await groups.record_attendance(conn, upcoming.session_id, present, self.facilitator)
        await self.handle.signal(PeerGroupWorkflow.attendance_recorded, upcoming.session_id)
        await self.until(lambda v: all(s.session_id != upcoming.session_id for s in v.following))
        return upcoming

    async def tasks(self) -> list[tuple[str, str | None, str | None]]:
        """(kind, episode, assigned to) of the group's open tasks."""
        async with self.pool.acquire() as conn:
            rows = await groups.open_tasks(conn, self.group.group_id)
        return [
            (str(r["kind"]), r["episode_id"], r["assigned_to"])  # type: ignore[misc]
            for r in rows
        ]


@pytest.fixture
async def new_group(
    env: WorkflowEnvironment, db_pool: DatabasePool, own_queue: str
) -> AsyncIterator[Callable[..., Awaitable[Group]]]:
    made: list[Group] = []

    async def make(sessions_per_run: int | None = None) -> Group:
        roster = Roster(db_pool)
        org = await roster.organisation(kind="municipality")
        facilitator = await roster.peer(org)
        async with db_pool.acquire() as conn:
            group = await peer_group(conn, org, facilitator)
        if sessions_per_run is None:
            await ensure_peer_group_workflow(env.client, group, task_queue=own_queue)
        else:
            await env.client.start_workflow(
                PeerGroupWorkflow.run,
                PeerGroupStart(
                    group_id=group.group_id,
                    organisation_id=org,
                    schedule=WEEKLY,
                    sessions_per_run=sessions_per_run,
                ),
                id=peer_group_workflow_id(group.group_id),
                task_queue=own_queue,
            )
        made.append(Group(env, db_pool, group))
        return made[-1]

    yield make
    for group in made:
        if (await group.handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await group.handle.terminate(reason="test done")


async def test_sessions_are_planned_on_the_groups_schedule(new_group, db_pool) -> None:
    group = await new_group()
    now = await group.env.get_current_time()
    first = (await group.until(lambda v: v.next_session is not None)).next_session
    assert first is not None
    assert first.starts_at == first_slot(WEEKLY, now)
    assert first.ends_at - first.starts_at == timedelta(hours=2)
    await group.join()
    held = await group.session_held()
    view = await group.until(
        lambda v: v.next_session is not None and v.next_session.starts_at > held.starts_at
    )
    assert view.next_session is not None
    assert view.next_session.starts_at == following_slot(WEEKLY, held.starts_at, now)
    async with db_pool.acquire() as conn:
        planned = await groups.sessions_of(
            conn, group.group.group_id, now, now + timedelta(weeks=3)
        )
    assert [(s["starts_at"], s["status"], s["recorded"]) for s in reversed(planned)] == [
        (first.starts_at, "held", 1),
        (view.next_session.starts_at, "planned", 0),
    ]


async def test_attendance_recorded_raises_nothing(new_group) -> None:
    group = await new_group()
    await group.join()
    await group.session_held()
    await group.env.sleep(timedelta(days=3))
    await group.view()
    assert await group.tasks() == []


async def test_a_member_absent_three_in_a_row_is_one_task_for_the_facilitator(
    new_group, db_pool
) -> None:
    group = await new_group()
    away, there = await group.join(), await group.join()
    await group.session_held(absent=(away,))
    await group.session_held(absent=(away,))
    assert await group.tasks() == [], "two misses are not yet a task"
    third = await group.session_held(absent=(away,))
    facilitator = group.group.facilitator_id
    assert await group.tasks() == [("member_absent", away, facilitator)]

    # A retried check (or a second signal) opens nothing twice.
    check = AttendanceCheck(
        group_id=group.group.group_id,
        organisation_id=group.group.organisation_id,
        session_id=third.session_id,
        due_at=await group.env.get_current_time(),
    )
    result = await PeerGroupActivities(db_pool).check_group_attendance(check)
    assert result.recorded and result.absent_in_a_row == ()
    await group.handle.signal(PeerGroupWorkflow.attendance_recorded, third.session_id)
    await group.view()
    # A fourth miss while the task is open is still the one task.
    await group.session_held(absent=(away,))
    assert await group.tasks() == [("member_absent", away, facilitator)]
    assert there not in [episode for _, episode, _ in await group.tasks()]


async def test_someone_without_an_account_absent_three_in_a_row_is_a_task_too(
    new_group, db_pool
) -> None:
    group = await new_group()
    async with db_pool.acquire() as conn:
        participant_id = await courses.create_participant(
            conn,
            NewParticipant(
                display_name="Else",
                phone="+4512345678",
                kind=ParticipantKind.RELATIVE,
                consent_at=await group.env.get_current_time(),
            ),
        )
        member_id = await groups.add_member(
            conn,
            group.group.group_id,
            (await group.env.get_current_time()).date(),
            group.facilitator,
            participant_id=participant_id,
        )
    assert member_id is not None
    group.members["relative"] = member_id
    for _ in range(3):
        await group.session_held(absent=("relative",))
    facilitator = group.group.facilitator_id
    assert await group.tasks() == [("member_absent", None, facilitator)]


async def test_a_member_who_left_is_not_counted(new_group) -> None:
    group = await new_group()
    leaving = await group.join()
    await group.join()
    await group.session_held(absent=(leaving,))
    await group.session_held(absent=(leaving,))
    await group.leave(leaving)
    await group.session_held()
    assert await group.tasks() == []


async def test_a_session_nobody_records_becomes_a_task_for_the_coordinators(new_group) -> None:
    group = await new_group()
    upcoming = (await group.until(lambda v: v.next_session is not None)).next_session
    assert upcoming is not None
    await group.env.sleep(upcoming.ends_at + timedelta(days=1) - await group.env.get_current_time())
    await group.view()
    assert await group.tasks() == [], "the facilitator has two days"
    await group.env.sleep(timedelta(days=1, hours=1))
    await group.until(lambda v: all(s.unrecorded_task for s in v.following if s == upcoming))
    for _ in range(100):
        if await group.tasks():
            break
        await asyncio.sleep(0.05)
    assert await group.tasks() == [("attendance_unrecorded", None, None)]


async def test_a_deactivated_group_ends_and_its_next_session_is_cancelled(
    new_group, db_pool
) -> None:
    group = await new_group()
    away = await group.join()
    await group.session_held(absent=(away,))
    upcoming = (await group.until(lambda v: v.next_session is not None)).next_session
    assert upcoming is not None
    async with db_pool.acquire() as conn:
        await groups.deactivate_group(
            conn, group.group.group_id, Actor(role="coordinator", actor_id="c-test")
        )
    await group.handle.signal(PeerGroupWorkflow.deactivate)
    await group.handle.result()
    async with db_pool.acquire() as conn:
        row = await groups.session(conn, upcoming.session_id)
    assert row is not None and row["status"] == "cancelled"
    await _replays(await group.handle.fetch_history())


async def test_a_group_continues_as_new_and_the_absences_span_the_runs(new_group) -> None:
    group = await new_group(sessions_per_run=1)
    first_run = (await group.handle.describe()).run_id
    away = await group.join()
    await group.session_held(absent=(away,))
    await group.until(lambda v: v.next_session is not None)
    assert (await group.handle.describe()).run_id != first_run
    await group.session_held(absent=(away,))
    await group.session_held(absent=(away,))
    facilitator = group.group.facilitator_id
    assert await group.tasks() == [("member_absent", away, facilitator)]


async def _replays(history: WorkflowHistory) -> None:
    """This run and every stored one replay on the current code (a change to what the group
    workflow does needs `workflow.patched`)."""
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        HISTORIES.mkdir(parents=True, exist_ok=True)
        (HISTORIES / f"peer-group.{label}.json").write_text(history.to_json(), encoding="utf-8")
    replayer = Replayer(workflows=[PeerGroupWorkflow], data_converter=TEST_CONVERTER)
    await replayer.replay_workflow(history)
    stored = sorted(HISTORIES.glob("*.json"))
    assert stored, "a recorded run is kept in tests/workflows/histories/peer_group/"
    for path in stored:
        await replayer.replay_workflow(
            WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
        )
