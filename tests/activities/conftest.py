"""Fixtures for activity tests: a roster per test and a fake SMS gateway that can fail."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from db.pool import DatabasePool
from tests.activities.builders import Roster


@pytest.fixture
def roster(db_pool: DatabasePool) -> Roster:
    return Roster(db_pool)


@dataclass
class SmsGateway:
    """An HTTP server that records every POSTed JSON message and answers `status`."""

    url: str = ""
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    def accepted(self) -> list[dict[str, Any]]:
        return [r["json"] for r in self.requests if r["status"] < 300]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            headers = dict(
                line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line
            )
            length = int({k.lower(): v for k, v in headers.items()}.get("content-length", "0"))
            body = await reader.readexactly(length)
            status = self.status
            self.requests.append({"json": json.loads(body), "status": status})
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\nContent-Type: application/json"
                "\r\nConnection: close\r\n\r\n{}".encode()
            )
            await writer.drain()
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def running_sms_gateway() -> AsyncIterator[SmsGateway]:
    """The recording gateway on a free port of this machine while the block runs (also for
    the API tests, which send texts through it)."""
    gateway = SmsGateway()
    server = await asyncio.start_server(gateway.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    gateway.url = f"http://127.0.0.1:{port}/sms"
    try:
        yield gateway
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def sms_gateway() -> AsyncIterator[SmsGateway]:
    async with running_sms_gateway() as gateway:
        yield gateway
