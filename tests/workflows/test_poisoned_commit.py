"""Text PostgreSQL cannot store, sent straight to a running episode past the HTTP checks, no
longer stalls it: the change is stored without what cannot be stored, a coordinator gets a
commit_failed task, and later escalations and notifications still go out.

`HVERDAGSBRO_RECORD_HISTORIES=<label>` also records these runs for the replay tests."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from command.synthetic.driver import EpisodeDriver, start
from command.synthetic.referral import referral
from command.synthetic.roster import make_roster
from db import tasks
from db.pool import DatabasePool
from schemas.episode import Phase
from schemas.events import ContactLogged, ContactPayload, Goal, GoalArea
from schemas.people import Actor, Role
from schemas.tasks import NetworkMeetingBooked, TaskKind
from tests.conftest import eventually
from workflows.timings import ESCALATION_DUE

HISTORIES = Path(__file__).parent / "histories"
NewEpisode = Callable[..., Awaitable[EpisodeDriver]]
DEFAULT_GOALS = (Goal(area=GoalArea.NETWORK, text="Meet people again"),)
# What a person typed: stored (without the NUL) where it belongs, and nowhere else.
SECRET = "Ring til Hanne Jensen på 20 30 40 50"
PROGRAMME = "peer-guide-sind"


# PostgreSQL refusing rows for reasons no cleaning cures, as a broken constraint would: a
# check violation for a task with this note, and for every row of a listed episode.
REFUSED_NOTE = "refuse-me"
_REFUSING_TRIGGERS = """
CREATE TABLE IF NOT EXISTS test_refused_episodes (episode_id text PRIMARY KEY);
CREATE OR REPLACE FUNCTION test_refuse() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE check_violation USING MESSAGE = 'new row violates check constraint',
        DETAIL = 'Failing row contains (Hanne Jensen)';
END $$;
CREATE OR REPLACE FUNCTION test_refuse_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.note = 'refuse-me' THEN PERFORM test_refuse(); END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION test_refuse_episode() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM test_refused_episodes r WHERE r.episode_id = NEW.episode_id) THEN
        PERFORM test_refuse();
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER test_refuse_task BEFORE INSERT OR UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION test_refuse_task();
CREATE OR REPLACE TRIGGER test_refuse_episode BEFORE INSERT OR UPDATE ON episodes
    FOR EACH ROW EXECUTE FUNCTION test_refuse_episode();
