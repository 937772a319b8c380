"""ID tokens the relying party must refuse: signed by another key, expired, for another
audience or issuer, with another nonce, unsigned; and the one it accepts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from api.id_token import Refusal, TokenRefused, verified_claims

ISSUER = "https://idp.example.org"
CLIENT = "hverdagsbro"
NONCE = "n-0123456789"


def provider_key(kid: str = "k1") -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)


def signed(key: RSAKey, **changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "nurse@example.org",
        "exp": now + 300,
        "iat": now,
        "nonce": NONCE,
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def published(key: RSAKey) -> KeySet:
    """What the provider's jwks_uri serves: the public half."""
    return KeySet.import_key_set({"keys": [key.as_dict(private=False)]})


def check(token: str, keys: KeySet) -> dict[str, Any]:
    return verified_claims(token, keys, issuer=ISSUER, client_id=CLIENT, nonce=NONCE)


KEY = provider_key()


def test_a_good_token_gives_its_claims() -> None:
    assert check(signed(KEY), published(KEY))["sub"] == "nurse@example.org"


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"exp": int(time.time()) - 3600}, Refusal.EXPIRED),
        ({"aud": "another-app"}, Refusal.AUDIENCE),
        ({"aud": [CLIENT, "another-app"]}, Refusal.AUDIENCE),  # several audiences, no azp
        ({"iss": "https://evil.example.org"}, Refusal.ISSUER),
        ({"nonce": "n-replayed"}, Refusal.NONCE),
        ({"nonce": None}, Refusal.NONCE),
        ({"iat": int(time.time()) + 3600}, Refusal.ISSUED_LATER),
        ({"sub": ""}, Refusal.SUBJECT),
    ],
)
def test_a_wrong_claim_is_refused(changes: dict[str, Any], refusal: Refusal) -> None:
    with pytest.raises(TokenRefused) as refused:
        check(signed(KEY, **changes), published(KEY))
    assert refused.value.refusal == refusal


def test_several_audiences_with_this_client_as_azp_pass() -> None:
    token = signed(KEY, aud=[CLIENT, "another-app"], azp=CLIENT)
    assert check(token, published(KEY))["azp"] == CLIENT


def test_a_token_forged_with_another_key_under_the_providers_key_id_is_refused() -> None:
    forger = provider_key(kid=KEY.kid or "k1")
    with pytest.raises(TokenRefused) as refused:
        check(signed(forger), published(KEY))
    assert refused.value.refusal == Refusal.FORGED


def test_a_token_naming_a_key_the_provider_does_not_publish_is_refused() -> None:
    with pytest.raises(TokenRefused) as refused:
        check(signed(provider_key(kid="k-other")), published(KEY))
    assert refused.value.refusal == Refusal.UNKNOWN_KEY


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        # alg "none": an unsigned token with the right claims.
        "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLm9yZyJ9.",
    ],
)
def test_garbage_and_unsigned_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenRefused) as refused:
        check(token, published(KEY))
    assert refused.value.refusal == Refusal.FORGED
