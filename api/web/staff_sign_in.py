"""Staff sign in through their organisation's identity provider (OpenID Connect,
authorization code flow with PKCE, api/web/oidc_flow). /login/sso/<provider> sends the browser
there; the callback ends by creating the same local session a password log-in creates. Every
refusal is a page in the catalog's words (never a traceback) and an audit line."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.dependencies import Pool
from api.sso_accounts import audit_refusal, signed_in_user
from api.web.guard import LoginRoute
from api.web.oidc_flow import Flow, Problem, clear_state, finish, start
from api.web.rendering import render
from api.web.staff_session import begin_session

router = APIRouter(route_class=LoginRoute, include_in_schema=False)

STAFF = Flow(
    kind="staff", callback="/login/sso/callback", cookie="hb_sso", cookie_path="/login/sso"
)


def refused_page(request: Request, problem: Problem, flow: Flow, back: str) -> Response:
    """The page that says why, with the way back to where one signs in."""
    response = render(
        request,
        "sso_refused.html",
        {"problem": problem.key, "back": back},
        status=problem.status,
        path=request.url.path,
    )
    return clear_state(response, flow)


@router.get(STAFF.callback)
async def callback(request: Request, pool: Pool) -> Response:
    outcome = await finish(request, pool, STAFF)
    if isinstance(outcome, Problem):
        if outcome.provider_id is not None and outcome.reason is not None:
            async with pool.acquire() as conn:
                await audit_refusal(conn, outcome.provider_id, "unknown", outcome.reason)
        return refused_page(request, outcome, STAFF, "/login")
    chosen = outcome.provider
    async with pool.acquire() as conn:
        async with conn.transaction():
            user_id = await signed_in_user(conn, chosen, outcome.claims)
        if user_id is None:
            return refused_page(request, Problem("sso.no_role", 403), STAFF, "/login")
        response = await begin_session(
            conn, request, user_id, outcome.next_path, chosen.provider_id
        )
    return clear_state(response, STAFF)


@router.get("/login/sso/{provider_id}")
async def begin(provider_id: str, request: Request, pool: Pool) -> Response:
    """To the provider, with a new state, nonce and PKCE challenge."""
    outcome = await start(request, pool, STAFF, provider_id, request.query_params.get("next", "/"))
    if isinstance(outcome, Problem):
        return refused_page(request, outcome, STAFF, "/login")
    return outcome