"""
_DROP_REFUSING_TRIGGERS = """
DROP TRIGGER test_refuse_task ON tasks;
DROP TRIGGER test_refuse_episode ON episodes;
DROP FUNCTION test_refuse_task();
DROP FUNCTION test_refuse_episode();
DROP FUNCTION test_refuse();
DROP TABLE test_refused_episodes;
"""


@pytest.fixture
async def refusing_database(db_pool: DatabasePool) -> AsyncIterator[DatabasePool]:
    await db_pool.execute(_REFUSING_TRIGGERS)
    try:
        yield db_pool
    finally:
        await db_pool.execute(_DROP_REFUSING_TRIGGERS)


@pytest.fixture
async def new_episode(
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    db_pool: DatabasePool,
    task_queue: str,
) -> NewEpisode:
    async def make(goals: tuple[Goal, ...] = DEFAULT_GOALS) -> EpisodeDriver:
        roster = await make_roster(db_pool, peers=2)
        return await start(
            time_skipping_env,
            db_pool,
            roster,
            task_queue,
            referral(roster, programme=PROGRAMME, goals=goals),
        )

    return make


async def tasks_of(pool: DatabasePool, episode_id: str, kind: TaskKind) -> list[asyncpg.Record]:
    rows = await pool.fetch(
        "SELECT task_id, assignee_role, status, note, due_at, created_at FROM tasks"
        " WHERE episode_id = $1 AND kind = $2 ORDER BY created_at",
        episode_id,
        kind.value,
    )
    return rows


async def commit_failed_task(pool: DatabasePool, episode_id: str) -> asyncpg.Record:
    found: list[asyncpg.Record] = []

    async def raised() -> bool:
        found[:] = await tasks_of(pool, episode_id, TaskKind.COMMIT_FAILED)
        return bool(found)

    await eventually(raised)
    return found[0]


async def no_personal_data_outside_the_note(
    pool: DatabasePool, episode: EpisodeDriver, *, allowed_in: str
) -> None:
    """The refusal's failure text, audit and timeline hold no part of what the person typed."""
    history = await episode.handle.fetch_history()
    failures = [
        e.marker_recorded_event_attributes.failure
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and e.marker_recorded_event_attributes.HasField("failure")
    ]
    assert failures, "the refused commit is in the history"
    for failure in failures:
        # The codec encrypts failure texts too; decoded, they name the table, never the data.
        decoded = failure.__deepcopy__()
        err = await episode.client.data_converter.decode_failure(decoded)
        assert str(err).startswith(f"CommitRefused: {allowed_in}"), str(err)
        assert "Hanne" not in decoded.message and "Hanne" not in decoded.stack_trace
        assert err.__cause__ is None
    assert "Hanne" not in history.to_json(), "no failure, detail or attribute carries the text"
    audit = await pool.fetch(
        "SELECT action, detail::text AS detail FROM audit_log WHERE episode_id = $1", episode.id
    )
    refused = [json.loads(r["detail"]) for r in audit if r["action"] == "commit.refused"]
    assert refused and refused[0]["table"] == allowed_in.removesuffix(":")
    assert all("Hanne" not in r["detail"] for r in audit)
    timeline = await pool.fetch("SELECT summary FROM timeline WHERE episode_id = $1", episode.id)
    assert all("Hanne" not in r["summary"] for r in timeline)
    assert any("could not be stored" in r["summary"] for r in timeline)


def record_history_if_asked(history_json: str, scenario: str) -> None:
    label = os.environ.get("HVERDAGSBRO_RECORD_HISTORIES")
    if label:
        (HISTORIES / f"{PROGRAMME}.{label}-{scenario}.json").write_text(
            history_json, encoding="utf-8"
        )


async def test_a_nul_in_a_decision_note_raises_an_operator_task_and_escalations_still_go_out(
    new_episode: NewEpisode, db_pool: DatabasePool
) -> None:
    episode: EpisodeDriver = await new_episode()
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)

    # The attack: a ward's decision whose note holds a NUL, sent as an update through the
    # Temporal client (no HTTP boundary in the way). It answers instead of hanging.
    await episode.decide(TaskKind.DISCHARGE_AGREEMENT, note=f"{SECRET}\x00")

    operator_task = await commit_failed_task(db_pool, episode.id)
    assert operator_task["assignee_role"] == "coordinator"
    assert operator_task["status"] == "open"
    assert operator_task["due_at"] == operator_task["created_at"] + ESCALATION_DUE
    agreement = (await tasks_of(db_pool, episode.id, TaskKind.DISCHARGE_AGREEMENT))[0]
    assert agreement["status"] == "completed", "the decision itself was stored"
    assert agreement["note"] == SECRET, "only the NUL was left out"
    seq_after_refusal = await db_pool.fetchval(
        "SELECT commit_seq FROM episodes WHERE episode_id = $1", episode.id
    )
    told = await db_pool.fetchval(
        "SELECT count(*) FROM outbox WHERE task_id = $1 AND template = 'new_task'",
        operator_task["task_id"],
    )
    assert told > 0, "the coordinator is told of the task"
    async with db_pool.acquire() as conn:
        # What the coordinator's page and inbox list.
        page = await tasks.coordinator_tasks(conn, episode.roster.organisation_id)
        inbox = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE task_id = $1 AND channel = 'inbox' AND user_id = $2",
            operator_task["task_id"],
            episode.roster.coordinator,
        )
    assert operator_task["task_id"] in [t.task_id for t in page]
    assert inbox == 1

    # The episode goes on: discharge, no first contact in time, and the escalation and its
    # notifications still reach the read model and the outbox.
    await episode.decide(TaskKind.COORDINATION_PLAN)
    meeting_on = (await episode.now()).date() + timedelta(days=3)
    await episode.decide(
        TaskKind.NETWORK_MEETING, result=NetworkMeetingBooked(meeting_on=meeting_on)
    )
    await episode.discharge()
    await episode.env.sleep(ESCALATION_DUE * 3)
    await episode.task(TaskKind.FIRST_CONTACT_ESCALATION)

    async def escalated() -> bool:
        escalations = await tasks_of(db_pool, episode.id, TaskKind.FIRST_CONTACT_ESCALATION)
        sent = await db_pool.fetchval(
            "SELECT count(*) FROM outbox WHERE episode_id = $1 AND template = 'escalation'",
            episode.id,
        )
        return bool(escalations) and sent > 0

    await eventually(escalated)
    row = await db_pool.fetchrow(
        "SELECT phase, commit_seq FROM episodes WHERE episode_id = $1", episode.id
    )
    assert row is not None and row["commit_seq"] > seq_after_refusal, "commits go on"
    assert row["phase"] == Phase.DISCHARGED.value
    await no_personal_data_outside_the_note(db_pool, episode, allowed_in="tasks:")

    # The coordinator completes the task like any other.
    await episode.decide(TaskKind.COMMIT_FAILED)
    await eventually(lambda: _status_is(db_pool, str(operator_task["task_id"]), "completed"))
    record_history_if_asked((await episode.handle.fetch_history()).to_json(), "note")


