"""Log-in sessions and API tokens in PostgreSQL; only hashes are stored."""

from __future__ import annotations

import hashlib
import secrets
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
    """A token that is neither expired nor revoked (its secret is never stored)."""

    token_id: str
    name: str
    role: str
    expires_at: datetime | None


def secret_digest(secret: str) -> str:
    """What is kept of a session or token secret: its SHA-256, never the secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def create_session(conn: PooledConnection, user_id: str, ttl: timedelta) -> tuple[str, str]:
    """A new session for the user; returns (session secret for the cookie, CSRF token)."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    await conn.execute(
        "INSERT INTO sessions (session_hash, user_id, csrf_token, expires_at)"
        " VALUES ($1, $2, $3, $4)",
        secret_digest(secret),
        user_id,
        csrf,
        datetime.now(UTC) + ttl,
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
    conn: PooledConnection, *, name: str, role: str, ttl: timedelta | None
) -> tuple[str, str]:
    """A new API token; returns (token id, the secret, shown once)."""
    token_id = f"tok-{secrets.token_hex(6)}"
    secret = f"hb_{secrets.token_urlsafe(32)}"
    expires = datetime.now(UTC) + ttl if ttl else None
    await conn.execute(
        "INSERT INTO api_tokens (token_id, name, role, token_hash, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        token_id,
        name,
        role,
        secret_digest(secret),
        expires,
    )
    return token_id, secret


async def token_record(conn: PooledConnection, secret: str) -> ApiToken | None:
    """The token behind a bearer secret, if it is neither expired nor revoked."""
    row = await conn.fetchrow(
        "SELECT token_id, name, role, expires_at FROM api_tokens WHERE token_hash = $1"
        " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())",
        secret_digest(secret),
    )
    return None if row is None else ApiToken.model_validate(dict(row))


async def revoke_token(conn: PooledConnection, token_id: str) -> bool:
    status: str = await conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_id = $1 AND revoked_at IS NULL",
        token_id,
    )
    return status.endswith(" 1")
