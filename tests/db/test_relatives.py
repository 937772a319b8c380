"""Relatives on an episode: only with the share_with_relative consent, once per form, removed
with their contact data gone, every change audited with ids only."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from db import relatives
from db.pool import DatabasePool
from schemas.people import Actor, Role
from schemas.relatives import Added, NewRelative
from tests.activities.citizens import NOT_SHARED, WARD, citizen_episode

PEER = Actor(role=Role.PEER, id="peer-x")


def new_relative(episode_id: str, **changes: str | None) -> NewRelative:
    values: dict[str, str | None] = {
        "relative_id": f"rel-{uuid.uuid4().hex}",
        "episode_id": episode_id,
        "name": "Pia Pårørende",
        "phone": "+45 31 31 31 31",
        "email": None,
        "relation": "sister",
    }
    values.update(changes)
    return NewRelative.model_validate(values)


async def test_a_relative_is_added_once_and_audited_without_their_data(
    db_pool: DatabasePool,
) -> None:
    citizen = await citizen_episode(db_pool)
    relative = new_relative(citizen.episode_id)
    async with db_pool.acquire() as conn:
        assert await relatives.add(conn, relative, WARD) == Added.ADDED
        assert await relatives.add(conn, relative, WARD) == Added.ALREADY
        [found] = await relatives.current(conn, citizen.episode_id)
        audit = await conn.fetch(
            "SELECT action, actor_role, detail::text FROM audit_log WHERE episode_id = $1"
            " AND action LIKE 'relative.%'",
            citizen.episode_id,
        )
    assert (found.relative_id, found.name, found.phone, found.relation) == (
        relative.relative_id,
        "Pia Pårørende",
        "+45 31 31 31 31",
        "sister",
    )
    assert "Pia" not in repr(found) and "31 31" not in repr(found)
    assert [(r["action"], r["actor_role"]) for r in audit] == [("relative.added", "ward")]
    assert "Pia" not in audit[0]["detail"] and relative.relative_id in audit[0]["detail"]


async def test_no_relative_is_added_without_the_consent(db_pool: DatabasePool) -> None:
    citizen = await citizen_episode(db_pool, consents=NOT_SHARED)
    async with db_pool.acquire() as conn:
        assert await relatives.add(conn, new_relative(citizen.episode_id), PEER) == (
            Added.NO_CONSENT
        )
        assert await relatives.add(conn, new_relative("episode-unknown"), PEER) == (
            Added.NO_CONSENT
        )
        assert await relatives.current(conn, citizen.episode_id) == []


async def test_a_removed_relative_keeps_no_contact_data(db_pool: DatabasePool) -> None:
    citizen = await citizen_episode(db_pool)
    relative = new_relative(citizen.episode_id, email="pia@example.org")
    async with db_pool.acquire() as conn:
        await relatives.add(conn, relative, WARD)
        assert await relatives.remove(conn, citizen.episode_id, relative.relative_id, PEER)
        assert await relatives.remove(conn, citizen.episode_id, relative.relative_id, PEER)
        assert not await relatives.remove(conn, "episode-other", relative.relative_id, PEER)
        assert await relatives.current(conn, citizen.episode_id) == []
        kept = await conn.fetchrow(
            "SELECT name, phone, email, relation, removed_by_role FROM episode_relatives"
            " WHERE relative_id = $1",
            relative.relative_id,
        )
        actions = await conn.fetch(
            "SELECT action FROM audit_log WHERE episode_id = $1 AND action LIKE 'relative.%'"
            " ORDER BY audit_no",
            citizen.episode_id,
        )
    assert kept is not None
    assert tuple(kept) == ("", None, None, None, "peer")
    assert [a["action"] for a in actions] == ["relative.added", "relative.removed"]


def test_a_relative_needs_a_name_and_a_way_to_reach_them() -> None:
    with pytest.raises(ValidationError, match="a phone number or an e-mail address is needed"):
        new_relative("episode-1", phone=None, email=None)
    with pytest.raises(ValidationError, match="phone"):
        new_relative("episode-1", phone="call me")
    with pytest.raises(ValidationError, match="name"):
        new_relative("episode-1", name="")
