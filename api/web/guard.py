"""Who may open a page: log-in redirects, role checks, CSRF checks and friendly error pages."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.types import Scope

from api.auth import MaybeCaller, find_principal
from api.dependencies import get_services
from api.errors import ApiError
from api.principal import Principal, TokenRole
from api.web import labels
from api.web.rendering import language, render
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


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def signed_in(principal: MaybeCaller) -> Principal:
    """The logged-in caller (401, which a page turns into the log-in page, otherwise)."""
    if principal is None:
        raise ApiError(401, "log in first")
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


def page_user(*roles: Role | TokenRole) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency for the logged-in caller, who must hold one of `roles`."""

    async def check(principal: SignedIn) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, f"role {principal.role.value} may not open this page")
        return principal

    return check


async def posted_form(request: Request, principal: SignedIn) -> FormData:
    """The posted form, if it carries this session's CSRF token (403 otherwise)."""
    form = await request.form()
    sent = form.get("csrf")
    expected = principal.csrf_token
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise ApiError(403, "csrf: the form is stale or did not come from this site")
    return form


PostedForm = Annotated[FormData, Depends(posted_form)]


class PageRoute(APIRoute):
    """A page route: refusals become a redirect to the log-in page (401) or a friendly page,
    and a form (any method but GET, HEAD, OPTIONS) is taken only with the session's CSRF
    token, checked before the handler's own dependencies (so a new form cannot forget it)."""

    checks_csrf = True

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ("GET",)}
        unsafe = methods - SAFE_METHODS
        if unsafe and unsafe != methods:
            raise ValueError(f"{path}: a page route is either read (GET) or a form (POST)")
        if unsafe and self.checks_csrf:
            kwargs["dependencies"] = [Depends(posted_form), *(kwargs.get("dependencies") or ())]
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as err:
                return await refusal_page(request, err)

        return guarded


class LoginRoute(PageRoute):
    """The log-in form comes before any session: the token its own page set guards it."""

    checks_csrf = False


async def refusal_page(request: Request, err: ApiError) -> Response:
    if err.status == 401:
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    services = get_services(request)
    try:
        principal = await find_principal(request, services.pool, services.tokens)
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


def boundary_page(scope: Scope, status: int, field: str) -> Response:
    """The friendly page for a page request the boundary refused before any route: a path
    no page could have (404), a form or query parameter PostgreSQL could not store (422), a
    body too large (413); in the user's language, naming the field."""
    request = Request(scope)
    if status == 404:
        return render(request, "error_404.html", {"home": "/"}, status=404, path="/")
    key = "boundary.too_large" if status == 413 else "boundary.unstorable"
    message = labels.text(key, language(request)).format(field=field)
    return render(request, "error.html", {"message": message, "home": "/"}, status=status, path="/")


def field(form: FormData, name: str) -> str:
    """A text field of the form, trimmed ('' when absent)."""
    raw = form.get(name)
    return raw.strip() if isinstance(raw, str) else ""
