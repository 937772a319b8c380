"""The authorization code flow with PKCE that staff sign-in and the citizens' broker (MitID)
share: the start sends the browser to the provider with a single-use state (kept as a digest,
and in a cookie of this browser) and nonce; the finish checks both, exchanges the code and
checks the ID token (api/id_token). What goes wrong comes back as a Problem: the catalog key
of the page to show, and the reason to audit when a provider was involved (never a claim)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from api.id_token import TokenRefused, has_key, key_id, verified_claims
from api.oidc_client import PROVIDERS, ProviderDown, pkce_pair
from api.web.staff_session import safe_next
from db.identity_providers import (
    IdentityProvider,
    PendingSignIn,
    begin_sign_in,
    provider,
    take_sign_in,
)
from db.pool import DatabasePool

log = structlog.get_logger(__name__)

SIGN_IN_TTL = timedelta(minutes=10)
PARAM_MAX = 2048


@dataclass(frozen=True)
class Flow:
    """One kind of provider's route: its callback (the redirect URI registered at the
    provider) and the cookie that keeps the state in this browser."""

    kind: str
    callback: str
    cookie: str
    cookie_path: str


@dataclass(frozen=True)
class Problem:
    """Why a sign-in did not go through: the page's text key and status, and what to audit
    (provider_id None: nothing to audit)."""

    key: str
    status: int
    provider_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Verified:
    """A sign-in the provider vouched for: the provider, the ID token's checked claims, and
    where the browser wanted to go."""

    provider: IdentityProvider
    claims: dict[str, Any]
    next_path: str


def callback_url(request: Request, flow: Flow) -> str:
    return str(request.base_url).rstrip("/") + flow.callback


def clear_state(response: Response, flow: Flow) -> Response:
    response.delete_cookie(flow.cookie, path=flow.cookie_path)
    return response


async def start(
    request: Request, pool: DatabasePool, flow: Flow, provider_id: str, next_path: str
) -> Response | Problem:
    """To the provider, with a new state, nonce and PKCE challenge."""
    async with pool.acquire() as conn:
        chosen = await provider(conn, provider_id[:64], flow.kind)
    if chosen is None:
        return Problem("sso.unknown_provider", 404)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair()
    try:
        target = await PROVIDERS.authorization_url(
            chosen,
            redirect_uri=callback_url(request, flow),
            state=state,
            nonce=nonce,
            code_challenge=challenge,
        )
    except ProviderDown:
        return Problem("sso.down", 503)
    pending = PendingSignIn(
        provider_id=chosen.provider_id,
        nonce=nonce,
        code_verifier=verifier,
        next_path=safe_next(next_path)[:PARAM_MAX],
    )
    async with pool.acquire() as conn:
        await begin_sign_in(conn, state, pending, SIGN_IN_TTL)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        flow.cookie,
        state,
        max_age=int(SIGN_IN_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path=flow.cookie_path,
    )
    return response


async def finish(request: Request, pool: DatabasePool, flow: Flow) -> Verified | Problem:
    """The provider's answer at the callback, checked: state, code, ID token."""
    params = request.query_params
    state, code, error = params.get("state", ""), params.get("code", ""), params.get("error")
    kept = request.cookies.get(flow.cookie, "")
    if error is not None and not state:
        # Some providers leave the state out of an error answer: this browser's own is meant.
        state = kept
    if not state or len(state) > PARAM_MAX or (not code and error is None):
        return Problem("sso.bad_request", 400)
    if not kept or not secrets.compare_digest(kept, state):
        return Problem("sso.stale", 403)
    async with pool.acquire() as conn:
        pending = await take_sign_in(conn, state)
        chosen = None if pending is None else await provider(conn, pending.provider_id, flow.kind)
    if pending is None or chosen is None:
        return Problem("sso.stale", 403)
    if error is not None:
        return Problem("sso.denied", 401, chosen.provider_id, "provider_error")
    if len(code) > PARAM_MAX:
        return Problem("sso.bad_request", 400)
    try:
        id_token = await PROVIDERS.exchange(
            chosen,
            code=code,
            redirect_uri=callback_url(request, flow),
            code_verifier=pending.code_verifier,
        )
        keys = await PROVIDERS.keys(chosen)
        if not has_key(keys, key_id(id_token)):
            keys = await PROVIDERS.keys(chosen, fresh=True)
        claims = verified_claims(
            id_token, keys, issuer=chosen.issuer, client_id=chosen.client_id, nonce=pending.nonce
        )
    except ProviderDown:
        return Problem("sso.down", 503)
    except TokenRefused as refused:
        log.info("ID token refused", provider=chosen.provider_id, reason=refused.refusal.value)
        return Problem("sso.token", 401, chosen.provider_id, refused.refusal.value)
    return Verified(chosen, claims, pending.next_path)
