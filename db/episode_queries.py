"""One episode as the read model holds it: its row, tasks, timeline, goals and citizen."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from pydantic import Field, field_validator

from db.connection import PooledConnection
from schemas.base import Frozen


class EpisodeSummary(Frozen):
    """What an episode's row says that callers may show: no personal data, no citizen id."""

    episode_id: str
    programme: str
    phase: str
    peer_id: str | None
    municipality_code: str
    ward_id: str
    organisation_id: str
    risk_elevated: bool
    consents: list[str]
    referred_at: datetime
    discharged_at: datetime | None
    first_contact_at: datetime | None
    next_due_at: datetime | None
    next_due_kind: str | None
    overdue_tasks: int
    follow_ups_done: int
    follow_ups_planned: int
    readmissions: int
    pathway: str = Field(
        default="admitted", description="admitted, or ambulant: referred without an admission."
    )


class EpisodeRow(EpisodeSummary):
    """Every column of `episodes` (no personal data: the citizen is an opaque id)."""

    citizen_id: str
    milestones: list[str]
    hope_score_start: int | None
    hope_score_end: int | None
    network_size_start: int | None = None
    network_size_end: int | None = None
    job_or_education: str | None = None
    goals_total: int = 0
    goals_reached: int = 0
    closed_at: datetime | None
    end_reason: str
    commit_seq: int
    updated_at: datetime


class TaskRow(Frozen):
    """Every column of `tasks`; `result` is the stored JSON text."""

    task_id: str
    episode_id: str
    kind: str
    assignee_role: str
    assignee_id: str
    assignee_service: str | None
    status: str
    number: int
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    decided_at: datetime | None
    decided_by: str | None
    note: str
    result: str | None
    commit_seq: int
    escalates: str | None = None


