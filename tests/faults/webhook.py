"""A fake SMS gateway for fault tests: a real HTTP server that records every POST and answers
as it is told to — success, an error status, no answer at all, or an answer that drips."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from enum import StrEnum


class Answer(StrEnum):
    OK = "ok"
    ERROR = "error"  # HTTP 500
    HANG = "hang"  # reads the request and never answers
    DRIP = "drip"  # starts a 200 answer and sends its body a byte at a time


@dataclass
class Hit:
    """One POST as the gateway saw it (the phone number and text are not kept)."""

    message_id: str
    answer: Answer
    at: float
    # For HANG and DRIP: seconds until the sender hung up (None: it never did).
    gave_up_after: float | None = None


@dataclass
class SmsGateway:
    url: str = ""
    answer: Answer = Answer.OK
    # How long a HANG or DRIP goes on before the gateway itself gives up.
    hang_for: float = 60.0
    hits: list[Hit] = field(default_factory=list)
    connections: set[asyncio.Task[None]] = field(default_factory=set)

    def delivered(self) -> Counter[str]:
        """How many times each message id was accepted (answered 200 in full)."""
        return Counter(h.message_id for h in self.hits if h.answer == Answer.OK)

    def of(self, message_id: str) -> list[Hit]:
        return [h for h in self.hits if h.message_id == message_id]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        this = asyncio.current_task()
        assert this is not None
        self.connections.add(this)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.connections.discard(this)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request on a kept-alive connection; False when the connection is done."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        loop = asyncio.get_running_loop()
        hit = Hit(message_id=str(json.loads(body)["id"]), answer=self.answer, at=loop.time())
        self.hits.append(hit)
        if hit.answer in (Answer.OK, Answer.ERROR):
            status = "200 OK" if hit.answer == Answer.OK else "500 Internal Server Error"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                "\r\n{}".encode()
            )
            await writer.drain()
            return True
        if hit.answer == Answer.DRIP:
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
            )
        deadline = hit.at + self.hang_for
        while loop.time() < deadline:
            try:
                if hit.answer == Answer.DRIP:
                    writer.write(b".")
                    await writer.drain()
                if await asyncio.wait_for(reader.read(1), 0.5) == b"":
                    hit.gave_up_after = loop.time() - hit.at
                    break
            except TimeoutError:
                continue
            except ConnectionError:
                hit.gave_up_after = loop.time() - hit.at
                break
        return False


@contextlib.asynccontextmanager
async def sms_gateway() -> AsyncIterator[SmsGateway]:
    """The fake gateway on a free port of this machine, answering OK until told otherwise."""
    gateway = SmsGateway()
    server = await asyncio.start_server(gateway._serve, "127.0.0.1", 0)
    gateway.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/sms"
    try:
        yield gateway
    finally:
        server.close()
        for connection in list(gateway.connections):
            connection.cancel()
        await asyncio.gather(*gateway.connections, return_exceptions=True)
        await server.wait_closed()
