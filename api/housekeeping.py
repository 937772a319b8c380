"""The API's housekeeping sweep: expired sessions and log-in attempts no limit needs go away,
and so do citizens' ended sessions, old sign-in links and sign-ins at an identity provider
that never came back."""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from api.auth import CITIZEN_IDLE
from api.login_throttle import LOGIN_POLICY
from db.access import end_expired_sessions
from db.citizen_sign_in import forget_old_sign_ins
from db.connection import CONNECTION_LOST
from db.identity_providers import end_expired_sign_ins
from db.login_attempts import forget_old_attempts
from db.pool import DatabasePool

log = structlog.get_logger(__name__)

# What a sweep logs and leaves to the next one: the database being away or refusing.
_SWEEP_SURVIVES: tuple[type[Exception], ...] = (*CONNECTION_LOST, OSError, asyncpg.PostgresError)


async def sweep(pool: DatabasePool) -> tuple[int, int]:
    """Delete expired sessions and old log-in attempts; returns how many of each went."""
    async with pool.acquire() as conn:
        sessions = await end_expired_sessions(conn)
        attempts = await forget_old_attempts(conn, LOGIN_POLICY)
        citizen = await forget_old_sign_ins(conn, CITIZEN_IDLE)
        provider_sign_ins = await end_expired_sign_ins(conn)
    if sessions or attempts or citizen or provider_sign_ins:
        log.info(
            "housekeeping swept",
            sessions=sessions,
            login_attempts=attempts,
            citizen_sign_ins=citizen,
            provider_sign_ins=provider_sign_ins,
        )
    return sessions, attempts


async def sweep_forever(pool: DatabasePool, every: float = 300.0) -> None:
    """One per API process (several processes sweeping is harmless); a failed sweep is logged
    and the next one tries again."""
    while True:
        await asyncio.sleep(every)
        try:
            await sweep(pool)
        except _SWEEP_SURVIVES as err:
            log.warning("housekeeping sweep failed; next sweep retries", error=type(err).__name__)
