"""Bearer tokens found valid are trusted for a few seconds, never past their expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.principal import Principal, TokenRole
from api.token_cache import TokenCache

START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
GATEWAY = Principal(id="tok-1", role=TokenRole.MEDCOM_GATEWAY, display_name="Region gateway")


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_a_cached_token_is_trusted_for_the_ttl_then_looked_up_again() -> None:
    clock = Clock()
    cache = TokenCache(clock)
    assert cache.get("hb_secret") is None
    cache.put("hb_secret", GATEWAY, expires_at=None)
    clock.now = START + TokenCache.TTL - timedelta(milliseconds=1)
    assert cache.get("hb_secret") == GATEWAY
    clock.now = START + TokenCache.TTL
    assert cache.get("hb_secret") is None, "a revoked token stops working within the TTL"


def test_a_token_that_expires_sooner_is_not_trusted_past_its_expiry() -> None:
    clock = Clock()
    cache = TokenCache(clock)
    cache.put("hb_secret", GATEWAY, expires_at=START + timedelta(seconds=1))
    clock.now = START + timedelta(seconds=1)
    assert cache.get("hb_secret") is None


def test_other_secrets_miss_and_the_cache_stays_bounded() -> None:
    cache = TokenCache(Clock())
    for n in range(TokenCache.MAX_ENTRIES + 5):
        cache.put(f"hb_{n}", GATEWAY, expires_at=None)
    assert cache.get("hb_other") is None
    assert len(cache._entries) <= TokenCache.MAX_ENTRIES
