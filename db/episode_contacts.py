"""Contact data as each episode recorded it (its row also marks a referral accepted)."""

from __future__ import annotations

import json

from db.connection import PooledConnection
from schemas.people import Actor

_RECORD = """
INSERT INTO episode_contacts
    (episode_id, citizen_id, name, phone, email, recorded_by_role, recorded_by_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (episode_id) DO NOTHING
"""

# Both or neither: the row changes and its audit entry is written in the same statement.
_CORRECT = """
WITH changed AS (
    UPDATE episode_contacts SET name = $2, phone = $3, email = $4
    WHERE episode_id = $1
    RETURNING episode_id
)
INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
SELECT $5, now(), $6, $7, 'citizen.contact_corrected', episode_id, $8::jsonb FROM changed
"""


async def record_contact(
    conn: PooledConnection,
    *,
    episode_id: str,
    citizen_id: str,
    name: str | None,
    phone: str | None,
    email: str | None,
    recorded_by: Actor,
) -> None:
    """The contact data the referral gave; a repeat of the referral changes nothing."""
    await conn.execute(
        _RECORD,
        episode_id,
        citizen_id,
        name,
        phone,
        email,
        recorded_by.role.value,
        recorded_by.id,
    )


async def correct_contact(
    conn: PooledConnection,
    *,
    episode_id: str,
    name: str,
    phone: str | None,
    email: str | None,
    fields: list[str],
    actor: Actor,
    audit_id: str,
) -> None:
    """Replace the episode's contact data and write the audit entry in one statement: who,
    when and which fields changed, never the values."""
    await conn.execute(
        _CORRECT,
        episode_id,
        name,
        phone,
        email,
        audit_id,
        actor.role.value,
        actor.id,
        json.dumps({"fields": fields}),
    )
