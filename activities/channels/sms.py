"""SMS delivery through an HTTP gateway (a webhook that takes one JSON message per POST)."""

from __future__ import annotations

import asyncio

import httpx

SMS_TIMEOUT = 10.0


class SmsGatewayError(Exception):
    """The gateway answered, but not with success, or did not answer in time."""


class SmsSender:
    """POSTs {"id", "to", "text"} to the gateway; `id` lets the gateway drop repeats.

    `timeout` bounds the whole exchange, not each read: a gateway that never answers, or
    answers a byte at a time, fails the attempt instead of holding the outbox row's lock
    until the activity's own deadline."""

    def __init__(self, url: str, client: httpx.AsyncClient, timeout: float = SMS_TIMEOUT) -> None:
        self.url = url
        self.client = client
        self.timeout = timeout

    async def send(self, *, to: str, text: str, message_id: str) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                response = await self.client.post(
                    self.url,
                    json={"id": message_id, "to": to, "text": text},
                    timeout=self.timeout,
                )
        except (TimeoutError, httpx.TimeoutException):
            # The gateway may still send it; the retry carries the same id, so it can drop it.
            raise SmsGatewayError("SMS gateway timeout") from None
        if not response.is_success:
            raise SmsGatewayError(f"SMS gateway answered HTTP {response.status_code}")