async def _status_is(pool: DatabasePool, task_id: str, status: str) -> bool:
    return bool(
        await pool.fetchval("SELECT status FROM tasks WHERE task_id = $1", task_id) == status
    )


async def test_a_nul_in_a_referral_goal_still_gives_the_episode_its_row_offer_and_task(
    new_episode: NewEpisode, db_pool: DatabasePool
) -> None:
    """The very first commit is poisoned: without the fix no episode row, no offer, no
    notification would ever be stored for this citizen."""
    poisoned_goal = Goal(area=GoalArea.NETWORK, text=f"{SECRET}\x00")
    episode: EpisodeDriver = await new_episode(goals=(poisoned_goal,))

    await commit_failed_task(db_pool, episode.id)
    goals = await db_pool.fetch("SELECT text FROM episode_goals WHERE episode_id = $1", episode.id)
    assert [g["text"] for g in goals] == [SECRET]

    async def offered() -> bool:
        offers = await tasks_of(db_pool, episode.id, TaskKind.PEER_OFFER)
        told = await db_pool.fetchval(
            "SELECT count(*) FROM outbox WHERE episode_id = $1 AND template = 'offer'", episode.id
        )
        return bool(offers) and told > 0

    await eventually(offered)  # the offer reached the read model and the peer was told
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await eventually(lambda: _phase_is(db_pool, episode.id, Phase.PRE_DISCHARGE))
    await no_personal_data_outside_the_note(db_pool, episode, allowed_in="episode_goals:")
    record_history_if_asked((await episode.handle.fetch_history()).to_json(), "goal")


async def _phase_is(pool: DatabasePool, episode_id: str, phase: Phase) -> bool:
    stored = await pool.fetchval("SELECT phase FROM episodes WHERE episode_id = $1", episode_id)
    return bool(stored == phase.value)


async def test_a_nul_in_a_contact_note_sent_as_a_signal_does_not_stall_the_episode(
    new_episode: NewEpisode, db_pool: DatabasePool
) -> None:
    """A signal's note never reaches a commit (the timeline says only the channel); the
    contact still counts as the first contact."""
    episode: EpisodeDriver = await new_episode()
    peer = await episode.accept_offer()
    await episode.prepare()
    await episode.discharge()

    await episode.send(
        ContactLogged(
            event_id=f"contact-{uuid.uuid4().hex}",
            occurred_at=await episode.now(),
            actor=Actor(role=Role.PEER, id=peer),
            payload=ContactPayload(note=f"{SECRET}\x00"),
        )
    )

    await episode.phase(Phase.FOLLOW_UP)
    await eventually(lambda: _phase_is(db_pool, episode.id, Phase.FOLLOW_UP))
    first = await tasks_of(db_pool, episode.id, TaskKind.FIRST_CONTACT)
    assert first[0]["status"] == "completed"
    assert "Hanne" not in (await episode.handle.fetch_history()).to_json()


