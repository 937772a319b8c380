"""`hverdagsbro token create/bind`: tokens bound to whom they speak for, checked against the
roster; and every text option of the management commands refuses text PostgreSQL cannot keep."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from command.synthetic.roster import Roster, make_roster
from db.access import token_record
from db.pool import DatabasePool, create_pool
from hverdagsbro.settings import Settings
from tests.test_cli import hverdagsbro, logging_put_back

__all__ = ["logging_put_back"]  # the autouse fixture, for the commands run here too


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[DatabasePool]:
    opened = await create_pool(database_url, give_up_after=Settings().database_timeout, max_size=1)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def roster(pool: DatabasePool) -> Roster:
    return await make_roster(pool, peers=0)


def env(database_url: str) -> dict[str, str]:
    return {"HVERDAGSBRO_DATABASE_URL": database_url}


async def token_count(pool: DatabasePool) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM api_tokens")
    return count


async def test_a_gateway_token_is_bound_to_the_sor_codes_and_organisations_given(
    database_url: str, pool: DatabasePool, roster: Roster
) -> None:
    created = await hverdagsbro(
        "token", "create", "--role", "medcom_gateway", "--name", "Gateway",
        "--sor", roster.ward_sor, env=env(database_url),
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    token_id, secret = created.stdout.split()[1], created.stdout.splitlines()[1].strip()
    async with pool.acquire() as conn:
        record = await token_record(conn, secret)
    assert record is not None
    assert record.sor_codes == {roster.ward_sor}
    assert record.wards == {roster.ward_id}
    assert record.organisations == frozenset()

    bound = await hverdagsbro(
        "token", "bind", token_id, "--organisation", roster.organisation_id, env=env(database_url)
    )
    assert bound.exit_code == 0, bound.output
    async with pool.acquire() as conn:
        record = await token_record(conn, secret)
    assert record is not None and record.organisations == {roster.organisation_id}


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (
            ("--role", "medcom_gateway"),
            "--sor or --organisation: a token of role medcom_gateway must",
        ),
        (("--role", "integration"), "--sor or --organisation: a token of role integration must"),
        (("--role", "medcom_gateway", "--sor", "999999999999999"), "--sor: no ward has SOR"),
        (("--role", "integration", "--organisation", "org-nobody"), "--organisation: no org"),
        (("--role", "operator", "--organisation", "org-x"), "an operator token speaks for"),
    ],
)
async def test_a_token_bound_to_nobody_or_to_unknown_senders_is_not_created(
    args: tuple[str, ...], reason: str, database_url: str, pool: DatabasePool
) -> None:
    before = await token_count(pool)
    result = await hverdagsbro("token", "create", "--name", "Gateway", *args, env=env(database_url))
    assert result.exit_code == 1, result.output
    assert reason in result.stderr
    assert "Traceback" not in result.output
    assert await token_count(pool) == before


async def test_a_malformed_sor_code_is_a_usage_error_naming_the_option(database_url: str) -> None:
    result = await hverdagsbro(
        "token", "create", "--role", "medcom_gateway", "--name", "G", "--sor", "Region H",
        env=env(database_url),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Invalid value for '--sor'" in result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("token", "create", "--role", "operator", "--name", "Ops\x00"), "--name"),
        (("token", "create", "--role", "operator", "--name", "Ops\udcff"), "--name"),
        (("token", "create", "--role", "integration", "--name", "I", "--organisation", "o\x00"),
         "--organisation"),
        (("token", "create", "--role", "medcom_gateway", "--name", "G", "--sor", "1\udc80"),
         "--sor"),
        (("token", "revoke", "tok-\x00"), "TOKEN_ID"),
        (("token", "bind", "tok-\udc80", "--organisation", "o"), "TOKEN_ID"),
        (("erase", "--citizen-id", "c\x00", "--operator", "dpo"), "--citizen-id"),
        (("erase", "--citizen-id", "c", "--operator", "dpo\x00"), "--operator"),
    ],
)  # fmt: skip
async def test_text_postgresql_cannot_store_is_refused_naming_the_option(
    args: tuple[str, ...], option: str, database_url: str, pool: DatabasePool
) -> None:
    before = await token_count(pool)
    result = await hverdagsbro(*args, env=env(database_url))
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.stderr
    assert "NUL" in result.stderr or "surrogate" in result.stderr
    assert await token_count(pool) == before
