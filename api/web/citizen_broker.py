"""The citizen signs in with MitID through an OpenID Connect broker (api/web/oidc_flow), beside
the one-time link: /my/mitid/<provider> sends the browser to the broker; the callback reads the
verified CPR claim (the provider row names it), accepts only 10 digits, and starts the same
citizen session as a link, for the citizen's own episodes. A CPR number with no open episode
here gets the neutral /my page, as an address without one does. The CPR number is never
logged, audited, put in a URL or an exception."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from api.dependencies import Pool
from api.web.citizen_sign_in import SESSION_TTL, end_old_session, signed_in_response
from api.web.guard import LoginRoute
from api.web.oidc_flow import Flow, Problem, clear_state, finish, start
from api.web.staff_sign_in import refused_page
from db.citizen_broker import audit_broker_refusal, sign_in_with_cpr

router = APIRouter(route_class=LoginRoute, include_in_schema=False)

BROKER = Flow(
    kind="citizen", callback="/my/mitid/callback", cookie="hb_mitid", cookie_path="/my/mitid"
)
_CPR = re.compile(r"[0-9]{10}")


@router.get(BROKER.callback)
async def callback(request: Request, pool: Pool) -> Response:
    outcome = await finish(request, pool, BROKER)
    if isinstance(outcome, Problem):
        if outcome.provider_id is not None and outcome.reason is not None:
            async with pool.acquire() as conn:
                await audit_broker_refusal(conn, outcome.provider_id, outcome.reason)
        return refused_page(request, outcome, BROKER, "/my")
    broker = outcome.provider
    cpr = outcome.claims.get(broker.cpr_claim)
    if not isinstance(cpr, str) or not _CPR.fullmatch(cpr):
        async with pool.acquire() as conn:
            await audit_broker_refusal(conn, broker.provider_id, "cpr_claim")
        return refused_page(request, Problem("mitid.bad_cpr", 403), BROKER, "/my")
    async with pool.acquire() as conn:
        signed = await sign_in_with_cpr(conn, cpr, broker.provider_id, SESSION_TTL)
    if signed is None:
        return clear_state(RedirectResponse("/my?notice=mitid_none", status_code=303), BROKER)
    await end_old_session(pool, request)
    return clear_state(signed_in_response(request, signed), BROKER)


@router.get("/my/mitid/{provider_id}")
async def begin(provider_id: str, request: Request, pool: Pool) -> Response:
    """To the broker, with a new state, nonce and PKCE challenge."""
    outcome = await start(request, pool, BROKER, provider_id, "/my/bridge")
    if isinstance(outcome, Problem):
        return refused_page(request, outcome, BROKER, "/my")
    return outcome