async def test_a_broken_constraint_stores_the_change_without_its_task_rows(
    new_episode: NewEpisode, refusing_database: DatabasePool
) -> None:
    """Nothing to clean: the commit is stored without the rows of the refusing table."""
    pool = refusing_database
    episode: EpisodeDriver = await new_episode()
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)

    await episode.decide(TaskKind.DISCHARGE_AGREEMENT, note=REFUSED_NOTE)

    await commit_failed_task(pool, episode.id)
    audit = await pool.fetchval(
        "SELECT detail::text FROM audit_log WHERE episode_id = $1 AND action = 'commit.refused'",
        episode.id,
    )
    assert json.loads(audit) == {
        "commit_seq": json.loads(audit)["commit_seq"],
        "table": "tasks",
        "error": "CheckViolationError",
        "sqlstate": "23514",
        "stored": "without its tasks rows",
    }
    # The rest of that commit (the network meeting's notification, the timeline) is stored.
    timeline = await pool.fetch("SELECT summary FROM timeline WHERE episode_id = $1", episode.id)
    assert any(r["summary"] == "Discharge agreement: completed" for r in timeline)
    assert all("Hanne" not in r["summary"] for r in timeline)
    record_history_if_asked((await episode.handle.fetch_history()).to_json(), "constraint")


async def test_an_episode_row_refused_for_good_does_not_commit_in_a_loop(
    new_episode: NewEpisode, refusing_database: DatabasePool
) -> None:
    """Nothing of the commit can be stored: it is skipped, reported once, and the episode
    answers and goes on; once PostgreSQL takes its row again, commits resume."""
    pool = refusing_database
    episode: EpisodeDriver = await new_episode()
    await episode.accept_offer()
    await episode.phase(Phase.PRE_DISCHARGE)
    await pool.execute("INSERT INTO test_refused_episodes VALUES ($1)", episode.id)
    stored_seq = await pool.fetchval(
        "SELECT commit_seq FROM episodes WHERE episode_id = $1", episode.id
    )

    # The update still answers: the workflow does not wait for a commit that cannot come.
    await episode.decide(TaskKind.DISCHARGE_AGREEMENT)
    await episode.decide(TaskKind.COORDINATION_PLAN)

    async def commit_calls() -> int:
        history = await episode.handle.fetch_history()
        return sum(1 for e in history.events if e.HasField("marker_recorded_event_attributes"))

    settled = await commit_calls()
    await episode.env.sleep(timedelta(hours=1))
    await asyncio.sleep(1)
    # Each refused commit is tried at most three times (as sent, cleaned, without a table);
    # the report of a refusal met before is not committed again, so the calls stop.
    assert await commit_calls() == settled, "no commit loop"
    assert settled < 40
    view = await episode.view()
    assert any(t.kind == TaskKind.COMMIT_FAILED for t in view.open_tasks)
    assert (
        await pool.fetchval("SELECT commit_seq FROM episodes WHERE episode_id = $1", episode.id)
        == stored_seq
    )

    await pool.execute("DELETE FROM test_refused_episodes WHERE episode_id = $1", episode.id)
    meeting_on = (await episode.now()).date() + timedelta(days=3)
    await episode.decide(
        TaskKind.NETWORK_MEETING, result=NetworkMeetingBooked(meeting_on=meeting_on)
    )
    seq = await pool.fetchval("SELECT commit_seq FROM episodes WHERE episode_id = $1", episode.id)
    assert seq > stored_seq, "commits resume"
