"""A change through the JSON API signed in by the session cookie must show it came from our
own pages: a JSON body (which a browser sends across sites only after asking, and we never
allow) or the session's CSRF token in X-CSRF-Token."""

from __future__ import annotations

import secrets

import asyncpg
from starlette.requests import HTTPConnection
from starlette.types import Scope

from api.auth import SESSION_COOKIE
from api.dependencies import services_of
from api.input_checks import Refusal
from db.access import session_user
from db.connection import CONNECTION_LOST

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
_UNAVAILABLE: tuple[type[Exception], ...] = (
    *CONNECTION_LOST,
    asyncpg.CannotConnectNowError,
    ConnectionError,
    TimeoutError,
)


def is_json_media_type(content_type: str | None) -> bool:
    """application/json, or a JSON-based type such as application/fhir+json."""
    if content_type is None:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


async def check_session_csrf(scope: Scope) -> None:
    """403 for an unsafe request the session cookie signs in (no Authorization header, the
    way api.auth decides) that is neither JSON nor carries this session's token, whatever
    its body (an empty one too)."""
    if scope["method"] not in UNSAFE_METHODS:
        return
    # Read as api.auth reads them, so both agree on who is calling.
    connection = HTTPConnection(scope)
    headers, cookie = connection.headers, connection.cookies.get(SESSION_COOKIE)
    if headers.get("authorization", "") or not cookie:
        return  # a bearer token (no browser sends one by itself), or nobody signed in
    if is_json_media_type(headers.get("content-type")):
        return
    sent = headers.get(CSRF_HEADER.lower(), "")
    if sent and await _session_token_is(scope, cookie, sent):
        return
    raise Refusal(
        403,
        CSRF_HEADER,
        "a change signed in by the session cookie must be sent as application/json or "
        "carry this session's CSRF token in the X-CSRF-Token header",
    )


async def _session_token_is(scope: Scope, cookie: str, sent: str) -> bool:
    services = services_of(scope["app"])
    try:
        async with services.pool.acquire() as conn:
            user = await session_user(conn, cookie)
    except _UNAVAILABLE:
        raise Refusal(503, "database", "unavailable; try again shortly") from None
    expected = user.csrf_token if user is not None else None
    return bool(expected) and secrets.compare_digest(sent.encode(), (expected or "").encode())
