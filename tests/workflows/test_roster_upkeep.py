"""The hourly roster upkeep (issue 17): the coordinator is reminded before a peer's training
lapses, once, however often the upkeep runs; a newer training closes the reminder; every roster
task is told to the coordinators once, reminded of once when it falls due and escalated to the
partnership once when still open; a lapsed peer is not offered; the Schedule is set idempotently."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from temporalio.client import ScheduleIntervalSpec, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.matching import NO_CANDIDATE, PeerMatcher
from db import roster_tasks
from db.pool import DatabasePool
from schemas.matching import ReservationRelease
from schemas.roster import RosterTaskKind
from schemas.roster_upkeep import RosterUpkeepReport
from tests.activities.builders import PROGRAMME, Roster
from tests.activities.test_matching import request
from tests.conftest import SmtpServer
from tests.temporal_servers import DEV_SERVER
from tests.test_keys import TEST_CONVERTER
from workers.roster_upkeep import SCHEDULE_ID, ensure_roster_upkeep
from workflows.roster_upkeep import RosterUpkeepWorkflow

# Recorded runs (`HVERDAGSBRO_RECORD_HISTORIES=<label>` writes `roster-upkeep.<label>.json`);
# kept apart from the episodes' histories, which all replay as EpisodeWorkflow.
HISTORIES = Path(__file__).parent / "histories" / "roster_upkeep"
NEW_TASK = "There is a new task about the peers in hverdagsbro"
OVERDUE = "A task about the peers in hverdagsbro is overdue"
ESCALATED = "A task about the peers in hverdagsbro is not done and has gone to the partnership"


async def upkeep(env: WorkflowEnvironment, task_queue: str) -> RosterUpkeepReport:
    """One run, as the Schedule starts it."""
    return await env.client.execute_workflow(
        RosterUpkeepWorkflow.run,
        id=f"roster-upkeep-test-{uuid.uuid4().hex[:10]}",
        task_queue=task_queue,
    )


async def trained_until(pool: DatabasePool, peer_id: str) -> date:
    found: date = await pool.fetchval(
        "SELECT trained_until FROM peer_programme_standing WHERE peer_id = $1 AND programme = $2",
        peer_id,
        PROGRAMME,
    )
    return found


async def lapsing_in(roster: Roster, org: str, days: int) -> str:
    """A peer of the peer-guide programme (24-month refresher) whose training lapses in about
    `days` days."""
    peer = await roster.peer(org, trained=False)
    completed: date = await roster.pool.fetchval(
        "SELECT (current_date + $1::integer - interval '24 months')::date", days
    )
    await roster.trained_in_every_course(peer, completed_on=completed)
    return peer


async def tasks_of(pool: DatabasePool, org: str) -> list[dict[str, object]]:
    rows = await pool.fetch(
        "SELECT task_id, kind, peer_id, status, due_at, detail::text AS detail, closed_by"
        " FROM roster_tasks WHERE organisation_id = $1 ORDER BY created_at",
        org,
    )
    return [dict(r) for r in rows]


def subjects(smtp: SmtpServer, address: str) -> list[str]:
    """The English half of each subject the address was sent, oldest first."""
    return [
        str(make_header(decode_header(m["Subject"]))).replace("\r\n", "").split(" / ")[1]
        for m in smtp.mailbox.to(address)
    ]


async def test_a_lapsing_training_is_one_task_and_one_notice_however_often_the_upkeep_runs(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
    smtp_server: SmtpServer,
) -> None:
    roster = Roster(db_pool)
    org = await roster.organisation(await roster.partnership())
    coordinator = await roster.user("coordinator", organisation_id=org)
    peer = await lapsing_in(roster, org, 20)
    lapses = await trained_until(db_pool, peer)
    assert 18 <= (lapses - date.today()).days <= 21

    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)

    [task] = await tasks_of(db_pool, org)
    assert task["kind"] == "training_lapsing"
    assert task["peer_id"] == peer
    assert task["status"] == "open"
    assert lapses.isoformat() in str(task["detail"])
    due = task["due_at"]
    assert isinstance(due, datetime) and due.date() in (lapses, lapses - timedelta(days=1))
    email = await roster.email_of(coordinator)
    assert subjects(smtp_server, email).count(NEW_TASK) == 1
    inbox = await db_pool.fetch(
        "SELECT template, episode_id, params::text AS params FROM outbox"
        " WHERE user_id = $1 AND channel = 'inbox'",
        coordinator,
    )
    assert [(r["template"], r["episode_id"]) for r in inbox] == [("roster_task", None)]
    assert "Name of" not in inbox[0]["params"], "ids, kinds and dates only"

    # The peer is still offered until the training lapses.
    matcher = PeerMatcher(db_pool)
    answer = await matcher.reserve_peer(await request(roster, org))
    assert answer.peer_id == peer
    await matcher.release_peer(
        ReservationRelease(episode_id=answer.episode_id, offer_no=answer.offer_no)
    )


async def test_a_newer_training_closes_the_lapse_task_by_itself(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
) -> None:
    roster = Roster(db_pool)
    org = await roster.organisation(await roster.partnership())
    await roster.user("coordinator", organisation_id=org)
    peer = await lapsing_in(roster, org, 20)
    await upkeep(time_skipping_env, task_queue)
    assert [t["status"] for t in await tasks_of(db_pool, org)] == ["open"]

    await db_pool.execute(
        "INSERT INTO peer_trainings (training_id, peer_id, course, completed_on, trained_by)"
        " VALUES ($1, $2, 'peer-refresher', current_date, 'Test trainer')",
        f"{peer}:refresher",
        peer,
    )
    report = await upkeep(time_skipping_env, task_queue)

    [task] = await tasks_of(db_pool, org)
    assert task["status"] == "done"
    assert task["closed_by"] == "hverdagsbro"
    assert report.training.closed >= 1
    async with db_pool.acquire() as conn:
        assert await roster_tasks.open_tasks(conn, org) == []


async def test_an_overdue_task_reminds_once_then_escalates_to_the_partnership_once(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
    smtp_server: SmtpServer,
) -> None:
    roster = Roster(db_pool)
    partnership = await roster.partnership()
    org = await roster.organisation(partnership)
    partner = await roster.organisation(partnership, kind="municipality")
    outsider = await roster.organisation(await roster.partnership())
    own = await roster.email_of(await roster.user("coordinator", organisation_id=org))
    theirs = await roster.email_of(await roster.user("coordinator", organisation_id=partner))
    other = await roster.email_of(await roster.user("coordinator", organisation_id=outsider))
    peer = await roster.peer(org)
    async with db_pool.acquire() as conn:
        task_id = await roster_tasks.open_task(
            conn,
            kind=RosterTaskKind.EXTRA_SUPERVISION,
            organisation_id=org,
            dedupe_key=f"test:{uuid.uuid4().hex}",
            due_at=datetime.now(UTC) + timedelta(days=2),
            peer_id=peer,
        )
    assert task_id is not None

    async def due_days_ago(days: float) -> None:
        await db_pool.execute(
            "UPDATE roster_tasks SET due_at = now() - make_interval(secs => $2) WHERE task_id = $1",
            task_id,
            days * 86400,
        )

    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, own) == [NEW_TASK]

    await due_days_ago(0.1)
    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, own) == [NEW_TASK, OVERDUE]
    assert subjects(smtp_server, theirs) == []

    await due_days_ago(3.5)
    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)
    assert subjects(smtp_server, own) == [
        NEW_TASK,
        OVERDUE,
        ESCALATED,
    ]
    assert subjects(smtp_server, theirs) == [ESCALATED]
    assert subjects(smtp_server, other) == [], "only the task's own partnerships"
    row = await db_pool.fetchrow(
        "SELECT notified_at, reminded_at, escalated_at FROM roster_tasks WHERE task_id = $1",
        task_id,
    )
    assert row is not None and all(v is not None for v in row.values())
    links = [m.get_payload() for m in smtp_server.mailbox.to(theirs)]
    assert "/coordinator/roster-tasks" in str(links[0])


async def test_a_task_first_told_of_when_already_due_is_not_reminded_a_second_time(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
    smtp_server: SmtpServer,
) -> None:
    roster = Roster(db_pool)
    org = await roster.organisation(await roster.partnership())
    own = await roster.email_of(await roster.user("coordinator", organisation_id=org))
    async with db_pool.acquire() as conn:
        await roster_tasks.open_task(
            conn,
            kind=RosterTaskKind.EXTRA_SUPERVISION,
            organisation_id=org,
            dedupe_key=f"test:{uuid.uuid4().hex}",
            due_at=datetime.now(UTC) - timedelta(minutes=5),
        )

    await upkeep(time_skipping_env, task_queue)
    await upkeep(time_skipping_env, task_queue)

    assert subjects(smtp_server, own) == [NEW_TASK]


async def test_a_lapsed_peer_gets_no_task_and_is_not_offered(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
) -> None:
    roster = Roster(db_pool)
    org = await roster.organisation(await roster.partnership())
    await roster.user("coordinator", organisation_id=org)
    peer = await lapsing_in(roster, org, -1)
    assert await trained_until(db_pool, peer) < date.today()

    await upkeep(time_skipping_env, task_queue)

    assert await tasks_of(db_pool, org) == [], "too late for a reminder: the peer has lapsed"
    answer = await PeerMatcher(db_pool).reserve_peer(await request(roster, org))
    assert answer.peer_id is None
    assert answer.reason == NO_CANDIDATE


@pytest.mark.timeout(120)
async def test_the_schedule_is_created_once_and_updated_in_place_on_the_dev_server() -> None:
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_CONVERTER,
        dev_server_existing_path=DEV_SERVER,
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        first = await ensure_roster_upkeep(env.client, task_queue="q1", every=timedelta(hours=1))
        handle = env.client.get_schedule_handle(SCHEDULE_ID)
        await handle.pause(note="operator paused it")
        again = await ensure_roster_upkeep(env.client, task_queue="q2", every=timedelta(minutes=30))

        assert (first, again) == ("created", "updated"), "one Schedule, brought up to date"
        described = await handle.describe()
        [interval] = described.schedule.spec.intervals
        assert isinstance(interval, ScheduleIntervalSpec)
        assert interval.every == timedelta(minutes=30)
        action = described.schedule.action
        assert getattr(action, "task_queue", None) == "q2"
        assert getattr(action, "workflow", None) == "RosterUpkeepWorkflow"
        assert described.schedule.state.paused, "an operator's pause is kept"
    finally:
        await env.shutdown()


async def test_upkeep_runs_replay_on_the_current_code(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    db_pool: DatabasePool,
) -> None:
    """A run that tells, reminds and delivers, and every stored run, replay without a
    nondeterminism error: a change to what the upkeep does needs `workflow.patched`."""
    roster = Roster(db_pool)
    org = await roster.organisation(await roster.partnership())
    await roster.user("coordinator", organisation_id=org)
    await lapsing_in(roster, org, 5)
    workflow_id = f"roster-upkeep-test-{uuid.uuid4().hex[:10]}"
    await time_skipping_env.client.execute_workflow(
        RosterUpkeepWorkflow.run, id=workflow_id, task_queue=task_queue
    )
    history = await time_skipping_env.client.get_workflow_handle(workflow_id).fetch_history()
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        HISTORIES.mkdir(parents=True, exist_ok=True)
        (HISTORIES / f"roster-upkeep.{label}.json").write_text(history.to_json(), encoding="utf-8")

    replayer = Replayer(workflows=[RosterUpkeepWorkflow], data_converter=TEST_CONVERTER)
    await replayer.replay_workflow(history)
    stored = sorted(HISTORIES.glob("*.json"))
    assert stored, "a recorded run is kept in tests/workflows/histories/roster_upkeep/"
    for path in stored:
        recorded = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
        await replayer.replay_workflow(recorded)
