"""How a role's own page is rendered: its title, the refusal that brought the user back, the
choices the task forms offer, at the role's address."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.errors import ApiError
from api.principal import Principal
from api.web.guard import home_of
from api.web.rendering import render
from api.web.task_forms import task_context


def role_page(
    request: Request,
    principal: Principal,
    *,
    title: str,
    template: str,
    context: dict[str, Any],
    problem: ApiError | None = None,
    status: int = 200,
) -> HTMLResponse:
    """`template` extends role_page.html; `title` is a label key. A form sent back with a
    problem shows it at the top, with the status it was refused with."""
    return render(
        request,
        template,
        {"title": title, "problem": problem, **task_context(), **context},
        principal=principal,
        status=status,
        path=home_of(principal),
    )
