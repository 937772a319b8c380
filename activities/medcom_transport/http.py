"""The HTTP adapter: POST each MedCom message to a gateway/VANS endpoint."""

from __future__ import annotations

import asyncio

import httpx
from pydantic import SecretStr

from activities.medcom_transport.port import OutgoingBundle, TransportError

FHIR_JSON = "application/fhir+json"
GATEWAY_TIMEOUT = 30.0


class HttpTransport:
    """POSTs the Bundle (Content-Type application/fhir+json) to `url`.

    Any 2xx means the gateway has taken it. 408, 429, 5xx, a timeout or no connection are
    worth another try later (`retryable`); any other answer (400, 401, 403, 404, 413, ...)
    means this message or this configuration is refused and the same try will fail again.
    Credentials: a bearer `token`, or `user` and `password` (HTTP basic), or none.
    `timeout` bounds the whole exchange, not each read.
    """

    def __init__(
        self,
        url: str,
        client: httpx.AsyncClient,
        *,
        token: SecretStr | None = None,
        user: str | None = None,
        password: SecretStr | None = None,
        timeout: float = GATEWAY_TIMEOUT,
    ) -> None:
        if token is not None and user is not None:
            raise ValueError("give a bearer token or a user and password, not both")
        if (user is None) != (password is None):
            raise ValueError("a user needs a password, and a password a user")
        self.url = url
        self.client = client
        self.timeout = timeout
        self._token = token
        self._auth = (
            httpx.BasicAuth(user, password.get_secret_value())
            if user is not None and password is not None
            else None
        )

    async def send(self, bundle: OutgoingBundle) -> None:
        headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        try:
            async with asyncio.timeout(self.timeout):
                response = await self.client.post(
                    self.url,
                    content=bundle.body,
                    headers=headers,
                    auth=self._auth if self._auth is not None else httpx.USE_CLIENT_DEFAULT,
                    timeout=self.timeout,
                )
        except (TimeoutError, httpx.TimeoutException):
            # The gateway may still have taken it; the repeat carries the same ids.
            raise TransportError("timeout", retryable=True) from None
        except httpx.ConnectError:
            raise TransportError("connect error", retryable=True) from None
        except httpx.TransportError as err:
            raise TransportError(f"transport error {type(err).__name__}", retryable=True) from None
        status = response.status_code
        if response.is_success:
            return
        retryable = status in (408, 429) or status >= 500
        raise TransportError(f"http {status}", retryable=retryable)
