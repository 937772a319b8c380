"""One episode as a caller may see it: metadata, timeline, tasks and, if allowed, the citizen
and the notes; a caseworker sees their service's slice only (api/caseworker_view)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.caseworker_view import CaseworkerView, caseworker_view
from api.episode_notes import NoteOut, notes_out
from api.errors import ApiError
from api.municipality_replies import KIND, ReplyOut, replies_out
from api.principal import Principal
from api.scoping import may_see_citizen, may_see_episode
from db import episode_queries
from db.connection import PooledConnection
from db.pool import DatabasePool
from schemas.base import Frozen
from schemas.people import Role


class CitizenOut(Frozen):
    name: str | None
    phone: str | None
    email: str | None


class GoalOut(Frozen):
    area: str
    text: str


class TimelineOut(Frozen):
    at: datetime
    kind: str
    actor: str | None
    summary: str = Field(description="The line in English.")
    text_key: str | None = Field(
        default=None,
        description="The line's key in the timeline catalog (null for lines written before).",
    )
    params: dict[str, str] = Field(default_factory=dict, description="The line's params.")
    topic: str | None = Field(
        default=None,
        description="A municipality reply's topic, to those who may read what it wrote.",
    )
    text: str | None = Field(
        default=None, description="A municipality reply's text, to those who may read it."
    )
    attachments: int | None = Field(
        default=None, description="How many files a municipality reply came with (not shown)."
    )


class EpisodeTaskOut(Frozen):
    task_id: str
    kind: str
    assignee_role: str
    status: str
    due_at: datetime | None
    overdue: bool


class EpisodeOut(episode_queries.EpisodeSummary):
    citizen: CitizenOut | None
    goals: list[GoalOut]
    tasks: list[EpisodeTaskOut]
    timeline: list[TimelineOut]
    notes: list[NoteOut] | None = Field(
        default=None,
        description="Contact, concern, task and debrief notes, newest first; null when the"
        " caller may not read them (the assigned peer, the organisation's coordinators,"
        " the ward while the citizen is admitted).",
    )


async def episode_for(
    pool: DatabasePool, principal: Principal, episode_id: str
) -> EpisodeOut | CaseworkerView:
    """The episode, or 404 when it does not exist or is not the caller's to see. A caseworker
    gets their service's slice of it, never the whole episode."""
    if principal.role == Role.CASEWORKER:
        return await caseworker_view(pool, principal, episode_id)
    async with pool.acquire() as conn:
        row = await episode_queries.episode(conn, episode_id)
        if row is None or not may_see_episode(principal, row):
            raise ApiError(404, "episode_id: no such episode")
        citizen = None
        goals: list[GoalOut] = []
        if may_see_citizen(principal, row):
            goals = [
                GoalOut.model_validate(g, from_attributes=True)
                for g in await episode_queries.goals(conn, episode_id)
            ]
            citizen = await read_contact(conn, principal, episode_id)
        notes = await notes_out(conn, principal, episode_id, row)
        tasks = await episode_queries.episode_tasks(conn, episode_id)
        timeline = await episode_queries.timeline(conn, episode_id)
        replies = await replies_out(conn, principal, episode_id, row)
    return EpisodeOut.model_validate(
        {
            **row.model_dump(include=set(episode_queries.EpisodeSummary.model_fields)),
            "citizen": citizen,
            "goals": goals,
            "tasks": [EpisodeTaskOut.model_validate(t, from_attributes=True) for t in tasks],
            "timeline": sorted(
                [
                    *(
                        TimelineOut(
                            at=e.at,
                            kind=e.kind,
                            actor=e.actor_role,
                            summary=e.summary,
                            text_key=e.text_key,
                            params=e.params,
                        )
                        for e in timeline
                    ),
                    *(_reply_line(r) for r in replies),
                ],
                key=lambda line: line.at,
            ),
            "notes": notes,
        }
    )


def _reply_line(reply: ReplyOut) -> TimelineOut:
    """The municipality's reply as a line of the timeline (written by nobody here)."""
    return TimelineOut(
        at=reply.at,
        kind=KIND,
        actor=None,
        summary=reply.summary,
        text_key=reply.text_key,
        params=reply.params,
        topic=reply.topic,
        text=reply.text,
        attachments=reply.attachments,
    )


async def read_contact(
    conn: PooledConnection, principal: Principal, episode_id: str
) -> CitizenOut | None:
    """How to reach the citizen, as the episode recorded it; the read is audited. The caller
    has checked that the principal may see the citizen."""
    person = await episode_queries.citizen(conn, episode_id)
    await episode_queries.audit_read(
        conn,
        audit_id=f"read-{uuid.uuid4().hex}",
        actor_role=principal.role.value,
        actor_id=principal.id,
        episode_id=episode_id,
        what="read.citizen",
    )
    return None if person is None else CitizenOut.model_validate(person, from_attributes=True)
