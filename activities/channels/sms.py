"""SMS delivery through an HTTP gateway (a webhook that takes one JSON message per POST)."""

from __future__ import annotations

import httpx

SMS_TIMEOUT = 10.0


class SmsGatewayError(Exception):
    """The gateway answered, but not with success."""


class SmsSender:
    """POSTs {"id", "to", "text"} to the gateway; `id` lets the gateway drop repeats."""

    def __init__(self, url: str, client: httpx.AsyncClient) -> None:
        self.url = url
        self.client = client

    async def send(self, *, to: str, text: str, message_id: str) -> None:
        response = await self.client.post(
            self.url, json={"id": message_id, "to": to, "text": text}, timeout=SMS_TIMEOUT
        )
        if not response.is_success:
            raise SmsGatewayError(f"SMS gateway answered HTTP {response.status_code}")
