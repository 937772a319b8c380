"""The relying party's side of OpenID Connect: a provider's discovery document and keys
(fetched over HTTP with timeouts and cached; the document must name the issuer configured),
the authorization request with PKCE, state and nonce, the code exchange, and the end-session
address. A provider that is down or answers nonsense raises ProviderDown (its id is logged,
nothing else)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import structlog
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from pydantic import BaseModel, ConfigDict, ValidationError

from db.identity_providers import IdentityProvider

log = structlog.get_logger(__name__)

TIMEOUT = httpx.Timeout(5.0)
# Discovery documents and keys are fetched again after this long (and keys at once when a
# token names a key id they do not have: the provider rotated its keys).
CACHE_SECONDS = 3600.0


class ProviderDown(Exception):
    """The provider could not be reached or answered something unusable."""


class Discovery(BaseModel):
    """What the relying party reads of /.well-known/openid-configuration."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None = None


class TokenAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id_token: str


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, its S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def client_secret(provider: IdentityProvider) -> str:
    secret = os.environ.get(provider.client_secret_env, "")
    if not secret:
        log.warning("identity provider has no client secret", provider=provider.provider_id)
        raise ProviderDown(f"{provider.client_secret_env} is not set")
    return secret


class ProviderClient:
    """Discovery documents and key sets by issuer, each kept CACHE_SECONDS."""

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._transport = transport
        self._discovery: dict[str, tuple[float, Discovery]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}
        self._lock = asyncio.Lock()

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=TIMEOUT, transport=self._transport)

    async def _get_json(self, provider: IdentityProvider, url: str) -> Any:
        try:
            async with self._client() as client:
                answer = await client.get(url, headers={"accept": "application/json"})
            answer.raise_for_status()
            return answer.json()
        except (httpx.HTTPError, ValueError) as err:
            log.warning(
                "identity provider unreachable",
                provider=provider.provider_id,
                error=type(err).__name__,
            )
            raise ProviderDown(provider.provider_id) from None

    async def discovery(self, provider: IdentityProvider) -> Discovery:
        kept = self._discovery.get(provider.issuer)
        if kept is not None and time.monotonic() - kept[0] < CACHE_SECONDS:
            return kept[1]
        url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            found = Discovery.model_validate(await self._get_json(provider, url))
        except ValidationError:
            log.warning("identity provider discovery unusable", provider=provider.provider_id)
            raise ProviderDown(provider.provider_id) from None
        if found.issuer != provider.issuer:
            log.warning("identity provider names another issuer", provider=provider.provider_id)
            raise ProviderDown(provider.provider_id)
        self._discovery[provider.issuer] = (time.monotonic(), found)
        return found

    async def keys(self, provider: IdentityProvider, *, fresh: bool = False) -> KeySet:
        meta = await self.discovery(provider)
        kept = self._keys.get(meta.jwks_uri)
        if not fresh and kept is not None and time.monotonic() - kept[0] < CACHE_SECONDS:
            return kept[1]
        try:
            found = KeySet.import_key_set(await self._get_json(provider, meta.jwks_uri))
        except (JoseError, ValueError, TypeError, KeyError):
            log.warning("identity provider keys unusable", provider=provider.provider_id)
            raise ProviderDown(provider.provider_id) from None
        self._keys[meta.jwks_uri] = (time.monotonic(), found)
        return found

    async def authorization_url(
        self,
        provider: IdentityProvider,
        *,
        redirect_uri: str,
        state: str,
        nonce: str,
        code_challenge: str,
    ) -> str:
        meta = await self.discovery(provider)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": provider.client_id,
                "redirect_uri": redirect_uri,
                "scope": provider.scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        joiner = "&" if "?" in meta.authorization_endpoint else "?"
        return f"{meta.authorization_endpoint}{joiner}{query}"

    async def exchange(
        self, provider: IdentityProvider, *, code: str, redirect_uri: str, code_verifier: str
    ) -> str:
        """The ID token the provider gives for the code (client_secret_basic)."""
        meta = await self.discovery(provider)
        secret = client_secret(provider)
        try:
            async with self._client() as client:
                answer = await client.post(
                    meta.token_endpoint,
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": redirect_uri,
                        "code_verifier": code_verifier,
                    },
                    auth=(quote(provider.client_id, safe=""), quote(secret, safe="")),
                    headers={"accept": "application/json"},
                )
            answer.raise_for_status()
            return TokenAnswer.model_validate(answer.json()).id_token
        except (httpx.HTTPError, ValueError) as err:
            log.warning(
                "identity provider refused the code",
                provider=provider.provider_id,
                error=type(err).__name__,
            )
            raise ProviderDown(provider.provider_id) from None

    async def end_session_url(
        self, provider: IdentityProvider, post_logout_redirect_uri: str
    ) -> str | None:
        """Where the browser ends its session at the provider, if the provider says."""
        try:
            meta = await self.discovery(provider)
        except ProviderDown:
            return None
        if meta.end_session_endpoint is None:
            return None
        query = urlencode(
            {"client_id": provider.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        )
        joiner = "&" if "?" in meta.end_session_endpoint else "?"
        return f"{meta.end_session_endpoint}{joiner}{query}"


PROVIDERS = ProviderClient()
