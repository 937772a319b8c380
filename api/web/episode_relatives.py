"""Ward staff and the episode's peer add a relative to an episode (only with the citizen's
share_with_relative consent) and remove one, on the episode page. Both are audited with ids
only; the relative's name and contact data stay in PostgreSQL (never in a log line)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.dependencies import Pool
from api.errors import ApiError, FieldError
from api.principal import Principal
from api.scoping import may_see_citizen
from api.web import episode_page
from api.web.form_checks import contact_problems, refused, refused_one
from api.web.guard import PageRoute, PostedForm, field, page_user
from api.web.relatives_section import FIELDS, set_refusal
from db import episode_queries, relatives
from db.episode_queries import EpisodeRow
from db.pool import DatabasePool
from schemas.consent import ConsentScope
from schemas.people import Role
from schemas.relatives import (
    NAME_MAX,
    RELATION_MAX,
    RELATIVE_ID_PREFIX,
    Added,
    NewRelative,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Staff = Annotated[Principal, Depends(page_user(Role.WARD, Role.PEER))]

_KEY = re.compile(rf"{RELATIVE_ID_PREFIX}[0-9a-f]{{32}}")
NO_SUCH_EPISODE = "episode_id: no such episode"
NO_CONSENT = "the citizen has not given this consent; record it before adding a relative"


async def _own_episode(pool: DatabasePool, principal: Principal, episode_id: str) -> EpisodeRow:
    """The episode, if the caller works with its citizen (404 as for one that does not exist
    otherwise: the ward's own, the peer's assigned)."""
    async with pool.acquire() as conn:
        row = await episode_queries.episode(conn, episode_id)
    if row is None or not may_see_citizen(principal, row):
        raise ApiError(404, NO_SUCH_EPISODE)
    return row


def checked(values: dict[str, str], episode_id: str) -> NewRelative:
    """The relative the form describes, or every field's problem at once."""
    errors: list[FieldError] = []

    def problem(name: str, reason: str) -> None:
        errors.append(FieldError(field=name, reason=reason))

    if not _KEY.fullmatch(values["key"]):
        problem("key", "the form is incomplete; open the page again")
    if not 1 <= len(values["name"]) <= NAME_MAX:
        problem("name", "write a name of 1 to 200 characters")
    email, phone = values["email"], values["phone"]
    errors.extend(contact_problems(email, phone, missing="phone"))
    if len(values["relation"]) > RELATION_MAX:
        problem("relation", "write a relation of at most 100 characters")
    if errors:
        raise refused(errors)
    try:
        return NewRelative(
            relative_id=values["key"],
            episode_id=episode_id,
            name=values["name"],
            phone=phone or None,
            email=email or None,
            relation=values["relation"] or None,
        )
    except ValidationError:
        # The checks above hold the model's rules; this is the safety net, naming no value.
        raise refused_one("name", "write a name of 1 to 200 characters") from None


def _values(form: FormData) -> dict[str, str]:
    return {name: field(form, name) for name in FIELDS}


async def _refused_page(
    request: Request,
    principal: Principal,
    pool: DatabasePool,
    episode_id: str,
    problem: ApiError,
    values: dict[str, str],
) -> Response:
    set_refusal(request, problem, values)
    response = await episode_page.episode_page(episode_id, request, principal, pool)
    response.status_code = problem.status
    return response


@router.post("/episodes/{episode_id}/relatives")
async def add_relative(
    episode_id: str, request: Request, principal: Staff, form: PostedForm, pool: Pool
) -> Response:
    row = await _own_episode(pool, principal, episode_id)
    values = _values(form)
    try:
        if ConsentScope.SHARE_WITH_RELATIVE.value not in row.consents:
            raise refused_one(ConsentScope.SHARE_WITH_RELATIVE.value, NO_CONSENT, 409)
        relative = checked(values, episode_id)
        async with pool.acquire() as conn:
            added = await relatives.add(conn, relative, principal.actor())
        if added == Added.NO_CONSENT:
            # Withdrawn between the page's read and the insert.
            raise refused_one(ConsentScope.SHARE_WITH_RELATIVE.value, NO_CONSENT, 409)
    except ApiError as err:
        return await _refused_page(request, principal, pool, episode_id, err, values)
    return RedirectResponse(
        f"/episodes/{episode_id}?notice=relative_added#relatives-title", status_code=303
    )


@router.post("/episodes/{episode_id}/relatives/{relative_id}/remove")
async def remove_relative(
    episode_id: str,
    relative_id: str,
    principal: Staff,
    pool: Pool,
) -> Response:
    """The page route's CSRF check guards this form too (it has no field of its own)."""
    await _own_episode(pool, principal, episode_id)
    async with pool.acquire() as conn:
        known = await relatives.remove(conn, episode_id, relative_id, principal.actor())
    if not known:
        raise ApiError(404, "relative_id: no such relative on this episode")
    return RedirectResponse(
        f"/episodes/{episode_id}?notice=relative_removed#relatives-title", status_code=303
    )
