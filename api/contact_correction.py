"""Correcting the citizen's contact data of one episode: an explicit, audited action."""

from __future__ import annotations

import uuid

from api.episode_details import CitizenOut
from api.errors import ApiError
from api.event_input import ContactIn
from api.principal import Principal
from api.scoping import may_see_citizen
from db import episode_queries
from db.episode_contacts import correct_contact
from db.pool import DatabasePool
from schemas.people import Role

# The people who record how to reach the citizen: the ward and the coordinator.
MAY_CORRECT = frozenset({Role.WARD, Role.COORDINATOR})


async def correct(
    pool: DatabasePool, principal: Principal, episode_id: str, new: ContactIn
) -> CitizenOut:
    """Replace this episode's contact data (no other episode's); the audit log gets who, when
    and which fields changed. 404 when the episode is not the caller's to see."""
    async with pool.acquire() as conn, conn.transaction():
        row = await episode_queries.episode(conn, episode_id)
        if row is None or not may_see_citizen(principal, row):
            raise ApiError(404, "episode_id: no such episode")
        if principal.role not in MAY_CORRECT:
            raise ApiError(403, f"role {principal.role.value} may not correct contact data")
        old = await episode_queries.citizen(conn, episode_id)
        if old is None:
            raise ApiError(409, "episode_id: the episode holds no contact data to correct")
        fields = [f for f in ("name", "phone", "email") if getattr(old, f) != getattr(new, f)]
        if fields:
            await correct_contact(
                conn,
                episode_id=episode_id,
                name=new.name,
                phone=new.phone,
                email=new.email,
                fields=fields,
                actor=principal.actor(),
                audit_id=f"contact-{uuid.uuid4().hex}",
            )
    return CitizenOut(name=new.name, phone=new.phone, email=new.email)
