"""Log-in and log-out pages: password check, a wait after failed attempts, session cookie; the
buttons for the identity providers (api/web/staff_sign_in), and an organisation that has
switched password log-in off."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta
from functools import cache

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from api.auth import SESSION_COOKIE, MaybeCaller
from api.dependencies import Pool
from api.login_throttle import LOGIN_POLICY
from api.oidc_client import PROVIDERS
from api.passwords import hash_password, verify_password
from api.web.guard import LoginRoute, PageRoute, field, home_of
from api.web.rendering import render
from api.web.staff_session import begin_session, safe_next
from db.access import end_session, secret_digest
from db.connection import PooledConnection
from db.identity_providers import active_providers, provider, session_provider
from db.login_attempts import claim_check, record_outcome
from db.logins import login_account
from db.pool import DatabasePool

log = structlog.get_logger(__name__)
router = APIRouter(route_class=PageRoute, include_in_schema=False)
# Log-in comes before any session, so its form carries the token its own page set instead.
login_router = APIRouter(route_class=LoginRoute, include_in_schema=False)

# A log-in form is only accepted with the token its page set (no log-in CSRF).
LOGIN_COOKIE = "hb_login"
# Set by a successful log-in: this browser's attempts for that user are throttled on their own,
# apart from strangers failing from the same address.
DEVICE_COOKIE = "hb_device"


@cache
def _decoy_hash() -> str:
    """Checked when the user id is unknown, so timing does not tell which part was wrong."""
    return hash_password(secrets.token_urlsafe(16))


async def _login_page(
    request: Request,
    pool: DatabasePool,
    *,
    conn: PooledConnection | None = None,
    problem: str | None = None,
    status: int = 200,
    user_id: str = "",
    minutes: int = 0,
) -> Response:
    token = secrets.token_urlsafe(24)
    next_path = safe_next(request.query_params.get("next", "/"))
    if conn is None:
        async with pool.acquire() as own:
            providers = await active_providers(own)
    else:
        providers = await active_providers(conn)
    response = render(
        request,
        "login.html",
        {
            "problem": problem,
            "minutes": minutes,
            "login_token": token,
            "user_id": user_id,
            "next_path": next_path,
            "providers": providers,
        },
        status=status,
        path="/login",
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


async def _wait_page(
    request: Request, pool: DatabasePool, conn: PooledConnection, wait: timedelta, user_id: str
) -> Response:
    """429 with the wait in whole minutes (at least one) and in Retry-After."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    problem = "login.locked_minute" if minutes == 1 else "login.locked"
    response = await _login_page(
        request, pool, conn=conn, problem=problem, status=429, user_id=user_id, minutes=minutes
    )
    response.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
    return response


@router.get("/")
async def root(principal: MaybeCaller) -> Response:
    return RedirectResponse(home_of(principal) if principal else "/login", status_code=303)


@login_router.get("/login")
async def login_form(request: Request, pool: Pool) -> Response:
    return await _login_page(request, pool)


@login_router.post("/login")
async def login(request: Request, pool: Pool) -> Response:
    form = await request.form()
    sent, kept = field(form, "login_token"), request.cookies.get(LOGIN_COOKIE, "")
    if not sent or not kept or not secrets.compare_digest(sent, kept):
        return await _login_page(request, pool, problem="login.stale", status=403)
    user_id = field(form, "user_id")[:128]
    raw_password = form.get("password")
    password = raw_password if isinstance(raw_password, str) else ""
    # Behind a trusted proxy uvicorn has already put the real client's address here.
    client = request.client.host if request.client else ""
    device = request.cookies.get(DEVICE_COOKIE) or secrets.token_urlsafe(32)
    async with pool.acquire() as conn:
        claim = await claim_check(conn, user_id, client, secret_digest(device), LOGIN_POLICY)
        if claim.attempt_id is None:
            log.info(
                "log-in refused until a wait is over", wait_seconds=int(claim.wait.total_seconds())
            )
            return await _wait_page(request, pool, conn, claim.wait, user_id)
        account = await login_account(conn, user_id)
        if account is not None and not account.password_login:
            # Its organisation signs its staff in through its identity provider only.
            await record_outcome(conn, claim.attempt_id, False)
            return await _login_page(
                request, pool, conn=conn, problem="login.password_off", status=403, user_id=user_id
            )
    stored = account.password_hash if account is not None and account.password_hash else None
    matches = await run_in_threadpool(verify_password, stored or _decoy_hash(), password)
    succeeded = matches and stored is not None
    async with pool.acquire() as conn:
        await record_outcome(conn, claim.attempt_id, succeeded)
        if not succeeded:
            return await _login_page(
                request, pool, conn=conn, problem="login.wrong", status=401, user_id=user_id
            )
        response = await begin_session(conn, request, user_id, field(form, "next"))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=int(LOGIN_POLICY.known_for.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.post("/logout")
async def logout(request: Request, pool: Pool) -> Response:
    """Only a logged-in caller's form, with its CSRF token, gets here (PageRoute). A session
    signed in through an identity provider also ends there, if the provider says where."""
    secret = request.cookies.get(SESSION_COOKIE, "")
    async with pool.acquire() as conn:
        provider_id = await session_provider(conn, secret)
        chosen = None if provider_id is None else await provider(conn, provider_id)
        await end_session(conn, secret)
    back = str(request.base_url).rstrip("/") + "/login"
    there = None if chosen is None else await PROVIDERS.end_session_url(chosen, back)
    response = RedirectResponse(there or "/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
