"""The citizen signs in without a password. On the public page /my they write the phone
number or e-mail address they gave the ward; a one-time link and a 6-digit code go to it only
if an open episode holds it, and the page answers the same either way. The link
(/my/sign-in/<secret>) opens a page whose button signs in (a mail scanner's GET burns
nothing); the code is typed on /my/code. Staff send the same link from the episode page.

The public forms carry the token their own page set in a cookie (as /login does) and are
limited per client address through the log-in attempts table under keys of their own; links
to one address are limited by db/citizen_sign_in (3 in 15 minutes). No address is logged."""

from __future__ import annotations

import math
import re
import secrets
from datetime import timedelta
from typing import Any

import structlog
from fastapi import APIRouter, BackgroundTasks, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from api.auth import CITIZEN_COOKIE
from api.citizen_links import AUTO, Links
from api.dependencies import Pool
from api.errors import ApiError, reasons_by_field
from api.web.citizen_guard import CitizenRoute, CitizenUser
from api.web.episode_page import episode_view
from api.web.form_checks import EMAIL, PHONE, refused_one
from api.web.guard import LoginRoute, PageRoute, PostedForm, SignedIn, field
from api.web.rendering import render
from db.audit import Actor
from db.citizen_sign_in import (
    LINK_TTL,
    NewSession,
    Refused,
    audit,
    end_citizen_session,
    link_state,
    sign_in_with_code,
    sign_in_with_link,
)
from db.identity_providers import active_providers
from db.login_attempts import Backoff, LoginPolicy, claim_check, record_outcome
from db.pool import DatabasePool
from schemas.notifications import Channel
from schemas.people import Role

log = structlog.get_logger(__name__)

public_router = APIRouter(route_class=LoginRoute, include_in_schema=False)
citizen_router = APIRouter(route_class=CitizenRoute, include_in_schema=False)
router = APIRouter(route_class=PageRoute, include_in_schema=False)

# Signed in: 8 hours at most (and 2 hours without a request, api/auth.CITIZEN_IDLE).
SESSION_TTL = timedelta(hours=8)
# The public forms' token (no session yet): set by their own pages, sent back by their forms.
FORM_COOKIE = "hb_my"
_SECRET = re.compile(r"[A-Za-z0-9_-]{16,128}")
_CODE = re.compile(r"[0-9]{6}")
CONTACT_MAX = 254

# One client address: 10 requests for a link in 15 minutes, then 1 minute doubling to 15;
# the same for signing in with a link or a code that does not work.
_PER_CLIENT = Backoff(
    free=10, first=timedelta(minutes=1), cap=timedelta(minutes=15), window=timedelta(minutes=15)
)
CLIENT_POLICY = LoginPolicy(
    pair=_PER_CLIENT, user=_PER_CLIENT, client=_PER_CLIENT, known_for=timedelta(minutes=15)
)

BAD_CONTACT = "write your mobile number (8 digits) or your e-mail address"
BAD_CODE = "write the 6 digits of the code from the message"
WRONG_CODE = "the code is wrong or no longer works; ask for a new link"
TOO_MANY = "too many tries from here; wait a while and try again"
STALE = "csrf: the form is stale or did not come from this site"
# A link that does not sign in: the page's status and text.
LINK_REFUSED: dict[Refused, tuple[int, str]] = {
    Refused.UNKNOWN: (404, "my.link.unknown"),
    Refused.USED: (410, "my.link.used"),
    Refused.EXPIRED: (410, "my.link.expired"),
}


def parsed_contact(typed: str) -> tuple[Channel, str]:
    """An e-mail address or a phone number (8 to 15 digits), and the channel that reaches it
    (422 on `contact` otherwise)."""
    text = typed.strip()
    if len(text) <= CONTACT_MAX:
        if "@" in text and EMAIL.fullmatch(text):
            return Channel.EMAIL, text
        digits = sum(c.isdigit() for c in text)
        if "@" not in text and PHONE.fullmatch(text) and 8 <= digits <= 15:
            return Channel.SMS, text
    raise refused_one("contact", BAD_CONTACT)


def _public_page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> Response:
    """A public page whose form carries the token kept in this browser's cookie."""
    token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    response = render(request, template, {**context, "form_token": token}, status=status)
    response.set_cookie(
        FORM_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/my",
    )
    return response


