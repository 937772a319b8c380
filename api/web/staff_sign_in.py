"""Staff sign in through their organisation's identity provider (OpenID Connect,
authorization code flow with PKCE). /login/sso/<provider> sends the browser there with a
single-use state (kept as a digest, and in a cookie of this browser) and nonce; the callback
checks both, exchanges the code, checks the ID token (api/id_token) and ends by creating the
same local session a password log-in creates. Every refusal is a page in the catalog's words
(never a traceback) and an audit line."""

from __future__ import annotations

import secrets
from datetime import timedelta

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from api.auth import SESSION_COOKIE
from api.dependencies import Pool
from api.id_token import TokenRefused, has_key, key_id, verified_claims
from api.oidc_client import PROVIDERS, ProviderDown, pkce_pair
from api.sso_accounts import audit_refusal, signed_in_user
from api.web.guard import LoginRoute
from api.web.rendering import render
from db.access import create_session, end_session
from db.identity_providers import PendingSignIn, begin_sign_in, provider, take_sign_in

log = structlog.get_logger(__name__)
router = APIRouter(route_class=LoginRoute, include_in_schema=False)

SESSION_TTL = timedelta(hours=8)
SIGN_IN_TTL = timedelta(minutes=10)
STATE_COOKIE = "hb_sso"
CALLBACK = "/login/sso/callback"
_PARAM_MAX = 2048


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


def callback_url(request: Request) -> str:
    """The redirect URI registered at the provider: this site's callback."""
    return str(request.base_url).rstrip("/") + CALLBACK


def refused_page(request: Request, problem: str, status: int) -> Response:
    response = render(
        request, "sso_refused.html", {"problem": problem}, status=status, path=request.url.path
    )
    response.delete_cookie(STATE_COOKIE, path="/login/sso")
    return response


@router.get(CALLBACK)
async def callback(request: Request, pool: Pool) -> Response:
    params = request.query_params
    state, code, error = params.get("state", ""), params.get("code", ""), params.get("error")
    kept = request.cookies.get(STATE_COOKIE, "")
    if error is not None and not state:
        # Some providers leave the state out of an error answer: this browser's own is meant.
        state = kept
    if not state or len(state) > _PARAM_MAX or (not code and error is None):
        return refused_page(request, "sso.bad_request", 400)
    if not kept or not secrets.compare_digest(kept, state):
        return refused_page(request, "sso.stale", 403)
    async with pool.acquire() as conn:
        pending = await take_sign_in(conn, state)
        chosen = None if pending is None else await provider(conn, pending.provider_id)
        if pending is not None and chosen is not None and error is not None:
            await audit_refusal(conn, chosen.provider_id, "unknown", "provider_error")
    if pending is None or chosen is None:
        return refused_page(request, "sso.stale", 403)
    if error is not None:
        return refused_page(request, "sso.denied", 401)
    if len(code) > _PARAM_MAX:
        return refused_page(request, "sso.bad_request", 400)
    try:
        id_token = await PROVIDERS.exchange(
            chosen,
            code=code,
            redirect_uri=callback_url(request),
            code_verifier=pending.code_verifier,
        )
        keys = await PROVIDERS.keys(chosen)
        if not has_key(keys, key_id(id_token)):
            keys = await PROVIDERS.keys(chosen, fresh=True)
        claims = verified_claims(
            id_token, keys, issuer=chosen.issuer, client_id=chosen.client_id, nonce=pending.nonce
        )
    except ProviderDown:
        return refused_page(request, "sso.down", 503)
    except TokenRefused as refused:
        log.info("ID token refused", provider=chosen.provider_id, reason=refused.refusal.value)
        async with pool.acquire() as conn:
            await audit_refusal(conn, chosen.provider_id, "unknown", refused.refusal.value)
        return refused_page(request, "sso.token", 401)
    async with pool.acquire() as conn:
        async with conn.transaction():
            user_id = await signed_in_user(conn, chosen, claims)
        if user_id is None:
            return refused_page(request, "sso.no_role", 403)
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            await end_session(conn, old)
        secret, _ = await create_session(conn, user_id, SESSION_TTL, chosen.provider_id)
    response = RedirectResponse(_safe_next(pending.next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(STATE_COOKIE, path="/login/sso")
    return response


@router.get("/login/sso/{provider_id}")
async def start(provider_id: str, request: Request, pool: Pool) -> Response:
    """To the provider, with a new state, nonce and PKCE challenge."""
    async with pool.acquire() as conn:
        chosen = await provider(conn, provider_id[:64])
    if chosen is None:
        return refused_page(request, "sso.unknown_provider", 404)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair()
    try:
        target = await PROVIDERS.authorization_url(
            chosen,
            redirect_uri=callback_url(request),
            state=state,
            nonce=nonce,
            code_challenge=challenge,
        )
    except ProviderDown:
        return refused_page(request, "sso.down", 503)
    next_path = _safe_next(request.query_params.get("next", "/"))[:_PARAM_MAX]
    async with pool.acquire() as conn:
        await begin_sign_in(
            conn,
            state,
            PendingSignIn(
                provider_id=chosen.provider_id,
                nonce=nonce,
                code_verifier=verifier,
                next_path=next_path,
            ),
            SIGN_IN_TTL,
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=int(SIGN_IN_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/login/sso",
    )
    return response
