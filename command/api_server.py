"""Runs an ASGI app (the web/API, the codec server) under uvicorn until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Iterator

import structlog
import uvicorn
from fastapi import FastAPI

from api.app import create_app
from api.codec_server import create_codec_app, parse_tokens
from db.pool import CODEC_POOL_SIZE, DatabasePool, create_pool
from hverdagsbro.dev_secrets import dev_secret, refuse_in_production
from hverdagsbro.episode_keys import EpisodeKeys
from hverdagsbro.settings import Settings
from hverdagsbro.temporal_client import keyring

log = structlog.get_logger(__name__)


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the caller decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(
    app: FastAPI,
    *,
    host: str,
    port: int,
    setting: str,
    stop: asyncio.Event,
    trusted_proxies: str = "",
) -> None:
    """Serve `app` on host:port until `stop` is set; `setting` names the port's env var.

    X-Forwarded-Proto/-For are believed only from `trusted_proxies` (comma-separated
    addresses or networks); with none, from nobody (uvicorn itself would trust 127.0.0.1)."""
    proxies = [p.strip() for p in trusted_proxies.split(",") if p.strip()]
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve())
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    stopping.cancel()
    await serving
    if serving in done and not stop.is_set():
        raise RuntimeError(f"the server on port {port} stopped by itself (taken? set {setting})")


async def serve_api(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """The pages and the JSON API on settings.api_host:api_port."""
    app = create_app(settings, database_url=database_url)
    await serve(
        app,
        host=settings.api_host,
        port=settings.api_port,
        setting="HVERDAGSBRO_API_PORT",
        stop=stop,
        # Behind the TLS proxy its scheme counts: cookies get Secure, responses HSTS.
        trusted_proxies=settings.trusted_proxies,
    )
    log.info("api stopped")


def codec_tokens(settings: Settings) -> set[str]:
    """Shared codec tokens: development only (the local dev UI's token-in-path endpoint).

    Set or generated under data_dir in development; in production operators use their own
    API tokens, so HVERDAGSBRO_CODEC_TOKENS there is refused rather than quietly accepted.
    """
    if settings.codec_tokens:
        refuse_in_production(
            settings,
            "HVERDAGSBRO_CODEC_TOKENS (shared codec tokens)",
            remedy="unset it; each operator uses their own API token "
            "(`hverdagsbro token create --role operator`)",
        )
        return parse_tokens(settings.codec_tokens)
    if settings.environment == "production":
        return set()
    generated = dev_secret(
        settings,
        "codec-token",
        lambda: secrets.token_urlsafe(24),
        setting="HVERDAGSBRO_CODEC_TOKENS",
    )
    return parse_tokens(generated)


def codec_app(settings: Settings, pool: DatabasePool) -> FastAPI:
    origins = [o.strip() for o in settings.codec_allowed_origins.split(",") if o.strip()]
    return create_codec_app(
        EpisodeKeys(keyring(settings), pool),
        pool=pool,
        allowed_origins=origins,
        environment=settings.environment,
        development_tokens=codec_tokens(settings),
    )


async def serve_codec(settings: Settings, database_url: str, stop: asyncio.Event) -> None:
    """The codec server the Temporal UI calls to decode payloads (episode keys live in the
    database)."""
    pool = await create_pool(
        database_url, give_up_after=settings.database_timeout, max_size=CODEC_POOL_SIZE
    )
    try:
        await serve(
            codec_app(settings, pool),
            host=settings.codec_host,
            port=settings.codec_port,
            setting="HVERDAGSBRO_CODEC_PORT",
            stop=stop,
        )
    finally:
        await pool.close()
    log.info("codec server stopped")


def dev_ui_codec_endpoint(settings: Settings) -> str:
    """The codec endpoint for the local dev UI, token in the path (the UI sends no headers)."""
    refuse_in_production(
        settings,
        "the codec endpoint with a token in its path",
        remedy="operators send their own API token in 'Authorization: Bearer'",
    )
    token = sorted(codec_tokens(settings))[0]
    return f"http://{settings.codec_host}:{settings.codec_port}/t/{token}"