class TimelineRow(Frozen):
    at: datetime
    kind: str
    actor_role: str | None
    actor_id: str | None
    summary: str
    task_id: str | None
    text_key: str | None = None
    params: dict[str, str] = Field(default_factory=dict)

    @field_validator("params", mode="before")
    @classmethod
    def _from_jsonb(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


class GoalRow(Frozen):
    goal_id: str
    area: str
    text: str = Field(repr=False)
    status: str = "active"
    reviews: int = 0
    last_progress: str | None = None


class CitizenContact(Frozen):
    """Personal data: kept out of every repr, so no log line can carry it by accident."""

    citizen_id: str
    name: str | None = Field(repr=False)
    phone: str | None = Field(repr=False)
    email: str | None = Field(repr=False)


async def episode(conn: PooledConnection, episode_id: str) -> EpisodeRow | None:
    row = await conn.fetchrow("SELECT * FROM episodes WHERE episode_id = $1", episode_id)
    return None if row is None else EpisodeRow.model_validate(dict(row))


async def task(conn: PooledConnection, task_id: str) -> TaskRow | None:
    row = await conn.fetchrow("SELECT * FROM tasks WHERE task_id = $1", task_id)
    return None if row is None else TaskRow.model_validate(dict(row))


async def episode_tasks(conn: PooledConnection, episode_id: str) -> list[TaskRow]:
    rows = await conn.fetch(
        "SELECT * FROM tasks WHERE episode_id = $1 ORDER BY created_at",
        episode_id,
    )
    return [TaskRow.model_validate(dict(r)) for r in rows]


async def timeline(conn: PooledConnection, episode_id: str) -> list[TimelineRow]:
    rows = await conn.fetch(
        "SELECT at, kind, actor_role, actor_id, summary, task_id, text_key, params"
        " FROM timeline WHERE episode_id = $1 ORDER BY at, entry_id",
        episode_id,
    )
    return [TimelineRow.model_validate(dict(r)) for r in rows]


async def goals(
    conn: PooledConnection, episode_id: str, areas: Sequence[str] | None = None
) -> list[GoalRow]:
    """The citizen's own goals (personal data: shown only with the citizen's details), in the
    order they were set; only those of `areas` when given."""
    rows = await conn.fetch(
        "SELECT goal_id, area, text, status, reviews, last_progress FROM episode_goals"
        " WHERE episode_id = $1 AND ($2::text[] IS NULL OR area = ANY ($2::text[]))"
        " ORDER BY goal_no",
        episode_id,
        None if areas is None else list(areas),
    )
    return [GoalRow.model_validate(dict(r)) for r in rows]


async def goals_of(conn: PooledConnection, episode_ids: Sequence[str]) -> dict[str, list[GoalRow]]:
    """The goals of each of `episode_ids` (those with none are absent), in the order they
    were set: one statement for a page of cards, not one per episode."""
    rows = await conn.fetch(
        "SELECT episode_id, goal_id, area, text, status, reviews, last_progress"
        " FROM episode_goals WHERE episode_id = ANY ($1::text[]) ORDER BY episode_id, goal_no",
        list(episode_ids),
    )
    found: dict[str, list[GoalRow]] = {}
    for r in rows:
        row = dict(r)
        found.setdefault(row.pop("episode_id"), []).append(GoalRow.model_validate(row))
    return found


class ReportedMilestone(Frozen):
    """A milestone_reached event the episode applied."""

    kind: str
    detail: str
    reached_at: datetime


async def reported_milestones(
    conn: PooledConnection, episode_id: str, kinds: Sequence[str] | None = None
) -> list[ReportedMilestone]:
    """Milestones reported as events and applied by the episode, oldest first; only those of
    `kinds` when given."""
    rows = await conn.fetch(
        "SELECT body #>> '{payload,kind}' AS kind,"
        " coalesce(body #>> '{payload,detail}', '') AS detail,"
        " (body ->> 'occurred_at')::timestamptz AS reached_at FROM events_received"
        " WHERE episode_id = $1 AND event_type = 'milestone_reached' AND status = 'applied'"
        " AND ($2::text[] IS NULL OR body #>> '{payload,kind}' = ANY ($2::text[]))"
        " ORDER BY reached_at",
        episode_id,
        None if kinds is None else list(kinds),
    )
    return [ReportedMilestone.model_validate(dict(r)) for r in rows]


async def citizen(conn: PooledConnection, episode_id: str) -> CitizenContact | None:
    """The citizen's contact data as this episode recorded it (`episode_contacts`): another
    episode's referral for the same person never changes it."""
    row = await conn.fetchrow(
        "SELECT citizen_id, name, phone, email FROM episode_contacts WHERE episode_id = $1",
        episode_id,
    )
    return None if row is None else CitizenContact.model_validate(dict(row))


async def audit_reads(
    conn: PooledConnection,
    *,
    actor_role: str,
    actor_id: str,
    episode_ids: Sequence[str],
    what: str,
    detail: dict[str, object] | None = None,
) -> None:
    """One audit line per episode whose personal data was read (ids and, in `detail`, where;
    never the data), written in one statement."""
    if not episode_ids:
        return
    await conn.execute(
        "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)"
        " SELECT a, now(), $1, $2, $3, e, $4::jsonb"
        " FROM unnest($5::text[], $6::text[]) AS x (e, a)",
        actor_role,
        actor_id,
        what,
        json.dumps(detail or {}),
        list(episode_ids),
        [f"read-{uuid.uuid4().hex}" for _ in episode_ids],
    )


async def audit_read(
    conn: PooledConnection,
    *,
    audit_id: str,
    actor_role: str,
    actor_id: str,
    episode_id: str,
    what: str,
) -> None:
    """Every access to personal data leaves a line in the append-only audit log."""
    await conn.execute(
        "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id)"
        " VALUES ($1, now(), $2, $3, $4, $5) ON CONFLICT (audit_id) DO NOTHING",
        audit_id,
        actor_role,
        actor_id,
        what,
        episode_id,
    )
