"""Who may open a page: log-in redirects, role checks, CSRF checks and friendly error pages."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any, ClassVar
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.types import Scope

from api.auth import NOT_STAFF, MaybeCaller, find_principal
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
    Role.CITIZEN: "/my/bridge",
}
# The citizen's own pages (api/web/citizen_sign_in.py): without a session they go to the
# public page that sends a sign-in link, not to the staff log-in.
CITIZEN_PAGES = "/my"


def home_of(principal: Principal) -> str:
    return HOME.get(principal.role, "/login")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def signed_in(principal: MaybeCaller) -> Principal:
    """The logged-in member of staff (401, which a page turns into the log-in page,
    otherwise); a citizen's session opens no staff page (403)."""
    if principal is None:
        raise ApiError(401, "log in first")
    if principal.role in NOT_STAFF:
        raise ApiError(403, f"role {principal.role.value} may not open this page")
    return principal


SignedIn = Annotated[Principal, Depends(signed_in)]


def page_user(*roles: Role | TokenRole) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency for the logged-in caller, who must hold one of `roles`."""

    async def check(principal: SignedIn) -> Principal:
        if principal.role not in roles:
            raise ApiError(403, f"role {principal.role.value} may not open this page")
        return principal

    return check


async def form_of_session(request: Request, principal: Principal) -> FormData:
    """The posted form, if it carries the CSRF token of the principal's session (403
    otherwise): staff's (posted_form) and the citizen's (api/web/citizen_guard)."""
    form = await request.form()
    sent = form.get("csrf")
    expected = principal.csrf_token
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise ApiError(403, "csrf: the form is stale or did not come from this site")
    return form


async def posted_form(request: Request, principal: SignedIn) -> FormData:
    """The posted form, if it carries this session's CSRF token (403 otherwise)."""
    return await form_of_session(request, principal)


PostedForm = Annotated[FormData, Depends(posted_form)]


class PageRoute(APIRoute):
    """A page route: refusals become a redirect to the log-in page (401) or a friendly page,
    and a form (any method but GET, HEAD, OPTIONS) is taken only with the session's CSRF
    token, checked before the handler's own dependencies (so a new form cannot forget it)."""

    # The check of a form's token, the first dependency of every form route of the class
    # (None: the form comes before any session and its own page's token guards it).
    form_check: ClassVar[Callable[..., Awaitable[FormData]] | None] = posted_form

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ("GET",)}
        unsafe = methods - SAFE_METHODS
        if unsafe and unsafe != methods:
            raise ValueError(f"{path}: a page route is either read (GET) or a form (POST)")
        check = type(self).form_check
        if unsafe and check is not None:
            kwargs["dependencies"] = [Depends(check), *(kwargs.get("dependencies") or ())]
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

    form_check = None


async def refusal_page(request: Request, err: ApiError) -> Response:
    if err.status == 401:
        if request.url.path.startswith(f"{CITIZEN_PAGES}/"):
            return RedirectResponse(CITIZEN_PAGES, status_code=303)
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
