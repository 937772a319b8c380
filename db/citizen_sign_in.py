"""The citizen's sign-in without a password: one-time links and codes sent to the contact an
open episode holds, citizen sessions, and their audit lines. Only digests of secrets and codes
are stored, and ids: an address is read from `episode_contacts` when a link is sent, never
copied here."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from db.access import secret_digest
from db.audit import Actor
from db.connection import PooledConnection
from schemas.base import Frozen
from schemas.episode import TERMINAL_PHASES
from schemas.notifications import Channel

_ENDED = sorted(p.value for p in TERMINAL_PHASES)
# One advisory lock per citizen (a space of its own, apart from the log-in throttle's), so
# two requests for links to the same citizen count each other's.
_CITIZEN_LOCKS = 7_023_001

LINK_TTL = timedelta(minutes=15)
# At most this many links to one citizen's address (per channel) within LINK_TTL.
LINKS_PER_ADDRESS = 3
# Wrong codes a link's code takes before it stops working (the link itself still does).
CODE_TRIES = 5
# At most this many citizens get a link for one typed address (a shared family phone).
CITIZENS_PER_ADDRESS = 5
# Links and sessions are kept this long after they ended, then the sweep deletes them.
KEEP_ENDED = timedelta(days=1)


class Contact(Frozen):
    """A citizen with an open episode whose recorded contact matches what was typed."""

    citizen_id: str
    episode_id: str
    address: str = Field(repr=False)


class EpisodeContact(Frozen):
    """How an episode can reach its citizen (personal data)."""

    citizen_id: str
    phone: str | None = Field(repr=False)
    email: str | None = Field(repr=False)


class NewLink(Frozen):
    """A link just issued: its secret and code exist only here and in the message."""

    link_id: str
    secret: str = Field(repr=False)
    code: str = Field(repr=False)
    citizen_id: str
    episode_id: str
    channel: Channel
    expires_at: datetime


class Refused(StrEnum):
    """Why a link or code did not sign anyone in (the audit's reason and the page's)."""

    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    WRONG_CODE = "wrong_code"


class LinkState(Frozen):
    """Where a link stands, for the page a link opens (nothing is changed by looking)."""

    link_id: str
    citizen_id: str
    refused: Refused | None


class NewSession(Frozen):
    """A new citizen session: the cookie's secret and the session's CSRF token."""

    citizen_id: str
    episode_id: str
    secret: str = Field(repr=False)
    csrf_token: str = Field(repr=False)


class CitizenSession(Frozen):
    """The citizen behind a session cookie, with the session's CSRF token and every episode
    of theirs (open or ended)."""

    citizen_id: str
    csrf_token: str = Field(repr=False)
    episodes: frozenset[str]


def code_digest(link_id: str, code: str) -> str:
    return hashlib.sha256(f"{link_id}:{code}".encode()).hexdigest()


# The newest open episode of each citizen whose recorded phone or e-mail is the one typed.
_MATCHING = """
SELECT DISTINCT ON (c.citizen_id) c.citizen_id, c.episode_id,
       CASE WHEN $1 = 'email' THEN c.email ELSE c.phone END AS address
FROM episode_contacts c
JOIN episodes e ON e.episode_id = c.episode_id
WHERE NOT (e.phase = ANY ($3::text[]))
  AND CASE WHEN $1 = 'email' THEN lower(btrim(c.email)) = lower(btrim($2))
           ELSE citizen_phone_key(c.phone) = citizen_phone_key($2) END
ORDER BY c.citizen_id, e.referred_at DESC
LIMIT $4
"""


async def contacts_matching(conn: PooledConnection, channel: Channel, typed: str) -> list[Contact]:
    """The citizens with an open episode whose contact is the address typed (an e-mail
    address in any case, a phone number with or without +45 and spaces)."""
    rows = await conn.fetch(_MATCHING, channel.value, typed, _ENDED, CITIZENS_PER_ADDRESS)
    return [Contact.model_validate(dict(r)) for r in rows]


async def episode_contact(conn: PooledConnection, episode_id: str) -> EpisodeContact | None:
    """The episode's contact data (None when it has none, e.g. after erasure)."""
    row = await conn.fetchrow(
        "SELECT citizen_id, phone, email FROM episode_contacts WHERE episode_id = $1",
        episode_id,
    )
    return None if row is None else EpisodeContact.model_validate(dict(row))


_AUDIT = """
INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action, episode_id, detail)
VALUES ($1, now(), $2, $3, $4, $5, $6::jsonb)
"""


async def audit(
    conn: PooledConnection,
    who: Actor,
    action: str,
    episode_id: str | None,
    detail: dict[str, str],
) -> None:
    """One audit line of the sign-in (ids and codes only in the detail)."""
    await conn.execute(
        _AUDIT,
        f"citizen-{uuid.uuid4().hex}",
        who.role,
        who.actor_id,
        action,
        episode_id,
        json.dumps(detail),
    )


