"""What the MedCom intake left in the database for a MessageHeader.id: the events recorded
under it (in the stay-scoped id form `medcom:<scope>:<header>` or the old `medcom:<header>`,
with an `@<episode>` for a second programme), and the messages kept for an operator."""

from __future__ import annotations

import json
from typing import Any

from db.pool import DatabasePool
from schemas.base import Frozen

# FHIR ids hold no LIKE wildcards ([A-Za-z0-9.-]), so the header can go into a pattern.
_EVENTS = """
SELECT event_id, episode_id, status, body::text AS body FROM events_received
WHERE event_id = 'medcom:' || $1 OR event_id LIKE 'medcom:' || $1 || '@%'
   OR event_id LIKE 'medcom:%:' || $1 OR event_id LIKE 'medcom:%:' || $1 || '@%'
ORDER BY received_at, event_id
"""


class Recorded(Frozen):
    event_id: str
    episode_id: str | None
    status: str
    body: str

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = json.loads(self.body)["payload"]
        return payload


async def events_under_header(pool: DatabasePool, message_header_id: str) -> list[Recorded]:
    """Every event recorded for a message with this MessageHeader.id, oldest first."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(_EVENTS, message_header_id)
    return [Recorded.model_validate(dict(r)) for r in rows]


async def listed_for_an_operator(pool: DatabasePool, bundle_id: str) -> list[str]:
    """The reasons a message (by Bundle.id) is listed for an operator."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT reason FROM medcom_attention WHERE bundle_id = $1 ORDER BY received_at",
            bundle_id,
        )
    return [r["reason"] for r in rows]
