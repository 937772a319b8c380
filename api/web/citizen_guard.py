"""Who may open a citizen's page: the citizen signed in with a one-time link, their own
episodes only, and forms that carry their session's CSRF token. Staff pages refuse citizens
(api/web/guard.signed_in); these refuse staff. A page without a citizen session goes to /my,
where the citizen asks for a link (api/web/guard.refusal_page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from api.auth import MaybeCaller
from api.errors import ApiError
from api.principal import Principal
from api.web.guard import PageRoute, form_of_session
from schemas.people import Role

NO_SUCH_EPISODE = "episode_id: no such episode"


async def citizen_user(principal: MaybeCaller) -> Principal:
    """The signed-in citizen (401, which a citizen's page turns into /my, otherwise); staff
    and systems get 403."""
    if principal is None:
        raise ApiError(401, "sign in first")
    if principal.role != Role.CITIZEN:
        raise ApiError(403, f"role {principal.role.value} may not open this page")
    return principal


CitizenUser = Annotated[Principal, Depends(citizen_user)]


async def citizen_episode(episode_id: str, principal: CitizenUser) -> str:
    """An `{episode_id}` of the path that is one of the citizen's own (404 otherwise, as for
    one that does not exist)."""
    if episode_id not in principal.citizen_episodes:
        raise ApiError(404, NO_SUCH_EPISODE)
    return episode_id


CitizenEpisode = Annotated[str, Depends(citizen_episode)]


async def citizen_form(request: Request, principal: CitizenUser) -> FormData:
    """The posted form, if it carries the citizen session's CSRF token (403 otherwise)."""
    return await form_of_session(request, principal)


CitizenForm = Annotated[FormData, Depends(citizen_form)]


class CitizenRoute(PageRoute):
    """A citizen's page route: refusals are friendly pages, and a form (any method but GET,
    HEAD, OPTIONS) is taken only with the citizen session's CSRF token, checked before the
    handler's own dependencies."""

    form_check = citizen_form
