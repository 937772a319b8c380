"""Commits reach the read model once, in order, and every notification lands in the outbox."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from activities.episode_store import EpisodeStore
from db.pool import DatabasePool
from schemas.commit import AuditEntry, EpisodeCommit, TimelineEntry
from schemas.episode import Phase
from schemas.events import Goal, GoalArea
from schemas.people import Actor, Recipient, Role
from schemas.tasks import JobStatus, OutcomeAnswers, Task, TaskKind, TaskStatus
from tests.activities.builders import NOW, Roster, commit, fetch_one, new_episode_id, notification

PEER = Actor(role=Role.PEER, id="peer-7")


@pytest.fixture
def store(db_pool: DatabasePool) -> EpisodeStore:
    return EpisodeStore(db_pool, sms_enabled=True)


def task(task_id: str, status: TaskStatus = TaskStatus.OPEN, **changes: object) -> Task:
    return Task.model_validate(
        {
            "task_id": task_id,
            "kind": TaskKind.OUTCOME_QUESTIONNAIRE,
            "assignee": Recipient(role=Role.PEER, id="peer-7"),
            "status": status,
            "created_at": NOW,
            "due_at": NOW + timedelta(days=7),
            **changes,
        }
    )


async def counts(pool: DatabasePool, episode_id: str) -> dict[str, int]:
    tables = {
        "goals": "SELECT count(*) FROM episode_goals WHERE episode_id = $1",
        "tasks": "SELECT count(*) FROM tasks WHERE episode_id = $1",
        "timeline": "SELECT count(*) FROM timeline WHERE episode_id = $1",
        "audit": "SELECT count(*) FROM audit_log WHERE episode_id = $1",
        "outbox": "SELECT count(*) FROM outbox WHERE episode_id = $1",
    }
    return {name: await pool.fetchval(sql, episode_id) for name, sql in tables.items()}


def full_commit(episode_id: str, seq: int = 1) -> EpisodeCommit:
    done = task(
        f"{episode_id}-t-1",
        TaskStatus.COMPLETED,
        decided_at=NOW,
        decided_by=PEER,
        note="went well",
        result=OutcomeAnswers(
            hope_score_start=3,
            hope_score_end=7,
            network_size_start=1,
            network_size_end=4,
            job_or_education=JobStatus.STUDYING,
        ),
    )
    return commit(
        episode_id,
        seq,
        phase=Phase.FOLLOW_UP,
        goals=(
            Goal(area=GoalArea.JOB, text="Find a job I like"),
            Goal(area=GoalArea.NETWORK, text="See friends weekly"),
        ),
        tasks=(done, task(f"{episode_id}-t-2")),
        timeline=(
            TimelineEntry(entry_id=f"{episode_id}-e-1", at=NOW, kind="phase", summary="Phase"),
            TimelineEntry(
                entry_id=f"{episode_id}-e-2", at=NOW, kind="task", actor=PEER, summary="Done"
            ),
        ),
        audit=(
            AuditEntry(
                audit_id=f"{episode_id}-a-1",
                at=NOW,
                actor=PEER,
                action="task.completed",
                detail={"task_id": done.task_id},
            ),
        ),
        notifications=(notification(episode_id, Role.OPERATOR, "nobody"),),
    )


async def test_commit_writes_episode_goals_tasks_timeline_audit_and_outbox(
    store: EpisodeStore, db_pool: DatabasePool
) -> None:
    episode_id = new_episode_id()

    result = await store.commit_episode(full_commit(episode_id))

    assert result.applied and result.commit_seq == 1
    assert await counts(db_pool, episode_id) == {
        "goals": 2,
        "tasks": 2,
        "timeline": 2,
        "audit": 1,
        "outbox": 1,
    }
    episode = await fetch_one(db_pool, "SELECT * FROM episodes WHERE episode_id = $1", episode_id)
    assert episode["phase"] == "follow_up"
    assert episode["consents"] == ["peer_support"]
    assert episode["commit_seq"] == 1
    done = await fetch_one(
        db_pool,
        "SELECT decided_by, result::text AS result, note FROM tasks WHERE task_id = $1",
        f"{episode_id}-t-1",
    )
    assert done["decided_by"] == "peer:peer-7"
    assert json.loads(done["result"])["hope_score_end"] == 7
    goal = await fetch_one(
        db_pool,
        "SELECT area, text FROM episode_goals WHERE episode_id = $1 AND goal_no = 1",
        episode_id,
    )
    assert tuple(goal) == ("network", "See friends weekly")


async def test_repeated_commit_is_reported_as_already_applied_and_changes_nothing(
    store: EpisodeStore, db_pool: DatabasePool
) -> None:
    episode_id = new_episode_id()
    first = full_commit(episode_id)
    await store.commit_episode(first)
    before = await counts(db_pool, episode_id)

    again = await store.commit_episode(first)

    assert again.applied is False
    assert await counts(db_pool, episode_id) == before


async def test_older_commit_never_overwrites_a_newer_snapshot(
    store: EpisodeStore, db_pool: DatabasePool
) -> None:
    episode_id = new_episode_id()
    task_id = f"{episode_id}-t-1"
    newer = commit(
        episode_id, 2, phase=Phase.PRE_DISCHARGE, tasks=(task(task_id, TaskStatus.ACCEPTED),)
    )
    older = commit(
        episode_id,
        1,
        phase=Phase.MATCHING,
        tasks=(task(task_id),),
        timeline=(TimelineEntry(entry_id=f"{episode_id}-e-1", at=NOW, kind="x", summary="x"),),
    )

    assert (await store.commit_episode(newer)).applied
    late = await store.commit_episode(older)

    assert late.applied is False
    assert (
        await db_pool.fetchval("SELECT phase FROM episodes WHERE episode_id = $1", episode_id)
        == "pre_discharge"
    )
    assert (
        await db_pool.fetchval("SELECT status FROM tasks WHERE task_id = $1", task_id) == "accepted"
    )
    # What is new in a late commit (an entry with its own id) is still kept, never lost.
    assert (await counts(db_pool, episode_id))["timeline"] == 1


async def test_newer_commit_updates_the_episode_and_its_tasks(
    store: EpisodeStore, db_pool: DatabasePool
) -> None:
    episode_id = new_episode_id()
    task_id = f"{episode_id}-t-1"
    await store.commit_episode(commit(episode_id, 1, tasks=(task(task_id),)))

    result = await store.commit_episode(
        commit(episode_id, 2, phase=Phase.CLOSED, tasks=(task(task_id, TaskStatus.CANCELLED),))
    )

    assert result.applied
    row = await fetch_one(
        db_pool,
        "SELECT e.phase, e.commit_seq, t.status, t.commit_seq AS task_seq"
        " FROM episodes e JOIN tasks t USING (episode_id) WHERE e.episode_id = $1",
        episode_id,
    )
    assert tuple(row) == ("closed", 2, "cancelled", 2)


async def outbox(pool: DatabasePool, notification_id: str) -> set[tuple[str, str, str]]:
    rows = await pool.fetch(
        "SELECT user_id, channel, status FROM outbox WHERE notification_id = $1",
        notification_id,
    )
    return {(r["user_id"], r["channel"], r["status"]) for r in rows}


async def test_coordinators_of_the_organisation_get_inbox_email_and_sms(
    store: EpisodeStore, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    other_org = await roster.organisation()
    with_phone = await roster.user("coordinator", organisation_id=org, phone=True)
    inbox_only = await roster.user("coordinator", organisation_id=org, email=False)
    await roster.user("coordinator", organisation_id=org, active=False)
    await roster.user("coordinator", organisation_id=other_org)
    await roster.user("ward", organisation_id=org)
    episode_id = new_episode_id()
    n = notification(episode_id, Role.COORDINATOR, org)

    await store.commit_episode(commit(episode_id, notifications=(n,)))

    assert await outbox(db_pool, n.notification_id) == {
        (with_phone, "inbox", "sent"),
        (with_phone, "email", "pending"),
        (with_phone, "sms", "pending"),
        (inbox_only, "inbox", "sent"),
    }
    sent_at = await db_pool.fetchval(
        "SELECT sent_at FROM outbox WHERE notification_id = $1 AND channel = 'inbox' LIMIT 1",
        n.notification_id,
    )
    assert sent_at is not None


async def test_no_sms_is_queued_when_no_gateway_is_configured(
    db_pool: DatabasePool, roster: Roster
) -> None:
    org = await roster.organisation()
    peer = await roster.peer(org, phone=True)
    episode_id = new_episode_id()
    n = notification(episode_id, Role.PEER, peer)

    await EpisodeStore(db_pool, sms_enabled=False).commit_episode(
        commit(episode_id, notifications=(n,))
    )

    assert await outbox(db_pool, n.notification_id) == {
        (peer, "inbox", "sent"),
        (peer, "email", "pending"),
    }


async def test_caseworker_notification_reaches_only_the_named_service(
    store: EpisodeStore, roster: Roster, db_pool: DatabasePool
) -> None:
    code = await roster.municipality_row()
    jobcenter = await roster.user("caseworker", municipality_code=code, service="jobcenter")
    social = await roster.user("caseworker", municipality_code=code, service="social_services")
    episode_id = new_episode_id()
    to_jobcenter = notification(episode_id, Role.CASEWORKER, code, service="jobcenter")
    to_all = notification(episode_id, Role.CASEWORKER, code)

    await store.commit_episode(commit(episode_id, notifications=(to_jobcenter, to_all)))

    assert {u for u, _, _ in await outbox(db_pool, to_jobcenter.notification_id)} == {jobcenter}
    assert {u for u, _, _ in await outbox(db_pool, to_all.notification_id)} == {jobcenter, social}


async def test_ward_notification_reaches_the_staff_of_that_ward(
    store: EpisodeStore, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    ward = await roster.ward(org)
    nurse = await roster.user("ward", organisation_id=org, ward_id=ward)
    await roster.user("ward", organisation_id=org, ward_id=await roster.ward(org))
    episode_id = new_episode_id()
    n = notification(episode_id, Role.WARD, ward)

    await store.commit_episode(commit(episode_id, notifications=(n,)))

    assert {u for u, _, _ in await outbox(db_pool, n.notification_id)} == {nurse}


async def test_notification_nobody_can_receive_is_recorded_not_dropped(
    store: EpisodeStore, roster: Roster, db_pool: DatabasePool
) -> None:
    org = await roster.organisation()
    episode_id = new_episode_id()
    n = notification(episode_id, Role.COORDINATOR, org)

    await store.commit_episode(commit(episode_id, notifications=(n,)))

    row = await fetch_one(
        db_pool,
        "SELECT user_id, channel, status, last_error FROM outbox WHERE notification_id = $1",
        n.notification_id,
    )
    assert tuple(row) == ("-", "inbox", "skipped", "no recipient")


async def test_the_same_commit_run_again_later_leaves_what_the_history_recorded(
    store: EpisodeStore, db_pool: DatabasePool
) -> None:
    """A workflow task whose completion was lost runs again with a later clock; its commit
    has the same number, and the read model takes the values of the run that counted."""
    episode_id = new_episode_id()
    task_id = f"{episode_id}-t-1"
    first_run = task(task_id, due_at=NOW + timedelta(days=1))
    run_again = task(task_id, due_at=NOW + timedelta(days=1, seconds=1))
    await store.commit_episode(commit(episode_id, 1, tasks=(first_run,)))

    again = await store.commit_episode(commit(episode_id, 1, tasks=(run_again,)))

    assert again.applied is False, "reported as a repeat"
    due = await db_pool.fetchval("SELECT due_at FROM tasks WHERE task_id = $1", task_id)
    assert due == run_again.due_at
