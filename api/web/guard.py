"""Who may open a page: log-in redirects, role checks, CSRF checks and friendly error pages."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from api.auth import find_principal
from api.errors import ApiError
from api.principal import Principal, TokenRole
from api.web.rendering import render
from schemas.people import Role

HOME: dict[str, str] = {
    Role.WARD: "/ward",
    Role.PEER: "/peer",
    Role.CASEWORKER: "/caseworker",
    Role.COORDINATOR: "/coordinator",
    Role.OPERATOR: "/operator",
    TokenRole.OPERATOR: "/operator",
}


def home_of(principal: Principal) -> str:
    return HOME.get(principal.role, "/login")


class PageRoute(APIRoute):
    """A page route: refusals become a redirect to the log-in page (401) or a friendly page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as err:
                return await refusal_page(request, err)

        return guarded


async def refusal_page(request: Request, err: ApiError) -> Response:
    if err.status == 401:
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    try:
        principal = await find_principal(request)
    except ApiError:
        principal = None
    template = {403: "error_403.html", 404: "error_404.html"}.get(err.status, "error.html")
    return render(
        request,
        template,
        {"message": err.message, "home": home_of(principal) if principal else "/login"},
        principal=principal,
        status=err.status,
    )


async def page_principal(request: Request, *roles: Role | TokenRole) -> Principal:
    """The logged-in caller, who must hold one of `roles` (any role when none are given)."""
    principal = await find_principal(request)
    if principal is None:
        raise ApiError(401, "log in first")
    if roles and principal.role not in roles:
        raise ApiError(403, f"role {principal.role.value} may not open this page")
    return principal


async def checked_form(request: Request, principal: Principal) -> FormData:
    """The posted form, if it carries this session's CSRF token (403 otherwise)."""
    form = await request.form()
    sent = form.get("csrf")
    expected = principal.csrf_token
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise ApiError(403, "csrf: the form is stale or did not come from this site")
    return form


def field(form: FormData, name: str) -> str:
    """A text field of the form, trimmed ('' when absent)."""
    raw = form.get(name)
    return raw.strip() if isinstance(raw, str) else ""
