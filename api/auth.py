"""Who may call: session cookies for people, bearer tokens for systems, role checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from fastapi import Request

from api.errors import ApiError
from api.principal import Principal, TokenRole
from db.access import secret_digest, session_user, token_record
from db.pool import DatabasePool
from schemas.people import Role

SESSION_COOKIE = "hb_session"


class TokenCache:
    """Systems send a token with every request; looking it up each time was the API's most
    expensive query. A token found valid is trusted for TTL (or until it expires, if sooner):
    a revoked token stops working within that time in every API process."""

    TTL = timedelta(seconds=5)
    MAX_ENTRIES = 1000

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[Principal, datetime]] = {}

    def get(self, secret: str) -> Principal | None:
        key = secret_digest(secret)
        entry = self._entries.get(key)
        if entry is None:
            return None
        principal, until = entry
        if self._clock() >= until:
            del self._entries[key]
            return None
        return principal

    def put(self, secret: str, principal: Principal, expires_at: datetime | None) -> None:
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        until = self._clock() + self.TTL
        if expires_at is not None:
            until = min(until, expires_at)
        self._entries[secret_digest(secret)] = (principal, until)


def principal_from_user(user: asyncpg.Record, csrf_token: str | None = None) -> Principal:
    return Principal(
        id=user["user_id"],
        role=Role(user["role"]),
        display_name=user["display_name"],
        organisation_id=user["organisation_id"],
        ward_id=user["ward_id"],
        municipality_code=user["municipality_code"],
        service=user["service"],
        csrf_token=csrf_token,
    )


async def find_principal(request: Request) -> Principal | None:
    """The caller behind the bearer token or the session cookie, if any."""
    pool: DatabasePool = request.app.state.pool
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "Authorization: expected 'Bearer <token>'")
        tokens: TokenCache = request.app.state.tokens
        known = tokens.get(secret.strip())
        if known is not None:
            return known
        async with pool.acquire() as conn:
            token = await token_record(conn, secret.strip())
        if token is None:
            raise ApiError(401, "Authorization: the token is unknown, expired or revoked")
        principal = Principal(
            id=token["token_id"], role=TokenRole(token["role"]), display_name=token["name"]
        )
        tokens.put(secret.strip(), principal, token["expires_at"])
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        async with pool.acquire() as conn:
            user = await session_user(conn, cookie)
        if user is not None:
            return principal_from_user(user, user["csrf_token"])
    return None


async def require_principal(request: Request) -> Principal:
    principal = await find_principal(request)
    if principal is None:
        raise ApiError(401, "log in or send 'Authorization: Bearer <token>'")
    return principal


def require_role(*roles: Role | TokenRole) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that lets only the given roles through."""

    async def check(request: Request) -> Principal:
        principal = await require_principal(request)
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise ApiError(403, f"role {principal.role.value} may not do this (needs {allowed})")
        return principal

    return check
