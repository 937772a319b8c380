"""An episode's notes for the people who work with the citizen: scoped, audited on every read."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from api.principal import Principal
from api.scoping import NotesScope, may_read_notes
from db import notes as note_queries
from db.connection import PooledConnection
from db.notes import Note, NoteKind
from schemas.base import Frozen


class NoteOut(Frozen):
    """One note as callers see it (personal data)."""

    kind: NoteKind = Field(description="contact, concern, task (a decision note) or debrief")
    at: datetime = Field(description="When it was written (the event's occurred_at, the decision)")
    author_role: str | None
    author_id: str | None
    text: str = Field(repr=False)
    urgent: bool = Field(description="An urgent concern")
    task_id: str | None = Field(description="The concern task it raised, or the task decided")

    @classmethod
    def of(cls, note: Note) -> NoteOut:
        return cls.model_validate(note.model_dump(exclude={"task_kind"}))


async def readable_notes(
    conn: PooledConnection, principal: Principal, episode_id: str, scope: NotesScope
) -> list[Note] | None:
    """The episode's notes if the caller may read them (None: not theirs to read), newest
    first. The caller audits what it shows with audit_read."""
    if not may_read_notes(principal, scope):
        return None
    return await note_queries.episode_notes(conn, episode_id)


async def audit_read(
    conn: PooledConnection,
    principal: Principal,
    episode_id: str,
    shown: int,
    place: Literal["episode", "task_card"],
) -> None:
    """Every read of notes leaves a line: who, which episode, where, how many notes."""
    await note_queries.audit_notes_read(
        conn,
        actor_role=principal.role.value,
        actor_id=principal.id,
        episode_id=episode_id,
        notes=shown,
        place=place,
    )


async def notes_out(
    conn: PooledConnection, principal: Principal, episode_id: str, scope: NotesScope
) -> list[NoteOut] | None:
    """What the episode page and GET /api/episodes/{id} show: the notes with a text, or
    None (the section is absent) for callers who may not read them."""
    notes = await readable_notes(conn, principal, episode_id, scope)
    if notes is None:
        return None
    shown = [NoteOut.of(n) for n in notes if n.text]
    await audit_read(conn, principal, episode_id, len(shown), "episode")
    return shown
