"""Writing an episode's commit to the read model: its row, goals, tasks, timeline and audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from db.connection import PooledConnection
from schemas.commit import AuditEntry, EpisodeCommit, TimelineEntry
from schemas.commit_refusal import CommitRefusal
from schemas.people import Actor
from schemas.tasks import Task

# An older commit (seq < stored) must never overwrite a newer snapshot. The same commit again
# (a workflow task whose completion was lost ran again, with a later workflow clock) does
# overwrite: the read model then holds what the history recorded.
_UPSERT_EPISODE = """
WITH stored AS (SELECT commit_seq FROM episodes WHERE episode_id = $1)
INSERT INTO episodes (
    episode_id, citizen_id, programme, phase, peer_id, municipality_code, ward_id,
    organisation_id, risk_elevated, consents, referred_at, discharged_at, first_contact_at,
    next_due_at, next_due_kind, overdue_tasks, follow_ups_done, follow_ups_planned,
    readmissions, milestones, hope_score_start, hope_score_end, closed_at, end_reason,
    commit_seq, network_size_start, network_size_end, job_or_education, goals_total,
    goals_reached, pathway, updated_at
) VALUES (
    $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
    $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, now()
)
ON CONFLICT (episode_id) DO UPDATE SET
    citizen_id = EXCLUDED.citizen_id,
    programme = EXCLUDED.programme,
    phase = EXCLUDED.phase,
    peer_id = EXCLUDED.peer_id,
    municipality_code = EXCLUDED.municipality_code,
    ward_id = EXCLUDED.ward_id,
    organisation_id = EXCLUDED.organisation_id,
    risk_elevated = EXCLUDED.risk_elevated,
    consents = EXCLUDED.consents,
    referred_at = EXCLUDED.referred_at,
    discharged_at = EXCLUDED.discharged_at,
    first_contact_at = EXCLUDED.first_contact_at,
    next_due_at = EXCLUDED.next_due_at,
    next_due_kind = EXCLUDED.next_due_kind,
    overdue_tasks = EXCLUDED.overdue_tasks,
    follow_ups_done = EXCLUDED.follow_ups_done,
    follow_ups_planned = EXCLUDED.follow_ups_planned,
    readmissions = EXCLUDED.readmissions,
    milestones = EXCLUDED.milestones,
    hope_score_start = EXCLUDED.hope_score_start,
    hope_score_end = EXCLUDED.hope_score_end,
    closed_at = EXCLUDED.closed_at,
    end_reason = EXCLUDED.end_reason,
    commit_seq = EXCLUDED.commit_seq,
    network_size_start = EXCLUDED.network_size_start,
    network_size_end = EXCLUDED.network_size_end,
    job_or_education = EXCLUDED.job_or_education,
    goals_total = EXCLUDED.goals_total,
    goals_reached = EXCLUDED.goals_reached,
    pathway = EXCLUDED.pathway,
    updated_at = now()
