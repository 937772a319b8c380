"""Password guessing against the real log-in page: parallel guesses, one client trying many
accounts, strangers trying to keep a clinician out, and old sessions and attempts expiring."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

import api.web.login
from api import housekeeping
from api.login_throttle import LOGIN_POLICY
from api.passwords import verify_password
from api.web.login import DEVICE_COOKIE
from db.access import create_session, session_user
from db.login_attempts import claim_check, record_outcome
from db.pool import DatabasePool, create_pool
from hverdagsbro.settings import Settings
from tests.web.conftest import PASSWORD, web_roster


def address() -> str:
    """A client address of the test's own (documentation range), so no other test's log-ins
    from 127.0.0.1 are ever held up by these attacks."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


@asynccontextmanager
async def browser_at(app: FastAPI, host: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client at `host` (the address the app sees) holding the log-in form's token cookie."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(host, 40000)), base_url="http://test"
    ) as client:
        yield client


async def login_token(client: httpx.AsyncClient) -> str:
    page = await client.get("/login?lang=en")
    found = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert found is not None, "the log-in page has no token"
    return found[1]


async def try_login(
    client: httpx.AsyncClient, user_id: str, password: str, token: str | None = None
) -> httpx.Response:
    sent = token or await login_token(client)
    return await client.post(
        "/login", data={"login_token": sent, "user_id": user_id, "password": password}
    )


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password the log-in page really checks (it calls verify_password per check)."""
    seen: list[str] = []

    def counting(stored: str, password: str) -> bool:
        seen.append(password)
        return verify_password(stored, password)

    monkeypatch.setattr(api.web.login, "verify_password", counting)
    return seen


async def shift_attempts_back(pool: DatabasePool, user_id: str, by: timedelta) -> None:
    """As if `by` had passed since the user id's attempts (no test waits a minute)."""
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE login_attempts SET attempted_at = attempted_at - $2::interval"
            " WHERE user_id = $1",
            user_id,
            by,
        )


