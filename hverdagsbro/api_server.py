"""Runs the web/API app under uvicorn until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import structlog
import uvicorn

from api.app import create_app
from hverdagsbro.settings import Settings

log = structlog.get_logger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the caller decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_api(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """Serve the pages and the JSON API on settings.api_host:api_port until `stop` is set."""
    app = create_app(settings, database_url=database_url)
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve())
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving
    if serving in done and not stop.is_set():
        raise RuntimeError(
            f"the web/API server stopped by itself (is port {settings.api_port} taken? "
            "set HVERDAGSBRO_API_PORT)"
        )
    log.info("api stopped")
