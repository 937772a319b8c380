"""A manual-match task's own page: the episode nobody could take and the peers of the
partnership who may be offered it (programme and municipality), as a form that posts to the
task's complete action (POST /tasks/{id}/complete, the same checks as the API). The
coordinator's page links each manual-match card here instead of rendering a choice of every
peer on each card. A refused match shows this page again with the field named and what was
chosen and typed kept."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, Request, Response

from api.dependencies import Pool
from api.errors import ApiError
from api.principal import Principal
from api.scoping import may_act_on_task
from api.web import coordinator
from api.web.actions import Page
from api.web.guard import PageRoute
from api.web.guard import field as form_field
from api.web.rendering import render
from db import coordinator_lists, episode_queries
from db.pool import DatabasePool
from schemas.tasks import TaskKind

router = APIRouter(route_class=PageRoute, include_in_schema=False)

# The match form's fields, as the task decision names them (result.peer_id, note).
MATCH_FIELDS = ("peer_id", "note")
NO_SUCH_MATCH = ApiError(404, "task_id: no such open manual match for you")


def match_errors(problem: ApiError | None) -> dict[str, list[str]]:
    """A refused match's reasons by form field; the API names the peer `result.peer_id` (or
    `result.<kind>.peer_id`), the form `peer_id`."""
    if problem is None:
        return {}
    found: dict[str, list[str]] = {}
    for error in problem.errors:
        name = error.field.rsplit(".", 1)[-1]
        if name in MATCH_FIELDS:
            found.setdefault(name, []).append(error.reason)
    if not found:
        named, _, reason = problem.message.partition(":")
        name = named.rsplit(".", 1)[-1].strip()
        if name in MATCH_FIELDS and reason:
            found[name] = [reason.strip()]
    return found


async def kept_match(request: Request, problem: ApiError | None) -> dict[str, Any]:
    """A refused match form: what was chosen and typed, and the reasons by field."""
    if problem is None or request.method != "POST":
        return {}
    form = await request.form()
    return {
        "peer_id": form_field(form, "peer_id"),
        "note": form_field(form, "note"),
        "errors": match_errors(problem),
    }


async def match_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    task_id: str,
    *,
    problem: ApiError | None = None,
    status: int = 200,
) -> Response:
    """The manual match's form for a coordinator who may act on the task; any other task, or
    one no longer open, is 404 (a refusal for a task closed meanwhile shows the coordinator's
    page with the reason, as before)."""
    async with pool.acquire() as conn:
        task = await episode_queries.task(conn, task_id)
        found = await episode_queries.episode(conn, task.episode_id) if task else None
        if (
            task is None
            or found is None
            or task.kind != TaskKind.MANUAL_MATCH
            or not may_act_on_task(principal, task, found)
        ):
            raise NO_SUCH_MATCH
        if task.status != "open":
            if problem is not None:
                return await coordinator.page(
                    request, principal, pool, problem=problem, status=status
                )
            raise NO_SUCH_MATCH
        episode = await coordinator_lists.one_episode(
            conn,
            task.episode_id,
            actor_role=principal.role.value,
            actor_id=principal.id,
            place="manual_match_page",
        )
        if episode is None:
            raise NO_SUCH_MATCH
        eligible = await coordinator_lists.eligible_peers(conn, principal.organisation_id)
    return render(
        request,
        "coordinator_match.html",
        {
            "title": "coordinator.match.title",
            "problem": problem,
            "task": task,
            "episode": episode,
            "choices": coordinator.peer_choices(episode, eligible),
            "kept": await kept_match(request, problem),
        },
        principal=principal,
        status=status,
    )


def refused_page(task_id: str) -> Page:
    """The page a refused match of `task_id` shows again (api/web/actions.act)."""
    return functools.partial(match_page, task_id=task_id)


@router.get("/coordinator/tasks/{task_id}/match")
async def match_form(
    task_id: str, request: Request, principal: coordinator.Coordinator, pool: Pool
) -> Response:
    return await match_page(request, principal, pool, task_id)