async def test_eight_parallel_wrong_guesses_check_only_five_passwords(
    web_app: FastAPI, db_pool: DatabasePool, checks: list[str]
) -> None:
    roster = await web_roster(db_pool, peers=1)
    victim = roster.ward_nurse
    async with browser_at(web_app, address()) as attacker:
        token = await login_token(attacker)
        answers = await asyncio.gather(
            *(try_login(attacker, victim, f"guess-{n}", token) for n in range(8))
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [401] * 5 + [429] * 3, statuses
        assert len(checks) == 5, "a guess beyond the budget had its password checked"
        refused = next(a for a in answers if a.status_code == 429)
        assert "Wait 1 minute" in refused.text
        assert 0 < int(refused.headers["Retry-After"]) <= 60

        # Even the right password is not checked from there until the wait is over.
        right = await try_login(attacker, victim, PASSWORD)
        assert right.status_code == 429
        assert len(checks) == 5
    async with db_pool.acquire() as conn:
        recorded = await conn.fetchval(
            "SELECT count(*) FROM login_attempts WHERE user_id = $1", victim
        )
    assert recorded == 5, "every checked guess and only those is recorded"


async def test_one_client_failing_across_fifteen_accounts_is_throttled(
    web_app: FastAPI, db_pool: DatabasePool, checks: list[str]
) -> None:
    roster = await web_roster(db_pool, peers=3)
    real = [roster.ward_nurse, roster.coordinator, *roster.peers, *roster.caseworkers.values()]
    targets = [*real, *(f"nobody-{n}-{secrets.token_hex(3)}" for n in range(15 - len(real)))]
    assert len(targets) == 15
    async with browser_at(web_app, address()) as sprayer:
        for user_id in targets:
            answer = await try_login(sprayer, user_id, "Sommer2024!")
            assert answer.status_code == 401, f"failure {len(checks)} was throttled too early"
        assert len(checks) == 15

        sixteenth = await try_login(sprayer, f"nobody-{secrets.token_hex(3)}", "x")
        assert sixteenth.status_code == 429
        assert "Too many failed attempts" in sixteenth.text
        right = await try_login(sprayer, roster.peers[0], PASSWORD)
        assert right.status_code == 429, "a client never used by the user stays held up"
        assert len(checks) == 15, "no password was checked for the throttled client"

    async with browser_at(web_app, address()) as colleague:
        answer = await try_login(colleague, roster.peers[0], PASSWORD)
        assert answer.status_code == 303, "another client is not held up by the sprayer"


async def test_strangers_failures_keep_the_user_out_at_most_a_minute(
    web_app: FastAPI, db_pool: DatabasePool, checks: list[str]
) -> None:
    roster = await web_roster(db_pool, peers=1)
    clinician = roster.coordinator
    home = address()
    async with browser_at(web_app, home) as own:
        assert (await try_login(own, clinician, PASSWORD)).status_code == 303

    strangers = [address() for _ in range(30)]

    async def wave() -> list[int]:
        """Thirty strangers guess at once, each from an address of their own."""

        async def guess(host: str) -> int:
            async with browser_at(web_app, host) as stranger:
                return (await try_login(stranger, clinician, "guess")).status_code

        return list(await asyncio.gather(*(guess(host) for host in strangers)))

    before = len(checks)
    statuses = await wave()
    assert statuses.count(401) == len(checks) - before == 10, statuses
    # Each time the delay is over one more guess gets through, and the delay doubles.
    for _ in range(5):
        await shift_attempts_back(db_pool, clinician, LOGIN_POLICY.user.cap)
        assert (await wave()).count(401) == 1

    # A client the clinician never used waits the per-user delay: the cap, a minute, at most.
    async with browser_at(web_app, address()) as laptop:
        held = await try_login(laptop, clinician, PASSWORD)
        assert held.status_code == 429
        assert 50 < int(held.headers["Retry-After"]) <= LOGIN_POLICY.user.cap.total_seconds()
        await shift_attempts_back(db_pool, clinician, LOGIN_POLICY.user.cap)
        assert (await try_login(laptop, clinician, PASSWORD)).status_code == 303

    # The clinician's own client does not wait at all, however many strangers just failed.
    assert (await wave()).count(401) == 10
    async with browser_at(web_app, home) as own:
        assert (await try_login(own, clinician, PASSWORD)).status_code == 303


async def test_a_stranger_behind_the_users_own_address_cannot_keep_the_user_out(
    web_app: FastAPI, db_pool: DatabasePool, checks: list[str]
) -> None:
    roster = await web_roster(db_pool, peers=1)
    clinician = roster.ward_nurse
    shared = address()  # the hospital's NAT: everyone there comes from this address
    async with browser_at(web_app, shared) as own:
        assert (await try_login(own, clinician, PASSWORD)).status_code == 303
        assert own.cookies.get(DEVICE_COOKIE)

        async with browser_at(web_app, shared) as colleague:
            for _ in range(5):
                assert (await try_login(colleague, clinician, "guess")).status_code == 401
            assert (await try_login(colleague, clinician, "guess")).status_code == 429
            # Any browser there without the clinician's device cookie waits too ...
            assert (await try_login(colleague, clinician, PASSWORD)).status_code == 429
        checked = len(checks)
        # ... but the clinician's own browser is a pair of its own and does not wait.
        assert (await try_login(own, clinician, PASSWORD)).status_code == 303
        assert len(checks) == checked + 1


async def test_expired_sessions_and_old_attempts_are_swept(db_pool: DatabasePool) -> None:
    roster = await web_roster(db_pool, peers=1)
    user_id = roster.ward_nurse
    async with db_pool.acquire() as conn:
        expired, _ = await create_session(conn, user_id, timedelta(seconds=-1))
        live, _ = await create_session(conn, user_id, timedelta(hours=1))
        ids = {}
        for name, succeeded in [
            ("old failure", False),
            ("old success", True),
            ("recent success", True),
            ("fresh failure", False),
        ]:
            claim = await claim_check(conn, user_id, f"test-{name}", "no-device", LOGIN_POLICY)
            assert claim.attempt_id is not None
            await record_outcome(conn, claim.attempt_id, succeeded)
            ids[name] = claim.attempt_id
        ages = {
            "old failure": LOGIN_POLICY.keep_failures + timedelta(minutes=1),
            "old success": LOGIN_POLICY.known_for + timedelta(minutes=1),
            "recent success": LOGIN_POLICY.keep_failures + timedelta(minutes=1),
        }
        for name, age in ages.items():
            await conn.execute(
                "UPDATE login_attempts SET attempted_at = now() - $2::interval"
                " WHERE attempt_id = $1",
                ids[name],
                age,
            )

    sessions, attempts = await housekeeping.sweep(db_pool)
    assert sessions >= 1 and attempts >= 2

    async with db_pool.acquire() as conn:
        kept = {
            r["attempt_id"]
            for r in await conn.fetch(
                "SELECT attempt_id FROM login_attempts WHERE user_id = $1", user_id
            )
        }
        assert kept == {ids["recent success"], ids["fresh failure"]}
        hashes = await conn.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", user_id)
        assert hashes == 1, "the expired session row is gone, the live one stays"
        assert await session_user(conn, live) is not None
        assert await session_user(conn, expired) is None


async def test_a_failed_sweep_is_retried_by_the_next(database_url: str) -> None:
    broken = await create_pool(database_url, give_up_after=Settings().database_timeout)
    await broken.close()
    sweeping = asyncio.create_task(housekeeping.sweep_forever(broken, every=0.01))
    await asyncio.sleep(0.1)
    assert not sweeping.done(), "a sweep that failed stopped the sweeping"
    sweeping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sweeping


def test_the_policy_waits_grow_and_stop_at_the_cap() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    waits = [LOGIN_POLICY.pair.wait(n, at, at) for n in range(4, 12)]
    assert [int(w.total_seconds() // 60) for w in waits] == [0, 1, 2, 4, 8, 15, 15, 15]
    assert LOGIN_POLICY.user.wait(1000, at, at) == timedelta(minutes=1)
    assert LOGIN_POLICY.pair.wait(1000, at, at + timedelta(minutes=15)) == timedelta(0)
