"""Citizens: the only table with CPR numbers; everything else uses citizen_id."""

from __future__ import annotations

import uuid

from db.connection import PooledConnection
from schemas.episode import TERMINAL_PHASES

_ENDED = sorted(p.value for p in TERMINAL_PHASES)

# An accepted referral counts as open from the moment its contact row exists (before the
# episode's first commit puts it in `episodes`) until the episode reaches an ending phase.
# Its programme is the read model's, or before the first commit its referral's; a referral
# recorded without its episode id (before issue 14) counts as the programme asked about.
_OPEN_IN_PROGRAMME = """
SELECT c.episode_id FROM episode_contacts c
LEFT JOIN episodes e ON e.episode_id = c.episode_id
LEFT JOIN events_received r
       ON r.citizen_id = c.citizen_id AND r.episode_id = c.episode_id
      AND r.event_type = 'referral_created'
WHERE c.citizen_id = $1 AND c.episode_id <> $2
  AND (e.phase IS NULL OR NOT (e.phase = ANY ($3::text[])))
  AND COALESCE(e.programme, r.body #>> '{payload,programme}', $4) = $4
ORDER BY c.recorded_at DESC
"""


async def upsert_citizen(conn: PooledConnection, *, cpr: str) -> str:
    """The citizen_id for this CPR number, creating the row when it is new.

    Contact data is not kept here: it belongs to the episode that recorded it
    (`db.episode_contacts`). Inside a transaction the citizen's row stays locked until the
    transaction ends (the no-op update takes the lock), so referrals for one citizen are
    checked one after the other."""
    citizen_id: str = await conn.fetchval(
        "INSERT INTO citizens (citizen_id, cpr) VALUES ($1, $2)"
        " ON CONFLICT (cpr) DO UPDATE SET cpr = EXCLUDED.cpr"
        " RETURNING citizen_id",
        uuid.uuid4().hex,
        cpr,
    )
    return citizen_id


async def open_episodes_in_programme(
    conn: PooledConnection, citizen_id: str, programme: str, *, besides: str
) -> list[str]:
    """The citizen's episodes in this programme that have not ended, newest first, other
    than `besides` (the episode a referral would start). Call it inside the transaction that
    locked the citizen (`upsert_citizen`) and records the new episode's contact row, so two
    referrals cannot both find none. Episodes in other programmes do not count: a citizen
    may be in two programmes at once."""
    rows = await conn.fetch(_OPEN_IN_PROGRAMME, citizen_id, besides, _ENDED, programme)
    return [r["episode_id"] for r in rows]
