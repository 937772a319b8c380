"""The real app served by uvicorn on a free port, Debian's Chromium through Playwright, and
staff who log in with a password."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import oidc_provider_mock
import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.auth import SESSION_COOKIE
from api.passwords import hash_password
from command.synthetic.roster import Roster, make_roster
from db.access import create_session
from db.pool import DatabasePool
from hverdagsbro.settings import PROJECT_ROOT, Settings
from tests.conftest import SmtpServer, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "rigtig-hest-batteri-haefteklamme"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"

OpenAs = Callable[[str], Awaitable[Page]]
ApiAs = Callable[[str], Awaitable[httpx.AsyncClient]]


@pytest.fixture(scope="session")
def web_app(
    db_pool: DatabasePool,
    time_skipping_env: WorkflowEnvironment,
    episode_worker: Worker,
    task_queue: str,
    smtp_server: SmtpServer,
) -> FastAPI:
    # The pages send citizens their sign-in links by e-mail to the test's SMTP server.
    settings = Settings(
        task_queue=task_queue, smtp_host=smtp_server.host, smtp_port=smtp_server.port
    )
    return create_app(settings, pool=db_pool, temporal=time_skipping_env.client)


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real HTTP server in this process, on the running event loop."""
    port = free_port()
    # Logging as `hverdagsbro api` has it (command/api_server.py): uvicorn configures none of
    # its own, so its loggers keep the process's setup (a log level of its own here once
    # muted uvicorn.error for the logging tests that ran after a browser test).
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving


@pytest.fixture(scope="session")
async def web_url(web_app: FastAPI) -> AsyncIterator[str]:
    async with serving(web_app) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no {CHROMIUM}: browser tests need Debian's chromium (make chromium, as root)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def new_page(browser: Browser, web_url: str) -> AsyncIterator[Callable[[], Awaitable[Page]]]:
    """A page in a fresh browser context (its own cookies), in English."""
    contexts: list[BrowserContext] = []

    async def make() -> Page:
        context = await browser.new_context(base_url=web_url, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return await context.new_page()

    yield make
    for context in contexts:
        await context.close()


@pytest.fixture
async def api_as(web_url: str, db_pool: DatabasePool) -> AsyncIterator[ApiAs]:
    """A JSON API client logged in as the user, against the pages' server (to set the scene
    for a browser test, not to test the API)."""
    clients: list[httpx.AsyncClient] = []

    async def make(user_id: str) -> httpx.AsyncClient:
        async with db_pool.acquire() as conn:
            secret, _ = await create_session(conn, user_id, timedelta(hours=1))
        client = httpx.AsyncClient(base_url=web_url, cookies={SESSION_COOKIE: secret})
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def log_in(page: Page, user_id: str, password: str = PASSWORD) -> None:
    await page.goto("/login?lang=en")
    await page.get_by_label("User id").fill(user_id)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_load_state()


@pytest.fixture
async def open_as(new_page: Callable[[], Awaitable[Page]]) -> OpenAs:
    """A browser logged in as the user, on their home page."""

    async def make(user_id: str) -> Page:
        page = await new_page()
        await log_in(page, user_id)
        assert "/login" not in page.url, f"{user_id} could not log in"
        return page

    return make


async def with_passwords(pool: DatabasePool, roster: Roster, *extra: str) -> None:
    users = [
        roster.ward_nurse,
        roster.coordinator,
        *roster.peers,
        *roster.caseworkers.values(),
        *extra,
    ]
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET password_hash = $1 WHERE user_id = ANY ($2::text[])",
            hash_password(PASSWORD),
            users,
        )


async def web_roster(pool: DatabasePool, **kwargs: object) -> Roster:
    """A roster of its own whose staff log in with PASSWORD."""
    roster = await make_roster(pool, **kwargs)  # type: ignore[arg-type]
    await with_passwords(pool, roster)
    return roster


async def reload_until(page: Page, selector: str, timeout: float = 20.0) -> None:
    """Reload until the selector shows (read models are written a moment after a decision)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await page.locator(selector).count() > 0:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{selector!r} did not show on {page.url}")
        await asyncio.sleep(0.3)
        await page.reload()


async def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture(scope="module")
def idp() -> Iterator[str]:
    """A real OpenID Connect provider (tests/web/oidc_provider.py); its issuer URL."""
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def stale_idp() -> Iterator[str]:
    """A provider whose ID tokens expired an hour before they were issued."""
    with oidc_provider_mock.run_server_in_thread(
        access_token_max_age=timedelta(hours=-1)
    ) as server:
        yield f"http://localhost:{server.server_port}"