def _fresh_form(request: Request, form: FormData) -> bool:
    sent, kept = field(form, "form_token"), request.cookies.get(FORM_COOKIE, "")
    return bool(sent) and bool(kept) and secrets.compare_digest(sent, kept)


async def _ask_page(
    request: Request,
    pool: DatabasePool,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    contact: str = "",
) -> Response:
    """The link form, and a button for each citizens' broker (MitID) configured: also when
    the form comes back refused, so the other way in stays in sight."""
    async with pool.acquire() as conn:
        brokers = await active_providers(conn, "citizen")
    return _public_page(
        request,
        "my_ask.html",
        {
            "problem": problem,
            "errors": reasons_by_field(problem),
            "contact": contact,
            "brokers": brokers,
        },
        status=status,
    )


def _code_page(
    request: Request,
    *,
    problem: ApiError | None = None,
    status: int = 200,
    contact: str = "",
    sent: bool = False,
) -> Response:
    return _public_page(
        request,
        "my_code.html",
        {
            "problem": problem,
            "errors": reasons_by_field(problem),
            "contact": contact,
            "sent": sent,
        },
        status=status,
    )


def _link_page(request: Request, secret: str, refused: Refused | None) -> Response:
    status, words = LINK_REFUSED[refused] if refused is not None else (200, "")
    return _public_page(
        request,
        "my_link.html",
        {"secret": secret if refused is None else "", "refused": words},
        status=status,
    )


def _too_many(response: Response, wait: timedelta) -> Response:
    response.headers["Retry-After"] = str(math.ceil(wait.total_seconds()))
    return response


async def _claim(pool: DatabasePool, request: Request, kind: str) -> tuple[int | None, timedelta]:
    """This client's turn to ask or sign in (an attempt id), or how long it must wait."""
    # Behind a trusted proxy uvicorn has already put the real client's address here.
    key = f"my-{kind}:{request.client.host if request.client else ''}"
    async with pool.acquire() as conn:
        claim = await claim_check(conn, key, key, "", CLIENT_POLICY)
    if claim.attempt_id is None:
        log.info("citizen sign-in refused until a wait is over", kind=kind)
    return claim.attempt_id, claim.wait


