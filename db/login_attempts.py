"""Log-in attempts: whether a password may be checked now (decided and recorded in one locked
step), the outcome once checked, and forgetting attempts no limit looks at any more."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.connection import PooledConnection
from schemas.base import Frozen

# Two-key advisory locks (a space apart from the migrator's one-key lock): one per user id and
# one per client address, always taken in this order, so two attempts never wait on each other
# in a circle.
_USER_LOCKS = 7_007_001
_CLIENT_LOCKS = 7_007_002
_MAX_DOUBLINGS = 20


class Backoff(Frozen):
    """`free` failures within `window` cost nothing; after that the next check waits `first`
    after the latest failure, doubling with each further failure, never longer than `cap`."""

    free: int
    first: timedelta
    cap: timedelta
    window: timedelta

    def wait(self, failures: int, latest: datetime | None, now: datetime) -> timedelta:
        if failures < self.free or latest is None:
            return timedelta(0)
        doublings: int = min(failures - self.free, _MAX_DOUBLINGS)
        delay = min(self.first * (1 << doublings), self.cap)
        return max(latest + delay - now, timedelta(0))


class ThrottleFacts(Frozen):
    """What the limits look at for one (user id, client) attempt; an attempt still being
    checked counts as a failure."""

    now: datetime
    known_pair: bool
    pair_failures: int
    pair_latest: datetime | None
    user_failures: int
    user_latest: datetime | None
    client_failures: int
    client_latest: datetime | None


class LoginPolicy(Frozen):
    """The limits a password check must pass. `pair` (one user id from one client) and `user`
    (one user id from any client) start afresh with a success; `client` (one address, any user
    ids) does not. A device (or else an address) the user logged in from within `known_for`
    is theirs: only `pair` applies to it, so strangers' failures elsewhere cannot keep the user
    out, and a device is a pair of its own, apart from strangers behind the same address."""

    pair: Backoff
    user: Backoff
    client: Backoff
    known_for: timedelta

    @property
    def keep_failures(self) -> timedelta:
        return max(self.pair.window, self.user.window, self.client.window)

    def wait(self, facts: ThrottleFacts) -> timedelta:
        waits = [self.pair.wait(facts.pair_failures, facts.pair_latest, facts.now)]
        if not facts.known_pair:
            waits.append(self.user.wait(facts.user_failures, facts.user_latest, facts.now))
            waits.append(self.client.wait(facts.client_failures, facts.client_latest, facts.now))
        return max(waits)


class Claim(Frozen):
    """Either the attempt now recorded as being checked, or how long to wait before one may."""

    attempt_id: int | None
    wait: timedelta


_FACTS = """
SELECT now, dev.known OR pair_ok.at > now - $6::interval IS TRUE AS known_pair,
       p.failures AS pair_failures, p.latest AS pair_latest,
       u.failures AS user_failures, u.latest AS user_latest,
       c.failures AS client_failures, c.latest AS client_latest
FROM (SELECT clock_timestamp() AS now) t
CROSS JOIN LATERAL (SELECT EXISTS (SELECT FROM login_attempts WHERE user_id = $1 AND device = $7
                    AND succeeded AND attempted_at > now - $6::interval) AS known) dev
CROSS JOIN LATERAL (SELECT max(attempted_at) AS at FROM login_attempts
                    WHERE user_id = $1 AND succeeded
                    AND CASE WHEN dev.known THEN device = $7 ELSE client = $2 END) pair_ok
CROSS JOIN LATERAL (SELECT max(attempted_at) AS at FROM login_attempts
                    WHERE user_id = $1 AND succeeded) user_ok
CROSS JOIN LATERAL (SELECT count(*) AS failures, max(attempted_at) AS latest FROM login_attempts
                    WHERE user_id = $1 AND succeeded IS NOT TRUE
                    AND CASE WHEN dev.known THEN device = $7 ELSE client = $2 END
                    AND attempted_at > greatest(now - $3::interval, pair_ok.at)) p
CROSS JOIN LATERAL (SELECT count(*) AS failures, max(attempted_at) AS latest FROM login_attempts
                    WHERE user_id = $1 AND succeeded IS NOT TRUE
                    AND attempted_at > greatest(now - $4::interval, user_ok.at)) u
CROSS JOIN LATERAL (SELECT count(*) AS failures, max(attempted_at) AS latest FROM login_attempts
                    WHERE client = $2 AND succeeded IS NOT TRUE
                    AND attempted_at > now - $5::interval) c
"""

_BEING_CHECKED = (
    "INSERT INTO login_attempts (user_id, client, device, attempted_at, succeeded)"
    " VALUES ($1, $2, $3, $4, NULL) RETURNING attempt_id"
)


async def claim_check(
    conn: PooledConnection, user_id: str, client: str, device: str, policy: LoginPolicy
) -> Claim:
    """May this attempt's password be checked now? If so it is recorded as being checked (a
    failure until `record_outcome` says otherwise) before the locks are let go, so attempts
    sent in parallel each see the ones before them and those beyond the limits are refused.
    `client` is the address; `device` the digest of the browser's device cookie: once the
    user has logged in with it, that device is limited apart from its address."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _USER_LOCKS, user_id)
        await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _CLIENT_LOCKS, client)
        row = await conn.fetchrow(
            _FACTS,
            user_id,
            client,
            policy.pair.window,
            policy.user.window,
            policy.client.window,
            policy.known_for,
            device,
        )
        assert row is not None
        facts = ThrottleFacts.model_validate(dict(row))
        wait = policy.wait(facts)
        if wait > timedelta(0):
            return Claim(attempt_id=None, wait=wait)
        attempt_id: int = await conn.fetchval(_BEING_CHECKED, user_id, client, device, facts.now)
        return Claim(attempt_id=attempt_id, wait=timedelta(0))


async def record_outcome(conn: PooledConnection, attempt_id: int, succeeded: bool) -> None:
    await conn.execute(
        "UPDATE login_attempts SET succeeded = $2 WHERE attempt_id = $1", attempt_id, succeeded
    )


async def forget_old_attempts(conn: PooledConnection, policy: LoginPolicy) -> int:
    """Delete failures older than every limit's window and successes older than `known_for`;
    returns how many went."""
    status: str = await conn.execute(
        "DELETE FROM login_attempts WHERE attempted_at < now() - $2::interval"
        " OR (succeeded IS NOT TRUE AND attempted_at < now() - $1::interval)",
        policy.keep_failures,
        policy.known_for,
    )
    return int(status.rsplit(" ", 1)[1])
