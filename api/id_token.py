"""An OpenID Connect ID token checked as the core spec asks (section 3.1.3.7): its signature
against the provider's published keys, then iss, aud (and azp), exp, iat and nonce. What is
wrong comes back as a Refusal, never the token's content (it holds personal data)."""

from __future__ import annotations

import secrets
import time
from enum import StrEnum
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

# Asymmetric only: "none" and the client-secret HMAC algorithms are refused.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
# Clocks of the provider and this server may differ this much.
LEEWAY_SECONDS = 60


class Refusal(StrEnum):
    """Why an ID token was not accepted (the audit's reason, the page's text key)."""

    FORGED = "forged"
    UNKNOWN_KEY = "unknown_key"
    ISSUER = "issuer"
    AUDIENCE = "audience"
    EXPIRED = "expired"
    ISSUED_LATER = "issued_later"
    NONCE = "nonce"
    SUBJECT = "subject"


class TokenRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(f"ID token refused: {refusal.value}")
        self.refusal = refusal


def key_id(token: str) -> str | None:
    """The `kid` of the token's header (to fetch the keys again when it is new), if any."""
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError):
        raise TokenRefused(Refusal.FORGED) from None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def has_key(keys: KeySet, kid: str | None) -> bool:
    return kid is None or any(k.kid == kid for k in keys.keys)


def verified_claims(
    token: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float | None = None,
) -> dict[str, Any]:
    """The token's claims, if its signature and claims hold; TokenRefused otherwise."""
    if not has_key(keys, key_id(token)):
        raise TokenRefused(Refusal.UNKNOWN_KEY)
    try:
        claims: dict[str, Any] = dict(jwt.decode(token, keys, algorithms=ALGORITHMS).claims)
    except (JoseError, ValueError):
        raise TokenRefused(Refusal.FORGED) from None
    moment = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise TokenRefused(Refusal.ISSUER)
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or client_id not in audiences:
        raise TokenRefused(Refusal.AUDIENCE)
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise TokenRefused(Refusal.AUDIENCE)
    expires, issued = claims.get("exp"), claims.get("iat")
    if not isinstance(expires, int | float) or expires + LEEWAY_SECONDS <= moment:
        raise TokenRefused(Refusal.EXPIRED)
    if not isinstance(issued, int | float) or issued - LEEWAY_SECONDS > moment:
        raise TokenRefused(Refusal.ISSUED_LATER)
    sent = claims.get("nonce")
    if not isinstance(sent, str) or not secrets.compare_digest(sent, nonce):
        raise TokenRefused(Refusal.NONCE)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise TokenRefused(Refusal.SUBJECT)
    return claims
