"""A TCP proxy the fault tests put between our processes and PostgreSQL, to take it away."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field


@dataclass(eq=False)
class _Link:
    """One client connection and, once opened, its connection to the target."""

    client: asyncio.StreamWriter
    target: asyncio.StreamWriter | None = None

    def abort(self) -> None:
        for writer in (self.client, self.target):
            if writer is not None:
                writer.transport.abort()


@dataclass
class TcpProxy:
    """Forwards 127.0.0.1:<port> to the target until told to refuse or to stall.

    `cut` is a database that went away: nobody listens, live connections are reset.
    `stall` is a database that hangs (or a network that drops packets): connections are
    accepted but nothing passes either way. `restore` drops whatever was held and forwards
    again on the same port.
    """

    target_host: str
    target_port: int
    host: str = "127.0.0.1"
    port: int = 0
    severed: int = 0
    _server: asyncio.Server | None = field(default=None, init=False, repr=False)
    _links: set[_Link] = field(default_factory=set, init=False, repr=False)
    _flowing: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    async def start(self) -> None:
        self._flowing.set()
        await self._listen()

    async def cut(self) -> None:
        """Refuse new connections and reset the live ones."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._sever()

    async def stall(self) -> None:
        """Accept connections, pass nothing: callers wait until their own timeouts."""
        self._flowing.clear()
        await self._listen()

    async def restore(self) -> None:
        """Forward again; connections held while stalled are reset, as after a restart."""
        self._sever()
        self._flowing.set()
        await self._listen()

    async def close(self) -> None:
        await self.cut()
        self._flowing.set()

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, self.host, self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    def _sever(self) -> None:
        self.severed += len(self._links)
        for link in self._links:
            link.abort()
        self._links.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link = _Link(writer)
        self._links.add(link)
        try:
            await self._flowing.wait()
            if link not in self._links:
                return
            target_reader, link.target = await asyncio.open_connection(
                self.target_host, self.target_port
            )
            pumps = {
                asyncio.create_task(self._pump(reader, link.target)),
                asyncio.create_task(self._pump(target_reader, writer)),
            }
            _, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            for pump in pending:
                pump.cancel()
        except OSError:
            pass
        finally:
            self._links.discard(link)
            link.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
