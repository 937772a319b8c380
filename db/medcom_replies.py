"""The medcom_replies table: what the municipality wrote back to our CareCommunications (the
text is personal data, kept like notes: read by the people allowed, each read audited, emptied
with the citizen); and what checking a reply needs (whom a municipality's SOR code is, whom
our message was about)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen


class Reply(Frozen):
    """One reply as stored. `topic` and `text` are what the municipality wrote."""

    bundle_id: str
    message_header_id: str
    replied_to_header: str
    episode_id: str
    sender_sor: str
    thread_id: str
    category: str
    topic: str = Field(repr=False)
    text: str = Field(repr=False)
    attachments: int
    written_at: datetime
    received_at: datetime


class Addressees(Frozen):
    """Whom the message replied to was about and sent by: the episode's citizen's CPR (None
    once erased) and its ward's SOR code."""

    cpr: str | None = Field(repr=False)
    ward_sor: str | None


_COLUMNS = (
    "bundle_id, message_header_id, replied_to_header, episode_id, sender_sor, thread_id,"
    " category, topic, text, attachments, written_at, received_at"
)


async def was_received(conn: PooledConnection, bundle_id: str, message_header_id: str) -> bool:
    """Whether this transmission (Bundle.id, MessageHeader.id) was stored before."""
    found = await conn.fetchval(
        "SELECT 1 FROM medcom_replies WHERE bundle_id = $1 AND message_header_id = $2",
        bundle_id,
        message_header_id,
    )
    return found is not None


async def municipality_organisation(conn: PooledConnection, sor_code: str) -> str | None:
    """The organisation (a token may be bound to it) of the municipality with this SOR code."""
    found: str | None = await conn.fetchval(
        "SELECT organisation_id FROM municipalities WHERE sor_code = $1", sor_code
    )
    return found


async def addressees(conn: PooledConnection, episode_id: str) -> Addressees:
    """The citizen's CPR and the ward's SOR code of an episode (None where not known)."""
    row = await conn.fetchrow(
        "SELECT c.cpr, w.sor_code AS ward_sor FROM episodes e"
        " LEFT JOIN citizens c ON c.citizen_id = e.citizen_id"
        " LEFT JOIN wards w ON w.ward_id = e.ward_id WHERE e.episode_id = $1",
        episode_id,
    )
    return Addressees(cpr=None, ward_sor=None) if row is None else Addressees(**dict(row))


async def remember_reply(
    conn: PooledConnection,
    *,
    bundle_id: str,
    message_header_id: str,
    replied_to_header: str,
    episode_id: str,
    sender_sor: str,
    thread_id: str,
    category: str,
    topic: str,
    text: str,
    attachments: int,
    written_at: datetime,
) -> bool:
    """Keep the reply once; a repeat of the same (Bundle.id, MessageHeader.id) changes
    nothing. True when it was new."""
    status: str = await conn.execute(
        f"INSERT INTO medcom_replies ({_COLUMNS.removesuffix(', received_at')})"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        bundle_id,
        message_header_id,
        replied_to_header,
        episode_id,
        sender_sor,
        thread_id,
        category,
        topic,
        text,
        attachments,
        written_at,
    )
    return status.endswith(" 1")


async def episode_replies(conn: PooledConnection, episode_id: str) -> list[Reply]:
    """The episode's replies, in the order they were written."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM medcom_replies WHERE episode_id = $1"  # noqa: S608
        " ORDER BY written_at, received_at, message_header_id",
        episode_id,
    )
    return [Reply.model_validate(dict(r)) for r in rows]


async def audit_replies_read(
    conn: PooledConnection, *, actor_role: str, actor_id: str, episode_id: str, replies: int
) -> None:
    """Who read the municipality's replies of an episode and how many (never the text)."""
    await conn.execute(
        "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)"
        " VALUES ($1, now(), $2, $3, 'read.medcom_replies', $4, $5::jsonb)",
        f"replies-{uuid.uuid4().hex}",
        actor_role,
        actor_id,
        episode_id,
        json.dumps({"replies": replies}),
    )
