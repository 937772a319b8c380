"""Who may call: session cookies for people, bearer tokens for systems, role checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from api.dependencies import Pool, Tokens
from api.errors import ApiError
from api.principal import Binding, Principal, TokenRole
from api.token_cache import TokenCache
from db.access import SessionUser, session_user, token_record
from db.citizen_sign_in import citizen_session
from db.partnerships import supervised_episodes
from db.pool import DatabasePool
from db.tasks import escalated_from_partners
from schemas.people import Role

SESSION_COOKIE = "hb_session"
# A citizen signed in with a one-time link (api/web/citizen_sign_in.py) has a cookie of its
# own; their session ends after this long without a request (and 8 hours after signing in).
CITIZEN_COOKIE = "hb_citizen"
CITIZEN_IDLE = timedelta(hours=2)
# People who are not staff: no staff page or JSON API route lets them in.
NOT_STAFF = frozenset({Role.CITIZEN, Role.RELATIVE})


def principal_from_user(user: SessionUser, csrf_token: str | None = None) -> Principal:
    return Principal(
        id=user.user_id,
        role=Role(user.role),
        display_name=user.display_name,
        organisation_id=user.organisation_id,
        ward_id=user.ward_id,
        municipality_code=user.municipality_code,
        service=user.service,
        csrf_token=csrf_token,
    )


async def find_principal(
    request: Request, pool: DatabasePool, tokens: TokenCache
) -> Principal | None:
    """The caller behind the bearer token or the session cookie, if any."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, "Authorization: expected 'Bearer <token>'")
        known = tokens.get(secret.strip())
        if known is not None:
            return known
        async with pool.acquire() as conn:
            token = await token_record(conn, secret.strip())
        if token is None:
            raise ApiError(401, "Authorization: the token is unknown, expired or revoked")
        principal = Principal(
            id=token.token_id,
            role=TokenRole(token.role),
            display_name=token.name,
            binding=Binding(
                organisations=token.organisations, wards=token.wards, sor_codes=token.sor_codes
            ),
        )
        tokens.put(secret.strip(), principal, token.expires_at)
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        async with pool.acquire() as conn:
            user = await session_user(conn, cookie)
            if user is not None:
                principal = principal_from_user(user, user.csrf_token)
                if user.role != Role.COORDINATOR:
                    return principal
                return principal.model_copy(
                    update={
                        "escalated_episodes": await escalated_from_partners(
                            conn, user.organisation_id
                        ),
                        "supervised_episodes": await supervised_episodes(
                            conn, user.organisation_id
                        ),
                    }
                )
    citizen_cookie = request.cookies.get(CITIZEN_COOKIE)
    if citizen_cookie:
        async with pool.acquire() as conn:
            citizen = await citizen_session(conn, citizen_cookie, CITIZEN_IDLE)
        if citizen is not None:
            return Principal(
                id=citizen.citizen_id,
                role=Role.CITIZEN,
                csrf_token=citizen.csrf_token,
                citizen_episodes=citizen.episodes,
            )
    return None


async def optional_principal(request: Request, pool: Pool, tokens: Tokens) -> Principal | None:
    """The caller if they identified themselves; FastAPI asks once per request."""
    return await find_principal(request, pool, tokens)


MaybeCaller = Annotated[Principal | None, Depends(optional_principal)]


async def require_principal(principal: MaybeCaller) -> Principal:
    """Staff and systems: a citizen's session opens none of the JSON API."""
    if principal is None:
        raise ApiError(401, "log in or send 'Authorization: Bearer <token>'")
    if principal.role in NOT_STAFF:
        raise ApiError(403, f"role {principal.role.value} may not open this page")
    return principal


Caller = Annotated[Principal, Depends(require_principal)]


def require_role(*roles: Role | TokenRole) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only the given roles through."""

    async def check(principal: Caller) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise ApiError(403, f"role {principal.role.value} may not do this (needs {allowed})")
        return principal

    return check
