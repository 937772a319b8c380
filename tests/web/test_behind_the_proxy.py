"""The API as `hverdagsbro serve` runs it (serve_api under uvicorn), behind the TLS proxy:
the proxy's forwarded scheme counts only from the trusted proxy's address, and then the
session cookie is Secure and every answer carries HSTS."""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE
from api.security import HSTS
from api.web.login import LOGIN_COOKIE
from command.api_server import serve_api
from db.pool import DatabasePool
from hverdagsbro.settings import Settings
from tests.conftest import free_port
from tests.web.conftest import PASSWORD, web_roster

PROXY = "127.0.0.1"
# Another address of this machine's loopback: a client that is not the proxy.
STRANGER = "127.0.0.2"
HTTPS = {"X-Forwarded-Proto": "https"}


@asynccontextmanager
async def serving_api(
    database_url: str, env: WorkflowEnvironment, data_dir: Path, trusted_proxies: str
) -> AsyncIterator[str]:
    """serve_api on a free port, believing the proxies in `trusted_proxies`; its URL."""
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    settings = Settings(
        api_host="127.0.0.1",
        api_port=free_port(),
        trusted_proxies=trusted_proxies,
        temporal_address=env.client.service_client.config.target_host,
        encryption_keys=f"proxytest:{key}",
        data_dir=data_dir,
    )
    stop = asyncio.Event()
    serving = asyncio.create_task(serve_api(settings, database_url, stop))
    url = f"http://127.0.0.1:{settings.api_port}"
    async with httpx.AsyncClient(base_url=url) as probe:
        for _ in range(200):
            if serving.done():
                serving.result()
            try:
                if (await probe.get("/healthz")).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    try:
        yield url
    finally:
        stop.set()
        await serving


@pytest.fixture
async def api_behind_proxy(
    database_url: str, time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[str]:
    async with serving_api(database_url, time_skipping_env, tmp_path, PROXY) as url:
        yield url


def client(url: str, source: str) -> httpx.AsyncClient:
    """A client connecting from `source`; cookies are handled by hand (a cookie jar would not
    send a Secure cookie back over the plain HTTP the proxy speaks to the API)."""
    return httpx.AsyncClient(base_url=url, transport=httpx.AsyncHTTPTransport(local_address=source))


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each cookie the response sets, by name: its whole Set-Cookie line."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def is_secure(line: str) -> bool:
    return "secure" in [part.strip().lower() for part in line.split(";")]


async def log_in(
    browser: httpx.AsyncClient, user_id: str, headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response]:
    form = await browser.get("/login?lang=en", headers=headers)
    assert form.status_code == 200, form.text
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token is not None
    login_cookie = set_cookies(form)[LOGIN_COOKIE].split(";", 1)[0]
    answer = await browser.post(
        "/login",
        data={"login_token": token[1], "user_id": user_id, "password": PASSWORD, "next": "/"},
        headers={**headers, "Cookie": login_cookie},
    )
    return form, answer


async def test_behind_the_trusted_proxy_on_https_cookies_are_secure_and_hsts_is_sent(
    api_behind_proxy: str, db_pool: DatabasePool
) -> None:
    roster = await web_roster(db_pool, peers=0)
    async with client(api_behind_proxy, PROXY) as proxy:
        form, logged_in = await log_in(proxy, roster.ward_nurse, HTTPS)
        assert logged_in.status_code == 303, logged_in.text
        for response, cookie in ((form, LOGIN_COOKIE), (logged_in, SESSION_COOKIE)):
            assert is_secure(set_cookies(response)[cookie]), response.headers
            assert response.headers["strict-transport-security"] == HSTS
        api = await proxy.get("/api/tasks", headers=HTTPS)
        assert api.headers["strict-transport-security"] == HSTS, "JSON answers too"

        plain = await proxy.get("/login")
        assert "strict-transport-security" not in plain.headers, "http (the proxy says so)"
        assert not is_secure(set_cookies(plain)[LOGIN_COOKIE])


async def test_a_forwarded_scheme_from_anyone_but_the_proxy_is_ignored(
    api_behind_proxy: str, db_pool: DatabasePool
) -> None:
    """A client that reaches the API directly cannot claim https (nor anything else the
    proxy would say): its cookies stay as for http and no HSTS is pinned."""
    roster = await web_roster(db_pool, peers=0)
    async with client(api_behind_proxy, STRANGER) as stranger:
        form, logged_in = await log_in(stranger, roster.ward_nurse, HTTPS)
        assert logged_in.status_code == 303, logged_in.text
        for response, cookie in ((form, LOGIN_COOKIE), (logged_in, SESSION_COOKIE)):
            assert not is_secure(set_cookies(response)[cookie])
            assert "strict-transport-security" not in response.headers


async def test_with_no_trusted_proxy_configured_nobody_is_believed(
    database_url: str,
    time_skipping_env: WorkflowEnvironment,
    tmp_path: Path,
    db_pool: DatabasePool,
) -> None:
    """Not even a client on this machine (uvicorn by itself would believe 127.0.0.1)."""
    roster = await web_roster(db_pool, peers=0)
    async with (
        serving_api(database_url, time_skipping_env, tmp_path, "") as url,
        client(url, PROXY) as local,
    ):
        form, logged_in = await log_in(local, roster.ward_nurse, HTTPS)
        assert logged_in.status_code == 303, logged_in.text
        for response, cookie in ((form, LOGIN_COOKIE), (logged_in, SESSION_COOKIE)):
            assert not is_secure(set_cookies(response)[cookie])
            assert "strict-transport-security" not in response.headers
