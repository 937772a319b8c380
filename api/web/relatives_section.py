"""The relatives section of the episode page: the episode's relatives with how to reach them,
to staff who may see the citizen's contact (the read audited), and for ward staff and the
episode's peer the add and remove forms. A form that was refused comes back on the same page
with what was typed and the reasons by field (api/web/episode_relatives sets it)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from api.caseworker_view import CaseworkerView
from api.episode_details import EpisodeOut
from api.errors import ApiError, reasons_by_field
from api.principal import Principal
from api.scoping import may_see_citizen
from db import episode_queries, relatives
from db.pool import DatabasePool
from schemas.consent import ConsentScope
from schemas.people import Role
from schemas.relatives import NAME_MAX, RELATION_MAX, RELATIVE_ID_PREFIX, Relative

# Who records a relative: the ward that cares for the citizen and the peer who follows them.
MAY_CHANGE = frozenset({Role.WARD, Role.PEER})
FIELDS = ("key", "name", "phone", "email", "relation")


@dataclass(frozen=True)
class RelativesView:
    episode_id: str
    relatives: list[Relative]
    shared: bool
    may_change: bool
    values: dict[str, str]
    problem: ApiError | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    name_max: int = NAME_MAX
    relation_max: int = RELATION_MAX


def new_key() -> str:
    """The relative's id, in the form from the start: the same form sent twice adds once."""
    return f"{RELATIVE_ID_PREFIX}{secrets.token_hex(16)}"


def blank() -> dict[str, str]:
    return {**dict.fromkeys(FIELDS, ""), "key": new_key()}


def set_refusal(request: Request, problem: ApiError, values: dict[str, str]) -> None:
    """The episode page rendered for this request shows the refused relative form."""
    request.state.relatives_refusal = (problem, values)


async def relatives_section(
    request: Request,
    pool: DatabasePool,
    principal: Principal,
    episode: EpisodeOut | CaseworkerView,
) -> dict[str, Any]:
    """`relatives_view` for the episode page: for those who may see the citizen's contact."""
    if not isinstance(episode, EpisodeOut) or not may_see_citizen(principal, episode):
        return {"relatives_view": None}
    async with pool.acquire() as conn:
        found = await relatives.current(conn, episode.episode_id)
        if found:
            await episode_queries.audit_read(
                conn,
                audit_id=f"read-{uuid.uuid4().hex}",
                actor_role=principal.role.value,
                actor_id=principal.id,
                episode_id=episode.episode_id,
                what="read.relatives",
            )
    refusal: tuple[ApiError, dict[str, str]] | None = getattr(
        request.state, "relatives_refusal", None
    )
    problem, values = refusal if refusal is not None else (None, blank())
    return {
        "relatives_view": RelativesView(
            episode_id=episode.episode_id,
            relatives=found,
            shared=ConsentScope.SHARE_WITH_RELATIVE.value in episode.consents,
            may_change=principal.role in MAY_CHANGE,
            values=values,
            problem=problem,
            errors=reasons_by_field(problem),
        )
    }
