"""Databases are created and dropped by name, whatever characters the name holds."""

from __future__ import annotations

import uuid

import asyncpg

from db.databases import create_database, database_exists, drop_database
from tests.conftest import ADMIN_URL


async def test_a_name_with_quotes_and_spaces_is_one_identifier_not_sql() -> None:
    name = f'bench "{uuid.uuid4().hex[:8]}"; DROP DATABASE postgres; --'
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        assert not await database_exists(admin, name)
        await create_database(admin, name)
        assert await database_exists(admin, name)
        await drop_database(admin, name)
        assert not await database_exists(admin, name)
        assert await database_exists(admin, "postgres")
    finally:
        await drop_database(admin, name)
        await admin.close()


async def test_dropping_a_missing_database_is_not_an_error() -> None:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        name = f"never_created_{uuid.uuid4().hex[:8]}"
        await drop_database(admin, name)
        assert not await database_exists(admin, name)
    finally:
        await admin.close()
