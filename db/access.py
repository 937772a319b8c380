"""Log-in sessions and API tokens in PostgreSQL; only hashes are stored."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pydantic import Field

from db.connection import PooledConnection
from schemas.base import Frozen


class SessionUser(Frozen):
    """The active person behind a session, with the session's CSRF token."""

    user_id: str
    role: str
    display_name: str
    organisation_id: str | None
    ward_id: str | None
    municipality_code: str | None
    service: str | None
    csrf_token: str = Field(repr=False)


class ApiToken(Frozen):
    """A token that is neither expired nor revoked (its secret is never stored), with whom it
    may speak for: its organisations, and the wards (and their SOR codes) those organisations
    hold or the token is bound to by SOR code. A token bound to nothing speaks for nobody."""

    token_id: str
    name: str
    role: str
    expires_at: datetime | None
    organisations: frozenset[str] = frozenset()
    wards: frozenset[str] = frozenset()
    sor_codes: frozenset[str] = frozenset()


def secret_digest(secret: str) -> str:
    """What is kept of a session or token secret: its SHA-256, never the secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def create_session(
    conn: PooledConnection, user_id: str, ttl: timedelta, provider_id: str | None = None
) -> tuple[str, str]:
    """A new session for the user (signed in through `provider_id`, or with a password);
    returns (session secret for the cookie, CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    await conn.execute(
        "INSERT INTO sessions (session_hash, user_id, csrf_token, expires_at, provider_id)"
        " VALUES ($1, $2, $3, $4, $5)",
        secret_digest(secret),
        user_id,
        csrf,
        datetime.now(UTC) + ttl,
        provider_id,
    )
    return secret, csrf


async def session_user(conn: PooledConnection, secret: str) -> SessionUser | None:
    """The active user behind a session cookie, with the session's CSRF token."""
    row = await conn.fetchrow(
        "SELECT u.user_id, u.role, u.display_name, u.organisation_id, u.ward_id,"
        " u.municipality_code, u.service, s.csrf_token"
        " FROM sessions s JOIN users u USING (user_id)"
        " WHERE s.session_hash = $1 AND s.expires_at > now() AND u.active",
        secret_digest(secret),
    )
    return None if row is None else SessionUser.model_validate(dict(row))


async def end_session(conn: PooledConnection, secret: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE session_hash = $1", secret_digest(secret))


async def end_expired_sessions(conn: PooledConnection) -> int:
    """Delete every session past its expiry (none of them lets anyone in); returns how many."""
    status: str = await conn.execute("DELETE FROM sessions WHERE expires_at <= now()")
    return int(status.rsplit(" ", 1)[1])


async def create_token(
    conn: PooledConnection,
    *,
    name: str,
    role: str,
    ttl: timedelta | None,
    sor_codes: Sequence[str] = (),
    organisations: Sequence[str] = (),
) -> tuple[str, str]:
    """A new API token bound to the given ward SOR codes and organisations (both known here;
    the foreign keys refuse others); returns (token id, the secret, shown once)."""
    token_id = f"tok-{secrets.token_hex(6)}"
    secret = f"hb_{secrets.token_urlsafe(32)}"
    expires = datetime.now(UTC) + ttl if ttl else None
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO api_tokens (token_id, name, role, token_hash, expires_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            token_id,
            name,
            role,
            secret_digest(secret),
            expires,
        )
        await bind_token(conn, token_id, sor_codes=sor_codes, organisations=organisations)
    return token_id, secret


async def bind_token(
    conn: PooledConnection,
    token_id: str,
    *,
    sor_codes: Sequence[str] = (),
    organisations: Sequence[str] = (),
) -> bool:
    """Let an active token also speak for these ward SOR codes and organisations (a binding it
    has already is kept once); False if no active token has that id."""
    async with conn.transaction():
        active = await conn.fetchval(
            "SELECT 1 FROM api_tokens WHERE token_id = $1 AND revoked_at IS NULL"
            " AND (expires_at IS NULL OR expires_at > now()) FOR UPDATE",
            token_id,
        )
        if active is None:
            return False
        await conn.execute(
            "INSERT INTO api_token_senders (token_id, sor_code)"
            " SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            token_id,
            list(sor_codes),
        )
        await conn.execute(
            "INSERT INTO api_token_senders (token_id, organisation_id)"
            " SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING",
            token_id,
            list(organisations),
        )
    return True


async def unknown_senders(
    conn: PooledConnection, sor_codes: Sequence[str], organisations: Sequence[str]
) -> tuple[list[str], list[str]]:
    """(SOR codes no ward has, organisation ids not in the roster), each in the order given."""
    known_sor = {
        r["sor_code"]
        for r in await conn.fetch(
            "SELECT sor_code FROM wards WHERE sor_code = ANY($1::text[])", list(sor_codes)
        )
    }
    known_org = {
        r["organisation_id"]
        for r in await conn.fetch(
            "SELECT organisation_id FROM organisations WHERE organisation_id = ANY($1::text[])",
            list(organisations),
        )
    }
    return (
        [s for s in sor_codes if s not in known_sor],
        [o for o in organisations if o not in known_org],
    )


# One statement per authentication: the token and whom it speaks for. A ward is covered when
# the token is bound to its SOR code or to its organisation (a region covers its wards); a
# token bound to a municipality's organisation speaks for that municipality's SOR code (its
# Acknowledgements and replies to what we sent it).
_TOKEN_RECORD = """
WITH t AS (
    SELECT token_id, name, role, expires_at FROM api_tokens
    WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
), bound AS (
    SELECT s.sor_code, s.organisation_id FROM api_token_senders s JOIN t USING (token_id)
), covered AS (
    SELECT w.ward_id, w.sor_code FROM wards w
    WHERE EXISTS (
        SELECT 1 FROM bound b
        WHERE b.organisation_id = w.organisation_id OR b.sor_code = w.sor_code
    )
)
SELECT t.token_id, t.name, t.role, t.expires_at,
       ARRAY(SELECT organisation_id FROM bound WHERE organisation_id IS NOT NULL)
           AS organisations,
       ARRAY(SELECT ward_id FROM covered) AS wards,
       ARRAY(SELECT sor_code FROM covered WHERE sor_code IS NOT NULL
             UNION SELECT m.sor_code FROM municipalities m JOIN bound b USING (organisation_id)
             WHERE m.sor_code IS NOT NULL) AS sor_codes
FROM t
"""


async def token_record(conn: PooledConnection, secret: str) -> ApiToken | None:
    """The token behind a bearer secret, if it is neither expired nor revoked."""
    row = await conn.fetchrow(_TOKEN_RECORD, secret_digest(secret))
    return None if row is None else ApiToken.model_validate(dict(row))


async def revoke_token(conn: PooledConnection, token_id: str) -> bool:
    status: str = await conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_id = $1 AND revoked_at IS NULL",
        token_id,
    )
    return status.endswith(" 1")
