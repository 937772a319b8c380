"""The migrations apply on a fresh database and the audit log refuses changes."""

import json
import uuid

import asyncpg
import pytest

from db.migrate import migrate, migration_files
from db.pool import DatabasePool
from db.programmes import default_programmes
from tests.conftest import ADMIN_URL, _with_database


async def test_migrating_twice_applies_nothing_new(db_pool: DatabasePool) -> None:
    async with db_pool.acquire() as conn:
        assert await migrate(conn) == []
        versions = await conn.fetchval("SELECT count(*) FROM schema_migrations")
        assert versions >= 1


async def test_audit_log_is_append_only(db_pool: DatabasePool) -> None:
    async with db_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO audit_log (audit_id, at, actor_role, actor_id, action)"
            " VALUES ('t-1', now(), 'system', 'test', 'test')"
        )
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM audit_log WHERE audit_id = 't-1'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE audit_log SET action = 'x' WHERE audit_id = 't-1'")


async def test_the_roster_of_before_partnerships_as_data_keeps_working() -> None:
    """A database migrated before 0016 (one partnership per organisation, a `trained` flag, a
    supervision group name on the peer) comes out with the same partnership, training records
    that keep its trained peers offerable for what they serve, and the group with its member."""
    name = f"hverdagsbro_migration_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    conn = await asyncpg.connect(_with_database(ADMIN_URL, name))
    try:
        before = [(v, sql) for v, sql in migration_files() if v < "0016"]
        await conn.execute(
            "CREATE TABLE schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for version, sql in before:
            await conn.execute(sql)
            await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
        for programme in default_programmes():
            old = programme.model_dump(mode="json", exclude={"carried_by", "training"})
            await conn.execute(
                "INSERT INTO programmes (code, definition) VALUES ($1, $2::jsonb)",
                programme.code,
                json.dumps(old),
            )
        await conn.execute(
            """
            INSERT INTO partnerships VALUES ('p1', 'Old partnership');
            INSERT INTO organisations VALUES ('ngo1', 'NGO', 'ngo', 'p1'),
                                             ('kk', 'Kommune', 'municipality', 'p1');
            INSERT INTO users (user_id, role, display_name) VALUES
                ('guide', 'peer', 'Guide'), ('new', 'peer', 'New');
            INSERT INTO peers (peer_id, organisation_id, employment, trained, training_completed,
                               supervision_group, programmes, capacity) VALUES
                ('guide', 'ngo1', 'volunteer', true, current_date - 100, 'volunteers',
                 '{peer-guide-sind,ark-course}', 2),
                ('new', 'ngo1', 'volunteer', false, NULL, 'volunteers', '{peer-guide-sind}', 2);
            """
        )

        applied = await migrate(conn)

        assert applied[0] == "0016_partnerships_and_roster"
        members = await conn.fetch(
            "SELECT partnership_id, organisation_id FROM partnership_members ORDER BY 2"
        )
        assert [tuple(r) for r in members] == [("p1", "kk"), ("p1", "ngo1")]
        courses = await conn.fetch(
            "SELECT peer_id, course FROM peer_trainings ORDER BY peer_id, course"
        )
        assert [tuple(r) for r in courses] == [("guide", "ark-instructor"), ("guide", "peer-guide")]
        offerable = await conn.fetch(
            "SELECT peer_id, programme FROM offerable_peer_programmes ORDER BY 1, 2"
        )
        assert [tuple(r) for r in offerable] == [
            ("guide", "ark-course"),
            ("guide", "peer-guide-sind"),
        ]
        group = await conn.fetch("SELECT group_id, peer_id FROM supervision_members ORDER BY 2")
        assert [tuple(r) for r in group] == [("volunteers", "guide"), ("volunteers", "new")]
        rules = await conn.fetchval(
            "SELECT definition -> 'carried_by' -> 'employment' FROM programmes"
            " WHERE code = 'municipal-peer-support'"
        )
        assert json.loads(rules) == ["employed"]
    finally:
        await conn.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
