"""Row scoping: which episodes and tasks each role may see and act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from api.principal import Principal, TokenRole
from schemas.consent import SERVICE_SCOPE
from schemas.people import Role

Row = Mapping[str, Any] | asyncpg.Record


def may_see_episode(p: Principal, episode: Row) -> bool:
    """Ward: their ward. Peer: assigned to them. Coordinator: their organisation.
    Caseworker: their municipality, and only with consent for their service."""
    match p.role:
        case Role.WARD:
            return bool(episode["ward_id"] == p.ward_id)
        case Role.PEER:
            return bool(episode["peer_id"] == p.id)
        case Role.COORDINATOR:
            return bool(episode["organisation_id"] == p.organisation_id)
        case Role.CASEWORKER:
            scope = SERVICE_SCOPE.get(p.service or "")
            consents = episode["consents"] or []
            return (
                episode["municipality_code"] == p.municipality_code
                and scope is not None
                and scope.value in consents
            )
        case Role.OPERATOR | TokenRole.OPERATOR | TokenRole.INTEGRATION:
            return True
    return False


def may_see_citizen(p: Principal, episode: Row) -> bool:
    """Personal data goes to the people who work with the citizen, never to operators."""
    if p.role in (Role.OPERATOR, TokenRole.OPERATOR, TokenRole.INTEGRATION):
        return False
    return may_see_episode(p, episode)


def may_act_on_task(p: Principal, task: Row, episode: Row) -> bool:
    """The assignee, or the coordinator of the episode's organisation for peer tasks."""
    role, assignee = task["assignee_role"], task["assignee_id"]
    match p.role:
        case Role.PEER:
            return bool(role == "peer" and assignee == p.id)
        case Role.WARD:
            return bool(role == "ward" and assignee == p.ward_id)
        case Role.CASEWORKER:
            return (
                role == "caseworker"
                and assignee == p.municipality_code
                and task["assignee_service"] in (None, p.service)
            )
        case Role.COORDINATOR:
            own_org = episode["organisation_id"] == p.organisation_id
            return own_org and role in ("coordinator", "peer")
    return False