async def issue_link(
    conn: PooledConnection, *, citizen_id: str, episode_id: str, channel: Channel, asked_by: Actor
) -> NewLink | None:
    """A new link and code for the citizen on this channel, audited as asked by `asked_by`;
    None when LINKS_PER_ADDRESS were issued on it within LINK_TTL already. Counted and
    written under the citizen's lock, so parallel requests cannot pass the limit together."""
    async with conn.transaction():
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))", _CITIZEN_LOCKS, citizen_id
        )
        recent: int = await conn.fetchval(
            "SELECT count(*) FROM citizen_sign_in_links WHERE citizen_id = $1"
            " AND channel = $2 AND created_at > now() - $3::interval",
            citizen_id,
            channel.value,
            LINK_TTL,
        )
        if recent >= LINKS_PER_ADDRESS:
            return None
        link_id = f"link-{uuid.uuid4().hex}"
        secret = secrets.token_urlsafe(32)
        code = f"{secrets.randbelow(1_000_000):06d}"
        expires_at: datetime = await conn.fetchval(
            "INSERT INTO citizen_sign_in_links (link_id, secret_hash, code_hash, citizen_id,"
            " episode_id, channel, asked_by_role, asked_by_id, expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + $9::interval)"
            " RETURNING expires_at",
            link_id,
            secret_digest(secret),
            code_digest(link_id, code),
            citizen_id,
            episode_id,
            channel.value,
            asked_by.role,
            asked_by.actor_id,
            LINK_TTL,
        )
        await audit(
            conn,
            asked_by,
            "citizen.sign_in_link_sent",
            episode_id,
            {"link_id": link_id, "channel": channel.value},
        )
    return NewLink(
        link_id=link_id,
        secret=secret,
        code=code,
        citizen_id=citizen_id,
        episode_id=episode_id,
        channel=channel,
        expires_at=expires_at,
    )


async def claim_unsent(conn: PooledConnection, link_id: str) -> bool:
    """Inside a transaction: lock the link's row if it is not sent yet (True), so one
    request sends it and a repeat finds it sent."""
    found = await conn.fetchval(
        "SELECT 1 FROM citizen_sign_in_links WHERE link_id = $1 AND sent_at IS NULL FOR UPDATE",
        link_id,
    )
    return found is not None


async def mark_sent(conn: PooledConnection, link_id: str) -> None:
    await conn.execute(
        "UPDATE citizen_sign_in_links SET sent_at = now(), attempts = attempts + 1,"
        " last_error = NULL WHERE link_id = $1",
        link_id,
    )


async def mark_failed(conn: PooledConnection, link_id: str, reason: str) -> None:
    """A failed attempt: `reason` is a code (an SMTP status, the gateway's HTTP status),
    never what a server said (it may echo the address)."""
    await conn.execute(
        "UPDATE citizen_sign_in_links SET attempts = attempts + 1, last_error = $2"
        " WHERE link_id = $1",
        link_id,
        reason,
    )


_STATE = """
SELECT link_id, citizen_id,
       CASE WHEN used_at IS NOT NULL THEN 'used'
            WHEN expires_at <= now() THEN 'expired' END AS refused
FROM citizen_sign_in_links WHERE secret_hash = $1
"""


async def link_state(conn: PooledConnection, secret: str) -> LinkState | None:
    """The link behind a secret and whether it still signs in (None: no such link)."""
    row = await conn.fetchrow(_STATE, secret_digest(secret))
    return None if row is None else LinkState.model_validate(dict(row))


_USE = """
UPDATE citizen_sign_in_links SET used_at = now()
WHERE link_id = $1 AND used_at IS NULL AND expires_at > now()
RETURNING episode_id
"""


async def sign_in_with_link(
    conn: PooledConnection, secret: str, session_ttl: timedelta
) -> NewSession | Refused:
    """Use the link once and start a session, or say why not; audited either way."""
    async with conn.transaction():
        state = await link_state(conn, secret)
        if state is None:
            await _refused(conn, None, None, Refused.UNKNOWN, "link")
            return Refused.UNKNOWN
        episode_id = await conn.fetchval(_USE, state.link_id)
        if episode_id is None:
            why = state.refused or Refused.USED
            await _refused(conn, state.citizen_id, state.link_id, why, "link")
            return why
        return await _start_session(
            conn, state.link_id, state.citizen_id, episode_id, session_ttl, "link"
        )


_CODE_CANDIDATES = """
SELECT l.link_id, l.code_hash, l.citizen_id FROM citizen_sign_in_links l
WHERE l.citizen_id = ANY ($1::text[]) AND l.channel = $2
  AND l.used_at IS NULL AND l.expires_at > now() AND l.code_failures < $3
FOR UPDATE
"""


