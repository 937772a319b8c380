"""A citizen signed in by an OpenID Connect broker (MitID): the verified CPR number is looked
up in `citizens` (nothing new stores it) and starts the same citizen session as a one-time
link, for the newest open episode; the session then shows the citizen's own episodes only.
The audit lines name the citizen id, never the CPR number."""

from __future__ import annotations

from datetime import timedelta

from db.audit import Actor
from db.citizen_sign_in import NewSession, audit, create_citizen_session
from db.connection import PooledConnection
from schemas.episode import TERMINAL_PHASES

_ENDED = sorted(p.value for p in TERMINAL_PHASES)

# The citizen with this CPR number and their newest open episode (none: no row).
_OPEN_EPISODE = """
SELECT c.citizen_id, e.episode_id FROM citizens c
JOIN episodes e ON e.citizen_id = c.citizen_id
WHERE c.cpr = $1 AND NOT (e.phase = ANY ($2::text[]))
ORDER BY e.referred_at DESC
LIMIT 1
"""


async def sign_in_with_cpr(
    conn: PooledConnection, cpr: str, provider_id: str, session_ttl: timedelta
) -> NewSession | None:
    """A session for the citizen whose CPR number it is, if they have an open episode; None
    otherwise (no such citizen, or only ended episodes), audited either way."""
    async with conn.transaction():
        row = await conn.fetchrow(_OPEN_EPISODE, cpr, _ENDED)
        if row is None:
            known: str | None = await conn.fetchval(
                "SELECT citizen_id FROM citizens WHERE cpr = $1", cpr
            )
            await audit_broker_refusal(conn, provider_id, "no_episode", known)
            return None
        citizen_id, episode_id = row["citizen_id"], row["episode_id"]
        secret, csrf = await create_citizen_session(conn, citizen_id, episode_id, session_ttl)
        await audit(
            conn,
            Actor(role="citizen", actor_id=citizen_id),
            "citizen.signed_in",
            episode_id,
            {"with": "broker", "provider": provider_id},
        )
    return NewSession(citizen_id=citizen_id, episode_id=episode_id, secret=secret, csrf_token=csrf)


async def audit_broker_refusal(
    conn: PooledConnection, provider_id: str, reason: str, citizen_id: str | None = None
) -> None:
    """A refused broker sign-in: the citizen id when the CPR number is a known citizen's,
    the provider and the reason code."""
    await audit(
        conn,
        Actor(role="citizen", actor_id=citizen_id or "unknown"),
        "citizen.sign_in_refused",
        None,
        {"reason": reason, "with": "broker", "provider": provider_id},
    )
