"""The demo's own rows: its fictional citizen and the first offer its episode made (the roster
itself is imported like any roster file, db/roster_import.py)."""

from __future__ import annotations

from db.connection import PooledConnection
from db.episode_contacts import record_contact
from schemas.base import Frozen
from schemas.people import Actor


class PeerOffer(Frozen):
    peer_id: str
    display_name: str


async def add_named_citizen(
    conn: PooledConnection, citizen_id: str, name: str, *, episode_id: str, recorded_by: Actor
) -> None:
    """A fictional citizen (no CPR number) whose name the demo episode recorded."""
    async with conn.transaction():
        await conn.execute("INSERT INTO citizens (citizen_id) VALUES ($1)", citizen_id)
        await record_contact(
            conn,
            episode_id=episode_id,
            citizen_id=citizen_id,
            name=name,
            phone=None,
            email=None,
            recorded_by=recorded_by,
        )


async def first_peer_offer(conn: PooledConnection, episode_id: str) -> PeerOffer | None:
    """The episode's first peer_offer task in the read model, if it is there yet."""
    row = await conn.fetchrow(
        "SELECT t.assignee_id AS peer_id,"
        " COALESCE(u.display_name, t.assignee_id) AS display_name"
        " FROM tasks t LEFT JOIN users u ON u.user_id = t.assignee_id"
        " WHERE t.episode_id = $1 AND t.kind = 'peer_offer'"
        " ORDER BY t.number, t.created_at LIMIT 1",
        episode_id,
    )
    return None if row is None else PeerOffer.model_validate(dict(row))
