"""A staff member's session, begun the same way whether they signed in with a password or
through their organisation's identity provider: the old session of this browser ended, a new
one for eight hours in an HttpOnly cookie, and a redirect to where they were going."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import RedirectResponse

from api.auth import SESSION_COOKIE
from db.access import create_session, end_session
from db.connection import PooledConnection

SESSION_TTL = timedelta(hours=8)


def safe_next(target: str) -> str:
    """Only a path on this site (never `//elsewhere`): anything else goes to the start page."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


async def begin_session(
    conn: PooledConnection,
    request: Request,
    user_id: str,
    next_path: str,
    provider_id: str | None = None,
) -> RedirectResponse:
    """End this browser's old session, open a new one and redirect to `next_path`."""
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await end_session(conn, old)
    secret, _ = await create_session(conn, user_id, SESSION_TTL, provider_id)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response
