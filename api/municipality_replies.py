"""What the municipality wrote back (MedCom CareCommunication replies) as an episode's timeline
shows it: the text to the people allowed to read it, each read audited; to others only that
the municipality replied."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from api.principal import Principal
from api.scoping import NotesScope, may_read_notes, may_see_episode
from db import medcom_replies
from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.people import Role

# The timeline entry's kind and its line's keys (api/web/medcom_reply_texts.py has the texts).
KIND = "municipality_reply"
LINE = "reply.line"
LINE_ABOUT = "reply.line_about"
ENGLISH = {LINE: "The municipality replied", LINE_ABOUT: "The municipality replied ({category})"}


class ReplyOut(Frozen):
    """One reply as the caller may see it: the category, topic and text only to readers."""

    at: datetime
    category: str | None = None
    topic: str | None = Field(default=None, repr=False)
    text: str | None = Field(default=None, repr=False)
    attachments: int | None = None

    @property
    def text_key(self) -> str:
        return LINE if self.category is None else LINE_ABOUT

    @property
    def params(self) -> dict[str, str]:
        return {} if self.category is None else {"category": self.category}

    @property
    def summary(self) -> str:
        """The line in English (a code as it is): what TimelineOut.summary says."""
        return ENGLISH[self.text_key].format(**self.params)


def may_read_replies(p: Principal, episode: NotesScope) -> bool:
    """A reply is addressed to the ward that wrote to the municipality, so the episode's ward
    staff read it whatever the phase; the coordinators of the episode's organisation and the
    assigned peer read it as they read notes (api/scoping.may_read_notes). Caseworkers (their
    slice has no timeline), operators and systems never read what the municipality wrote."""
    if p.role == Role.WARD:
        return may_see_episode(p, episode)
    return may_read_notes(p, episode)


async def replies_out(
    conn: PooledConnection, principal: Principal, episode_id: str, scope: NotesScope
) -> list[ReplyOut]:
    """The episode's replies for its timeline, oldest first: with category, topic and text
    for those who may read them (the read is audited when there is something to read), else
    only when the municipality replied."""
    replies = await medcom_replies.episode_replies(conn, episode_id)
    if not replies:
        return []
    if not may_read_replies(principal, scope):
        return [ReplyOut(at=r.written_at) for r in replies]
    await medcom_replies.audit_replies_read(
        conn,
        actor_role=principal.role.value,
        actor_id=principal.id,
        episode_id=episode_id,
        replies=len(replies),
    )
    return [
        ReplyOut(
            at=r.written_at,
            category=r.category,
            topic=r.topic,
            text=r.text,
            attachments=r.attachments,
        )
        for r in replies
    ]
