"""A commit PostgreSQL refuses for good fails at once, naming the table, never the data;
a lost connection is no refusal and is retried."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta

import asyncpg
import pytest
import structlog
from temporalio.exceptions import ApplicationError

from activities.episode_store import EpisodeStore
from db import episode_commits
from db.connection import CONNECTION_LOST
from db.pool import DatabasePool, create_pool
from schemas.commit import AuditEntry, EpisodeCommit
from schemas.commit_refusal import COMMIT_REFUSED, CommitRefusal
from schemas.events import Goal, GoalArea
from schemas.people import Actor, Recipient, Role
from schemas.tasks import ServiceConfirmed, Task, TaskKind, TaskStatus
from tests.activities.builders import NOW, commit, new_episode_id
from tests.conftest import eventually

PEER = Actor(role=Role.PEER, id="peer-7")
# What a person typed: it must appear in no failure, log line or audit entry.
SECRET_NOTE = "Ring til Hanne Jensen på 20 30 40 50"


@pytest.fixture
def store(db_pool: DatabasePool) -> EpisodeStore:
    return EpisodeStore(db_pool)


def decided(episode_id: str, **changes: object) -> Task:
    return Task.model_validate(
        {
            "task_id": f"{episode_id}-t1",
            "kind": TaskKind.CONFIRM_SERVICE,
            "assignee": Recipient(role=Role.CASEWORKER, id="0101", service="social_services"),
            "status": TaskStatus.COMPLETED,
            "created_at": NOW,
            "due_at": NOW + timedelta(days=7),
            "decided_at": NOW,
            "decided_by": PEER,
            **changes,
        }
    )


async def refusal_of(store: EpisodeStore, poisoned: EpisodeCommit) -> ApplicationError:
    with (
        structlog.testing.capture_logs() as logs,
        pytest.raises(ApplicationError) as raised,
    ):
        await store.commit_episode(poisoned)
    err = raised.value
    assert err.type == COMMIT_REFUSED and err.non_retryable
    assert err.__cause__ is None and err.__suppress_context__, "PostgreSQL's text stays behind"
    assert "Hanne" not in str(err) and "20 30" not in str(err)
    assert logs and all("Hanne" not in json.dumps(entry, default=str) for entry in logs)
    return err


async def nothing_stored(pool: DatabasePool, episode_id: str) -> bool:
    episodes = await pool.fetchval(
        "SELECT count(*) FROM episodes WHERE episode_id = $1", episode_id
    )
    tasks = await pool.fetchval("SELECT count(*) FROM tasks WHERE episode_id = $1", episode_id)
    return bool(episodes == 0 and tasks == 0)


async def test_a_nul_in_a_task_note_is_refused_for_good_naming_the_table_not_the_note(
    store: EpisodeStore, db_pool: DatabasePool
) -> None:
    episode_id = new_episode_id()
    poisoned = commit(episode_id, tasks=(decided(episode_id, note=f"{SECRET_NOTE}\x00"),))

    err = await refusal_of(store, poisoned)

    refusal = CommitRefusal.model_validate(err.details[0])
    assert refusal == CommitRefusal(
        table="tasks", error="CharacterNotInRepertoireError", sqlstate="22021"
    )
    assert (
        err.message
        == "tasks: PostgreSQL refused the data (CharacterNotInRepertoireError, SQLSTATE 22021)"
    )
    assert await nothing_stored(db_pool, episode_id), "the transaction was rolled back whole"


async def test_a_nul_in_a_task_result_is_refused_by_jsonb(
    store: EpisodeStore, db_pool: DatabasePool
) -> None:
    episode_id = new_episode_id()
    result = ServiceConfirmed(service="housing\x00 Hanne")
    poisoned = commit(episode_id, tasks=(decided(episode_id, result=result),))

    err = await refusal_of(store, poisoned)

    assert CommitRefusal.model_validate(err.details[0]).sqlstate == "22P05"
    assert await nothing_stored(db_pool, episode_id)


@pytest.mark.parametrize(
    ("table", "poison"),
    [
        ("episode_goals", {"goals": (Goal(area=GoalArea.JOB, text=f"{SECRET_NOTE}\x00"),)}),
        (
            "audit_log",
            {
                "audit": (
                    AuditEntry(
                        audit_id=f"a-{uuid.uuid4().hex}",
                        at=NOW,
                        actor=PEER,
                        action="task.completed",
                        detail={"note": f"{SECRET_NOTE}\x00"},
                    ),
                )
            },
        ),
    ],
)
async def test_each_table_is_named_when_it_refuses(
    store: EpisodeStore, db_pool: DatabasePool, table: str, poison: dict[str, object]
) -> None:
    episode_id = new_episode_id()
    poisoned = commit(episode_id).model_copy(update=poison)

    err = await refusal_of(store, poisoned)

    assert CommitRefusal.model_validate(err.details[0]).table == table
    assert await nothing_stored(db_pool, episode_id)


async def test_a_number_the_column_cannot_hold_is_refused_without_its_value(
    store: EpisodeStore, db_pool: DatabasePool
) -> None:
    """asyncpg's own message quotes the value; the refusal does not."""
    episode_id = new_episode_id()
    poisoned = commit(episode_id, tasks=(decided(episode_id, number=2**40),))

    err = await refusal_of(store, poisoned)

    assert str(2**40) not in str(err)
    assert CommitRefusal.model_validate(err.details[0]).table == "tasks"


