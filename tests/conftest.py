"""Shared fixtures: a fresh PostgreSQL database per test run, an in-process SMTP server, the
time-skipping Temporal test server and a real worker."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller
from temporalio.api.testservice.v1 import UnlockTimeSkippingRequest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from db.migrate import migrate
from db.pool import DatabasePool, create_pool
from db.programmes import seed_programmes
from hverdagsbro.search_attributes import register_search_attributes
from hverdagsbro.settings import Settings
from schemas.courses import term_workflow_id
from schemas.peer_groups import peer_group_workflow_id
from schemas.supervision import group_workflow_id
from tests.temporal_servers import TEST_SERVER
from tests.test_keys import TEST_CONVERTER
from workers.worker import build_worker, episode_activities

# Fixtures a module asks for when it needs a Temporal server of its own (own_env, ...).
pytest_plugins = ("tests.own_temporal",)

ADMIN_URL = os.environ.get(
    "HVERDAGSBRO_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    """A TCP port nobody listens on right now (aiosmtpd cannot take port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A database of its own for this test run, migrated, dropped at the end."""
    name = f"hverdagsbro_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(ADMIN_URL, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        await seed_programmes(conn)
    finally:
        await conn.close()
    try:
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def db_pool(database_url: str) -> AsyncIterator[DatabasePool]:
    pool = await create_pool(database_url, give_up_after=Settings().database_timeout, max_size=10)
    _STARTED.pool = pool
    try:
        yield pool
    finally:
        _STARTED.pool = None
        await pool.close()


@dataclass
class _Started:
    """The session's shared servers once some test has started them (None before)."""

    pool: DatabasePool | None = None
    env: WorkflowEnvironment | None = None
    ended: set[str] = field(default_factory=set)


_STARTED = _Started()


@pytest.fixture(scope="module", autouse=True)
async def _end_episodes_left_running() -> AsyncIterator[None]:
    """After each test module, end the episodes its tests left running on the shared
    time-skipping server. Every open task now climbs its escalation ladder, so episodes left
    over from earlier modules would all wake up, commit and send mail whenever a later test
    skips weeks ahead, and swamp the server."""
    yield
    pool, env = _STARTED.pool, _STARTED.env
    if pool is None or env is None:
        return
    # A workflow task still in flight when its run is terminated leaves the test server's
    # time-skipping lock taken for good (every later sleep then times out): let the worker
    # finish what the module's last test set off first.
    await asyncio.sleep(0.5)
    async with pool.acquire() as conn:
        # Episodes started through the API have a referral row; those a test started with
        # the driver, a read-model row after their first commit.
        rows = await conn.fetch(
            "SELECT episode_id FROM events_received"
            " WHERE event_type = 'referral_created' AND episode_id IS NOT NULL"
            " UNION SELECT episode_id FROM episodes"
        )
        # The long-running ones (course terms, peer and supervision groups) wake on every
        # session; a page test that forgot one would swamp every later module's time skips.
        terms = await conn.fetch("SELECT term_id FROM course_terms")
        peer_groups = await conn.fetch("SELECT group_id FROM peer_groups")
        supervision = await conn.fetch("SELECT group_id FROM supervision_groups")
    long_running = {
        *(term_workflow_id(r["term_id"]) for r in terms),
        *(peer_group_workflow_id(r["group_id"]) for r in peer_groups),
        *(group_workflow_id(r["group_id"]) for r in supervision),
    }
    left = sorted(({str(r["episode_id"]) for r in rows} | long_running) - _STARTED.ended)
    for start in range(0, len(left), 50):
        batch = left[start : start + 50]
        await asyncio.gather(*(_terminate(env, episode_id) for episode_id in batch))
    _STARTED.ended.update(left)


# A test's sleep on the time-skipping server returns in milliseconds, under CI's load well
# within this; one that takes longer is held still by a leak, not slow.
_SLEEP_WAIT_S = 20.0


class GuardedSleep:
    """`env.sleep` that survives a leaked hold on the server's clock. The test server counts
    what holds its clock still; a workflow task cut off in flight (its run terminated, its
    worker gone) is never counted off, and from then on every later sleep of the session
    times out. A sleep that does not return in time releases one hold and sleeps again
    (warning that it did), so one test's accident does not fail the rest of the suite. It
    moves the clock only as far as the test asked."""

    def __init__(self, env: WorkflowEnvironment) -> None:
        self.env = env
        self.sleep = env.sleep

    async def __call__(self, duration: timedelta | float) -> None:
        asked = duration if isinstance(duration, timedelta) else timedelta(seconds=duration)
        until = await self.env.get_current_time() + asked
        last: Exception | None = None
        for _ in range(3):
            # A sleep cut off here may still finish on the server once released: sleep on
            # only for what is left.
            left = until - await self.env.get_current_time()
            if left <= timedelta(0):
                return
            try:
                await asyncio.wait_for(self.sleep(left), _SLEEP_WAIT_S)
                return
            except (TimeoutError, RPCError) as err:
                last = err
                warnings.warn(
                    "the time-skipping test server held its clock still: releasing a leaked"
                    " hold and sleeping again",
                    stacklevel=2,
                )
                with contextlib.suppress(RPCError):
                    await self.env.client.test_service.unlock_time_skipping(
                        UnlockTimeSkippingRequest()
                    )
        raise TimeoutError("the time-skipping test server holds its clock still") from last


async def _terminate(env: WorkflowEnvironment, workflow_id: str) -> None:
    """End the workflow's run if it still runs here (one on the dev server is not here)."""
    with contextlib.suppress(RPCError):
        handle = env.client.get_workflow_handle(workflow_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate(reason="test module done")


@dataclass
class MailBox:
    """What the in-process SMTP server received."""

    messages: list[Message] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        content: bytes = envelope.content  # type: ignore[attr-defined]
        self.messages.append(message_from_bytes(content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in (m["To"] or "")]


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: MailBox


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) in this process."""
    mailbox = MailBox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=port, mailbox=mailbox)
    finally:
        controller.stop()


async def eventually(check: object, timeout: float = 10.0) -> None:
    """Poll an async predicate until it holds (read models are written asynchronously)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await check():  # type: ignore[operator]
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition did not hold in time")
        await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER, test_server_existing_path=TEST_SERVER
    )
    await register_search_attributes(env.client)
    env.sleep = GuardedSleep(env)  # type: ignore[method-assign]
    _STARTED.env = env
    try:
        yield env
    finally:
        _STARTED.env = None
        await env.shutdown()


@pytest.fixture(scope="session")
def task_queue() -> str:
    return f"episodes-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def worker_settings(smtp_server: SmtpServer) -> Settings:
    return Settings(
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        public_url="http://hverdagsbro.test",
        # MedCom is sent only by the tests that give a fake municipality (never to data/).
        medcom_transport="none",
        # Quiet hours are the tests' own to set (their clock is the time-skipping server's,
        # anywhere in the day): the shared worker sends at any hour.
        quiet_hours="none",
    )


@pytest.fixture(scope="session")
async def episode_worker(
    time_skipping_env: WorkflowEnvironment,
    db_pool: DatabasePool,
    worker_settings: Settings,
    task_queue: str,
) -> AsyncIterator[Worker]:
    """The real worker with the real activities (PostgreSQL, SMTP) for the whole run."""
    async with httpx.AsyncClient(timeout=5.0) as http:
        worker = build_worker(
            time_skipping_env.client,
            task_queue=task_queue,
            activities=episode_activities(db_pool, worker_settings, http),
            max_cached_workflows=100,
        )
        async with worker:
            yield worker


@pytest.fixture
async def fresh_database_url() -> AsyncIterator[str]:
    """The URL of a database that does not exist yet on the test server; dropped afterwards
    (should anything have created it)."""
    name = f"hverdagsbro_cli_{uuid.uuid4().hex[:10]}"
    base, _, _ = ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
