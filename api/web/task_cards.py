"""What a task card shows beside its form: a concern task its concern's note (urgent ones
also how to reach the citizen), a debrief card the episode's debrief notes. Read scoped and
audited like the episode page."""

from __future__ import annotations

from collections.abc import Sequence

from api.episode_details import CitizenOut, read_contact
from api.episode_notes import NoteOut, audit_read, readable_notes
from api.principal import Principal
from api.scoping import may_see_citizen
from db import episode_queries
from db.notes import Note
from db.pool import DatabasePool
from db.tasks import OpenTask
from schemas.base import Frozen
from schemas.tasks import TaskKind

# Cards that carry notes.
WITH_NOTES = frozenset({TaskKind.CONCERN, TaskKind.DEBRIEF})


class CardNotes(Frozen):
    """The notes one card shows; `citizen` only on an urgent concern."""

    notes: list[NoteOut]
    urgent: bool
    citizen: CitizenOut | None


def notes_of(task: OpenTask, notes: Sequence[Note]) -> list[Note]:
    """A concern card: the concern that raised the task. A debrief card: the debrief notes."""
    if task.kind == TaskKind.CONCERN:
        return [n for n in notes if n.kind == "concern" and n.task_id == task.task_id]
    return [n for n in notes if n.kind == "debrief" and n.text]


async def card_notes(
    pool: DatabasePool, principal: Principal, tasks: Sequence[OpenTask]
) -> dict[str, CardNotes]:
    """task id -> what its card shows, for the cards the caller may read notes on."""
    by_episode: dict[str, list[OpenTask]] = {}
    for task in tasks:
        if task.kind in WITH_NOTES:
            by_episode.setdefault(task.episode_id, []).append(task)
    cards: dict[str, CardNotes] = {}
    async with pool.acquire() as conn:
        for episode_id, episode_tasks in by_episode.items():
            episode = await episode_queries.episode(conn, episode_id)
            if episode is None:
                continue
            notes = await readable_notes(conn, principal, episode_id, episode)
            if notes is None:
                continue
            shown = 0
            for task in episode_tasks:
                mine = notes_of(task, notes)
                urgent = any(n.urgent for n in mine)
                citizen = None
                if urgent and may_see_citizen(principal, episode):
                    citizen = await read_contact(conn, principal, episode_id)
                shown += sum(1 for n in mine if n.text)
                cards[task.task_id] = CardNotes(
                    notes=[NoteOut.of(n) for n in mine if n.text], urgent=urgent, citizen=citizen
                )
            await audit_read(conn, principal, episode_id, shown, "task_card")
    return cards