WHERE episodes.commit_seq <= EXCLUDED.commit_seq
RETURNING (SELECT commit_seq FROM stored) AS stored_seq
"""

_UPSERT_GOAL = """
INSERT INTO episode_goals (episode_id, goal_no, goal_id, area, text)
VALUES ($1, $2, 'g' || ($2 + 1), $3, $4)
ON CONFLICT (episode_id, goal_no) DO UPDATE SET area = EXCLUDED.area, text = EXCLUDED.text
"""

_DROP_GOALS_BEYOND = "DELETE FROM episode_goals WHERE episode_id = $1 AND goal_no >= $2"

_UPSERT_GOAL_RECORD = """
INSERT INTO episode_goals (
    episode_id, goal_no, goal_id, area, text, status, set_at, set_by_role, changed_at, reviews,
    last_progress
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (episode_id, goal_no) DO UPDATE SET
    goal_id = EXCLUDED.goal_id, area = EXCLUDED.area, text = EXCLUDED.text,
    status = EXCLUDED.status, set_at = EXCLUDED.set_at, set_by_role = EXCLUDED.set_by_role,
    changed_at = EXCLUDED.changed_at, reviews = EXCLUDED.reviews,
    last_progress = EXCLUDED.last_progress
"""

_INSERT_GOAL_REVIEW = """
INSERT INTO goal_reviews (
    episode_id, goal_id, task_id, follow_up_no, progress, still_relevant, reached, reviewed_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (episode_id, goal_id, task_id) DO NOTHING
"""

_UPSERT_TASK = """
INSERT INTO tasks (
    task_id, episode_id, kind, assignee_role, assignee_id, assignee_service, status, number,
    created_at, due_at, overdue, decided_at, decided_by, note, result, commit_seq, escalates
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16, $17)
ON CONFLICT (task_id) DO UPDATE SET
    kind = EXCLUDED.kind,
    assignee_role = EXCLUDED.assignee_role,
    assignee_id = EXCLUDED.assignee_id,
    assignee_service = EXCLUDED.assignee_service,
    status = EXCLUDED.status,
    number = EXCLUDED.number,
    due_at = EXCLUDED.due_at,
    overdue = EXCLUDED.overdue,
    decided_at = EXCLUDED.decided_at,
    decided_by = EXCLUDED.decided_by,
    note = EXCLUDED.note,
    result = EXCLUDED.result,
    commit_seq = EXCLUDED.commit_seq,
    escalates = EXCLUDED.escalates
WHERE tasks.commit_seq <= EXCLUDED.commit_seq
"""

_INSERT_TIMELINE = """
INSERT INTO timeline (entry_id, episode_id, at, kind, actor_role, actor_id, summary, task_id,
                      commit_seq, text_key, params)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
ON CONFLICT (entry_id) DO NOTHING
"""

_INSERT_AUDIT = """
INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, reason, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
ON CONFLICT (audit_id) DO NOTHING
"""


# What PostgreSQL (or asyncpg encoding a value for it) refuses whatever the time: data it
# cannot hold (class 22: a NUL in text, \u0000 in jsonb, a number out of range) and
# constraints the data breaks (class 23). Lost connections, timeouts, deadlocks and
# serialization failures are other classes: those retry.
NEVER_STORABLE: tuple[type[Exception], ...] = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
)


class Refused(Exception):
    """The commit can never succeed as it is; says where and what kind, never a value."""

    def __init__(self, refusal: CommitRefusal) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


@contextmanager
def refused_as(table: str) -> Iterator[None]:
    """Turn PostgreSQL refusing the data itself into Refused. PostgreSQL's message may quote
    the row ("Failing row contains ..."), so neither it nor the error is kept as a cause."""
    try:
        yield
    except NEVER_STORABLE as err:
        sqlstate = getattr(err, "sqlstate", None) or ""
        refusal = CommitRefusal(table=table, error=type(err).__name__, sqlstate=sqlstate)
        raise Refused(refusal) from None


def actor_ref(actor: Actor | None) -> str | None:
    """How an actor is stored in a single text column: "role:id"."""
    return None if actor is None else f"{actor.role.value}:{actor.id}"


async def write_episode(conn: PooledConnection, commit: EpisodeCommit) -> bool:
    """Write the episode row; True the first time this commit is applied."""
    p = commit.projection
    with refused_as("episodes"):
        row = await conn.fetchrow(
            _UPSERT_EPISODE,
            commit.episode_id,
            p.citizen_id,
            p.programme,
            p.phase.value,
            p.peer_id,
            p.municipality_code,
            p.ward_id,
            p.organisation_id,
            p.risk_elevated,
            list(p.consents),
            p.referred_at,
            p.discharged_at,
            p.first_contact_at,
            p.next_due_at,
            p.next_due_kind,
            p.overdue_tasks,
            p.follow_ups_done,
            p.follow_ups_planned,
            p.readmissions,
            list(p.milestones),
            p.hope_score_start,
            p.hope_score_end,
            p.closed_at,
            p.end_reason,
            commit.commit_seq,
            p.network_size_start,
            p.network_size_end,
            p.job_or_education,
            p.goals_total,
            p.goals_reached,
            p.pathway,
        )
    if row is None:
        return False  # an older commit: the stored snapshot is newer and stays
    stored: int | None = row["stored_seq"]
    return stored is None or stored < commit.commit_seq


async def write_goals(conn: PooledConnection, commit: EpisodeCommit) -> None:
    """The commit's goals replace the stored ones (numbered in order, extras dropped)."""
    if commit.goal_records or commit.goal_reviews:
        await _write_goal_records(conn, commit)
        return
    with refused_as("episode_goals"):
        await conn.executemany(
            _UPSERT_GOAL,
            [
                (commit.episode_id, no, goal.area.value, goal.text)
                for no, goal in enumerate(commit.goals)
            ],
        )
        await conn.execute(_DROP_GOALS_BEYOND, commit.episode_id, len(commit.goals))


async def _write_goal_records(conn: PooledConnection, commit: EpisodeCommit) -> None:
    with refused_as("episode_goals"):
        if commit.goal_records:
            await conn.executemany(
                _UPSERT_GOAL_RECORD,
                [
                    (
                        commit.episode_id,
                        no,
                        g.goal_id,
                        g.area.value,
                        g.text,
                        g.status.value,
                        g.set_at,
                        g.set_by.role.value,
                        g.changed_at,
                        g.reviews,
                        g.last_progress.value if g.last_progress else None,
                    )
                    for no, g in enumerate(commit.goal_records)
                ],
            )
            await conn.execute(_DROP_GOALS_BEYOND, commit.episode_id, len(commit.goal_records))
    with refused_as("goal_reviews"):
        await conn.executemany(
            _INSERT_GOAL_REVIEW,
            [
                (
                    commit.episode_id,
                    r.goal_id,
                    r.task_id,
                    r.follow_up_no,
                    r.progress.value,
                    r.still_relevant,
                    r.reached,
                    r.reviewed_at,
                )
                for r in commit.goal_reviews
            ],
        )


# executemany sends each batch in one round trip.
async def write_tasks(conn: PooledConnection, commit: EpisodeCommit) -> None:
    with refused_as("tasks"):
        await conn.executemany(_UPSERT_TASK, [_task_args(commit, t) for t in commit.tasks])


async def write_timeline(conn: PooledConnection, commit: EpisodeCommit) -> None:
    with refused_as("timeline"):
        await conn.executemany(
            _INSERT_TIMELINE, [_timeline_args(commit, e) for e in commit.timeline]
        )


async def write_audit(conn: PooledConnection, commit: EpisodeCommit) -> None:
    with refused_as("audit_log"):
        await conn.executemany(
            _INSERT_AUDIT, [_audit_args(commit.episode_id, a) for a in commit.audit]
        )


def _task_args(commit: EpisodeCommit, task: Task) -> tuple[object, ...]:
    result = None if task.result is None else json.dumps(task.result.model_dump(mode="json"))
    return (
        task.task_id,
        commit.episode_id,
        task.kind.value,
        task.assignee.role.value,
        task.assignee.id,
        task.assignee.service,
        task.status.value,
        task.number,
        task.created_at,
        task.due_at,
        task.overdue,
        task.decided_at,
        actor_ref(task.decided_by),
        task.note,
        result,
        commit.commit_seq,
        task.escalates,
    )


def _timeline_args(commit: EpisodeCommit, entry: TimelineEntry) -> tuple[object, ...]:
    return (
        entry.entry_id,
        commit.episode_id,
        entry.at,
        entry.kind,
        None if entry.actor is None else entry.actor.role.value,
        None if entry.actor is None else entry.actor.id,
        entry.summary,
        entry.task_id,
        commit.commit_seq,
        entry.text_key,
        json.dumps(entry.params),
    )


def _audit_args(episode_id: str, audit: AuditEntry) -> tuple[object, ...]:
    return (
        audit.audit_id,
        audit.at,
        audit.actor.role.value,
        audit.actor.id,
        audit.action,
        episode_id,
        audit.reason,
        json.dumps(audit.detail),
    )