async def test_a_broken_constraint_is_refused_and_its_failing_row_is_not_kept(
    db_pool: DatabasePool,
) -> None:
    """PostgreSQL's check violation quotes the failing row; only the class and state stay."""
    async with db_pool.acquire() as conn:
        with pytest.raises(episode_commits.Refused) as raised, episode_commits.refused_as("tasks"):
            await conn.execute(
                "DO $$ BEGIN RAISE check_violation USING MESSAGE ="
                " 'new row violates check constraint', DETAIL = 'Failing row contains (Hanne)';"
                " END $$"
            )
    assert raised.value.refusal == CommitRefusal(
        table="tasks", error="CheckViolationError", sqlstate="23514"
    )
    assert "Hanne" not in str(raised.value) and raised.value.__cause__ is None


@pytest.fixture
async def own_pool(database_url: str) -> AsyncIterator[tuple[DatabasePool, str]]:
    name = f"b2-lost-{uuid.uuid4().hex[:8]}"
    pool = await create_pool(
        database_url, give_up_after=5, min_size=1, max_size=1, application_name=name
    )
    try:
        yield pool, name
    finally:
        await pool.close()


async def test_a_lost_connection_is_no_refusal_and_the_commit_is_retried(
    own_pool: tuple[DatabasePool, str], db_pool: DatabasePool
) -> None:
    """The connection is cut while the commit waits on a row lock, mid-transaction."""
    pool, name = own_pool
    store = EpisodeStore(pool)
    episode_id = new_episode_id()
    await store.commit_episode(commit(episode_id, 1))

    async with db_pool.acquire() as blocker, blocker.transaction():
        await blocker.execute("SELECT 1 FROM episodes WHERE episode_id = $1 FOR UPDATE", episode_id)
        pending = asyncio.create_task(store.commit_episode(commit(episode_id, 2)))
        waiting = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = $1 AND wait_event_type = 'Lock'"
        )
        await eventually(lambda: _positive(db_pool.fetchval(waiting, name)))
        await db_pool.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = $1",
            name,
        )
        with pytest.raises((*CONNECTION_LOST, asyncpg.PostgresError)) as raised:
            await pending

    assert not isinstance(raised.value, ApplicationError), "a retryable error, not a refusal"
    # Once the database is reachable again the same commit goes through.
    assert (await store.commit_episode(commit(episode_id, 2))).applied


async def _positive(count: Awaitable[int]) -> bool:
    return await count > 0
