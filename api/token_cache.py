"""A short-lived cache of API tokens found valid, so a system's every request costs no query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from api.principal import Principal
from db.access import secret_digest


class TokenCache:
    """Systems send a token with every request; looking it up each time was the API's most
    expensive query. A token found valid is trusted for TTL (or until it expires, if sooner):
    a revoked token stops working within that time in every API process."""

    TTL = timedelta(seconds=5)
    MAX_ENTRIES = 1000

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[Principal, datetime]] = {}

    def get(self, secret: str) -> Principal | None:
        key = secret_digest(secret)
        entry = self._entries.get(key)
        if entry is None:
            return None
        principal, until = entry
        if self._clock() >= until:
            del self._entries[key]
            return None
        return principal

    def put(self, secret: str, principal: Principal, expires_at: datetime | None) -> None:
        if len(self._entries) >= self.MAX_ENTRIES:
            self._entries.clear()
        until = self._clock() + self.TTL
        if expires_at is not None:
            until = min(until, expires_at)
        self._entries[secret_digest(secret)] = (principal, until)