async def sign_in_with_code(
    conn: PooledConnection, channel: Channel, typed: str, code: str, session_ttl: timedelta
) -> NewSession | Refused:
    """Sign in with the code of a live link sent to the address typed; a wrong code counts
    against every live link to that address (CODE_TRIES each). Audited either way."""
    async with conn.transaction():
        citizens = [c.citizen_id for c in await contacts_matching(conn, channel, typed)]
        candidates = await conn.fetch(_CODE_CANDIDATES, citizens, channel.value, CODE_TRIES)
        for row in candidates:
            if secrets.compare_digest(row["code_hash"], code_digest(row["link_id"], code)):
                episode_id = await conn.fetchval(_USE, row["link_id"])
                if episode_id is not None:
                    return await _start_session(
                        conn, row["link_id"], row["citizen_id"], episode_id, session_ttl, "code"
                    )
        await conn.execute(
            "UPDATE citizen_sign_in_links SET code_failures = code_failures + 1"
            " WHERE link_id = ANY ($1::text[])",
            [r["link_id"] for r in candidates],
        )
        who = citizens[0] if len(citizens) == 1 else None
        await _refused(conn, who, None, Refused.WRONG_CODE, "code")
        return Refused.WRONG_CODE


async def _refused(
    conn: PooledConnection, citizen_id: str | None, link_id: str | None, why: Refused, how: str
) -> None:
    """The audit line of a refused sign-in: the citizen when the link tells who, the reason
    code, never what was typed."""
    detail = {"reason": why.value, "with": how}
    if link_id is not None:
        detail["link_id"] = link_id
    await audit(
        conn,
        Actor(role="citizen", actor_id=citizen_id or "unknown"),
        "citizen.sign_in_refused",
        None,
        detail,
    )


async def _start_session(
    conn: PooledConnection,
    link_id: str,
    citizen_id: str,
    episode_id: str,
    session_ttl: timedelta,
    how: str,
) -> NewSession:
    secret, csrf = await create_citizen_session(conn, citizen_id, episode_id, session_ttl)
    await audit(
        conn,
        Actor(role="citizen", actor_id=citizen_id),
        "citizen.signed_in",
        episode_id,
        {"link_id": link_id, "with": how},
    )
    return NewSession(citizen_id=citizen_id, episode_id=episode_id, secret=secret, csrf_token=csrf)


async def create_citizen_session(
    conn: PooledConnection, citizen_id: str, episode_id: str, ttl: timedelta
) -> tuple[str, str]:
    """A new session for the citizen, ending `ttl` from now at the latest; returns (the
    cookie's secret, the CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    await conn.execute(
        "INSERT INTO citizen_sessions (session_hash, citizen_id, episode_id, csrf_token,"
        " expires_at) VALUES ($1, $2, $3, $4, now() + $5::interval)",
        secret_digest(secret),
        citizen_id,
        episode_id,
        csrf,
        ttl,
    )
    return secret, csrf


# A session is alive until its expiry and while it was used within the idle time; a request
# marks it used (at most once a minute, so reading pages does not write each time).
_SESSION = """
WITH s AS (
    SELECT session_hash, citizen_id, csrf_token, last_seen_at FROM citizen_sessions
    WHERE session_hash = $1 AND expires_at > now() AND last_seen_at > now() - $2::interval
), touched AS (
    UPDATE citizen_sessions c SET last_seen_at = now() FROM s
    WHERE c.session_hash = s.session_hash AND s.last_seen_at < now() - interval '1 minute'
)
SELECT s.citizen_id, s.csrf_token,
       ARRAY(SELECT episode_id FROM episode_contacts WHERE citizen_id = s.citizen_id
             UNION SELECT episode_id FROM episodes WHERE citizen_id = s.citizen_id) AS episodes
FROM s
"""


async def citizen_session(
    conn: PooledConnection, secret: str, idle: timedelta
) -> CitizenSession | None:
    row = await conn.fetchrow(_SESSION, secret_digest(secret), idle)
    return None if row is None else CitizenSession.model_validate(dict(row))


async def end_citizen_session(conn: PooledConnection, secret: str) -> str | None:
    """End the session; returns whose it was (None: no such session)."""
    citizen_id: str | None = await conn.fetchval(
        "DELETE FROM citizen_sessions WHERE session_hash = $1 RETURNING citizen_id",
        secret_digest(secret),
    )
    return citizen_id


async def forget_old_sign_ins(conn: PooledConnection, idle: timedelta) -> int:
    """Delete sessions that ended (expired or idle) and links that ended KEEP_ENDED ago;
    returns how many rows went."""
    sessions: str = await conn.execute(
        "DELETE FROM citizen_sessions WHERE expires_at <= now()"
        " OR last_seen_at <= now() - $1::interval",
        idle,
    )
    links: str = await conn.execute(
        "DELETE FROM citizen_sign_in_links WHERE expires_at < now() - $1::interval",
        KEEP_ENDED,
    )
    return int(sessions.rsplit(" ", 1)[1]) + int(links.rsplit(" ", 1)[1])