def signed_in_response(request: Request, signed: NewSession) -> Response:
    response = RedirectResponse("/my/bridge", status_code=303)
    response.set_cookie(
        CITIZEN_COOKIE,
        signed.secret,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def end_old_session(pool: DatabasePool, request: Request) -> None:
    """Signing in again in the same browser ends the session it had."""
    old = request.cookies.get(CITIZEN_COOKIE)
    if old:
        async with pool.acquire() as conn:
            await end_citizen_session(conn, old)


@public_router.get("/my")
async def ask_form(request: Request, pool: Pool) -> Response:
    """The link form, and a button for each citizens' broker (MitID) configured."""
    return await _ask_page(request, pool)


@public_router.post("/my")
async def ask(request: Request, pool: Pool, links: Links, background: BackgroundTasks) -> Response:
    """The same answer whether or not the address is an open episode's; the links go out
    after the answer, so neither its words nor its timing tell."""
    form = await request.form()
    typed = field(form, "contact")[:CONTACT_MAX]
    if not _fresh_form(request, form):
        return await _ask_page(
            request, pool, problem=ApiError(403, STALE), status=403, contact=typed
        )
    attempt, wait = await _claim(pool, request, "ask")
    if attempt is None:
        response = await _ask_page(
            request, pool, problem=ApiError(429, TOO_MANY), status=429, contact=typed
        )
        return _too_many(response, wait)
    try:
        channel, address = parsed_contact(typed)
    except ApiError as err:
        return await _ask_page(request, pool, problem=err, status=err.status, contact=typed)
    background.add_task(links.deliver_all, await links.ask(channel, address))
    return _code_page(request, contact=typed, sent=True)


@public_router.get("/my/code")
async def code_form(request: Request) -> Response:
    return _code_page(request)


@public_router.post("/my/code")
async def sign_in_by_code(request: Request, pool: Pool) -> Response:
    form = await request.form()
    typed = field(form, "contact")[:CONTACT_MAX]
    code = field(form, "code").replace(" ", "")
    if not _fresh_form(request, form):
        return _code_page(request, problem=ApiError(403, STALE), status=403, contact=typed)
    attempt, wait = await _claim(pool, request, "sign-in")
    if attempt is None:
        response = _code_page(request, problem=ApiError(429, TOO_MANY), status=429, contact=typed)
        return _too_many(response, wait)
    try:
        channel, address = parsed_contact(typed)
        if not _CODE.fullmatch(code):
            raise refused_one("code", BAD_CODE)
    except ApiError as err:
        return _code_page(request, problem=err, status=err.status, contact=typed)
    async with pool.acquire() as conn:
        outcome = await sign_in_with_code(conn, channel, address, code, SESSION_TTL)
        await record_outcome(conn, attempt, isinstance(outcome, NewSession))
    if not isinstance(outcome, NewSession):
        problem = refused_one("code", WRONG_CODE)
        return _code_page(request, problem=problem, status=problem.status, contact=typed)
    await end_old_session(pool, request)
    return signed_in_response(request, outcome)


@public_router.get("/my/sign-in/{secret}")
async def link_page(secret: str, request: Request, pool: Pool) -> Response:
    """What the link opens: a button that signs in, or why the link does not work. Looking
    changes nothing (a mail scanner may open it before the citizen does)."""
    if not _SECRET.fullmatch(secret):
        return _link_page(request, "", Refused.UNKNOWN)
    async with pool.acquire() as conn:
        state = await link_state(conn, secret)
    return _link_page(request, secret, Refused.UNKNOWN if state is None else state.refused)


@public_router.post("/my/sign-in")
async def sign_in_by_link(request: Request, pool: Pool) -> Response:
    form = await request.form()
    secret = field(form, "secret")
    if not _fresh_form(request, form):
        return await _ask_page(request, pool, problem=ApiError(403, STALE), status=403)
    attempt, wait = await _claim(pool, request, "sign-in")
    if attempt is None:
        return _too_many(
            await _ask_page(request, pool, problem=ApiError(429, TOO_MANY), status=429), wait
        )
    async with pool.acquire() as conn:
        if _SECRET.fullmatch(secret):
            outcome = await sign_in_with_link(conn, secret, SESSION_TTL)
        else:
            outcome = Refused.UNKNOWN
            await audit(
                conn,
                Actor(role=Role.CITIZEN.value, actor_id="unknown"),
                "citizen.sign_in_refused",
                None,
                {"reason": Refused.UNKNOWN.value, "with": "link"},
            )
        await record_outcome(conn, attempt, isinstance(outcome, NewSession))
    if not isinstance(outcome, NewSession):
        return _link_page(request, "", outcome)
    await end_old_session(pool, request)
    return signed_in_response(request, outcome)


@citizen_router.post("/my/sign-out")
async def sign_out(request: Request, principal: CitizenUser, pool: Pool) -> Response:
    """Only the citizen's own form, with their session's CSRF token, gets here."""
    async with pool.acquire() as conn:
        await end_citizen_session(conn, request.cookies.get(CITIZEN_COOKIE, ""))
        await audit(
            conn,
            Actor(role=Role.CITIZEN.value, actor_id=principal.id),
            "citizen.signed_out",
            None,
            {},
        )
    response = RedirectResponse("/my?notice=signed_out", status_code=303)
    response.delete_cookie(CITIZEN_COOKIE, path="/")
    return response


@router.post("/episodes/{episode_id}/citizen-sign-in-link")
async def send_link(
    episode_id: str,
    request: Request,
    principal: SignedIn,
    form: PostedForm,
    pool: Pool,
    links: Links,
) -> Response:
    """Ward staff, the assigned peer or a caseworker with access sends the citizen a link
    to the episode's contact; a refusal comes back on the episode page next to the form."""
    choice = field(form, "channel") or AUTO
    try:
        await links.resend(principal, episode_id, choice)
    except ApiError as err:
        if err.status in (401, 403, 404, 409):
            raise
        response = await episode_view(
            request,
            principal,
            pool,
            episode_id,
            status=err.status,
            link_problem=err,
            link_choice=choice,
        )
        if err.status == 429:
            # At the latest when the oldest of the address's recent links leaves the window.
            response.headers["Retry-After"] = str(int(LINK_TTL.total_seconds()))
        return response
    return RedirectResponse(
        f"/episodes/{episode_id}?notice=citizen_link_sent#sign-in-link-title", status_code=303
    )
