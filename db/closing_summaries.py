"""What an episode's closing summary reads besides its read-model row: the programme's names,
the citizen's name and CPR number, the completed confirm_service tasks and the outcome
questionnaire's answers; and the audit line of every read (goals and reported milestones come
from db/episode_queries). Personal data (names, CPR, the closing note) is kept out of every
repr."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen


class SummaryFacts(Frozen):
    """The episode's facts a summary shows besides its read-model row."""

    programme_name: str | None
    programme_name_da: str | None
    citizen_name: str | None = Field(repr=False)
    cpr: str | None = Field(repr=False)


class ConfirmedServiceRow(Frozen):
    """A completed confirm_service task: which service confirmed what, when (the result is
    the stored JSON text, read by the caller)."""

    task_id: str
    assignee_service: str | None
    decided_at: datetime | None
    result: str | None


class OutcomeRow(Frozen):
    """The completed outcome questionnaire's stored result (JSON text: the closing note is
    personal data)."""

    task_id: str
    decided_at: datetime | None
    result: str | None = Field(repr=False)


_FACTS = (
    "SELECT p.definition->>'name' AS programme_name,"
    " p.definition->>'name_da' AS programme_name_da,"
    " c.name AS citizen_name, z.cpr"
    " FROM episodes e"
    " LEFT JOIN programmes p ON p.code = e.programme"
    " LEFT JOIN episode_contacts c ON c.episode_id = e.episode_id"
    " LEFT JOIN citizens z ON z.citizen_id = e.citizen_id"
    " WHERE e.episode_id = $1"
)
# Goals of the given areas (all areas when $2 is NULL), in the order they were set.
_CONFIRMED = (
    "SELECT task_id, assignee_service, decided_at, result::text AS result FROM tasks"
    " WHERE episode_id = $1 AND kind = 'confirm_service' AND status = 'completed'"
    " AND assignee_role = 'caseworker' ORDER BY decided_at NULLS LAST, created_at"
)
_OUTCOME = (
    "SELECT task_id, decided_at, result::text AS result FROM tasks"
    " WHERE episode_id = $1 AND kind = 'outcome_questionnaire' AND status = 'completed'"
    " ORDER BY decided_at DESC NULLS LAST, created_at DESC LIMIT 1"
)


async def facts(conn: PooledConnection, episode_id: str) -> SummaryFacts | None:
    row = await conn.fetchrow(_FACTS, episode_id)
    return None if row is None else SummaryFacts.model_validate(dict(row))


async def confirmed_services(conn: PooledConnection, episode_id: str) -> list[ConfirmedServiceRow]:
    """Every completed confirm_service task of the episode, oldest first."""
    rows = await conn.fetch(_CONFIRMED, episode_id)
    return [ConfirmedServiceRow.model_validate(dict(r)) for r in rows]


async def outcome(conn: PooledConnection, episode_id: str) -> OutcomeRow | None:
    """The completed outcome questionnaire (the newest, should there be more than one)."""
    row = await conn.fetchrow(_OUTCOME, episode_id)
    return None if row is None else OutcomeRow.model_validate(dict(row))


async def audit_summary_read(
    conn: PooledConnection,
    *,
    actor_role: str,
    actor_id: str,
    episode_id: str,
    service: str | None,
    place: Literal["api", "page"],
) -> None:
    """Who read the episode's closing summary, as which service, where (never its text)."""
    await conn.execute(
        "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)"
        " VALUES ($1, now(), $2, $3, 'read.closing_summary', $4, $5::jsonb)",
        f"summary-{uuid.uuid4().hex}",
        actor_role,
        actor_id,
        episode_id,
        json.dumps({"service": service, "place": place}),
    )
