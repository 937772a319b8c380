"""Everything the benchmark measures, started in one process tree and torn down afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import psutil
from aiosmtpd.controller import Controller
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.worker import Worker

from command.bench.care_receiver import CareReceiver
from command.bench.progress import Progress
from command.bench.trivial import TrivialEntity
from command.database import migrate_and_seed
from command.dev_server import DevServer, start_dev_server
from command.process import stop_process
from command.synthetic.roster import Roster, make_roster
from db.access import create_token
from db.databases import create_database, drop_database
from db.pool import DatabasePool, create_pool
from hverdagsbro.encryption import generate_key
from hverdagsbro.settings import PROJECT_ROOT, Settings
from hverdagsbro.temporal_client import connect

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TASK_QUEUE = "bench-episodes"
TRIVIAL_TASK_QUEUE = "bench-trivial"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def admin_url() -> str:
    """The server to create the benchmark database on: HVERDAGSBRO_DATABASE_URL's, or local."""
    configured = os.environ.get("HVERDAGSBRO_DATABASE_URL")
    if not configured:
        return DEFAULT_ADMIN_URL
    return urlunsplit(urlsplit(configured)._replace(path="/postgres"))


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


class MailCounter:
    """An SMTP handler that accepts every message and only counts them."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.received += 1
        return "250 OK"


def service_environment(settings: Settings, database_url: str) -> dict[str, str]:
    """The environment of a worker or API process of the benchmark's system."""
    s = settings
    env = dict(os.environ)
    env.update(
        {
            "HVERDAGSBRO_TEMPORAL_ADDRESS": s.temporal_address,
            "HVERDAGSBRO_TEMPORAL_NAMESPACE": s.temporal_namespace,
            "HVERDAGSBRO_TASK_QUEUE": s.task_queue,
            "HVERDAGSBRO_MAX_CACHED_WORKFLOWS": str(s.max_cached_workflows),
            "HVERDAGSBRO_SMTP_HOST": s.smtp_host,
            "HVERDAGSBRO_SMTP_PORT": str(s.smtp_port),
            "HVERDAGSBRO_PUBLIC_URL": s.public_url,
            "HVERDAGSBRO_DATA_DIR": str(s.data_dir),
            "HVERDAGSBRO_ENCRYPTION_KEYS": s.encryption_keys or "",
            "HVERDAGSBRO_DATABASE_URL": database_url,
            "HVERDAGSBRO_API_HOST": s.api_host,
            "HVERDAGSBRO_API_PORT": str(s.api_port),
            "HVERDAGSBRO_TRUSTED_PROXIES": s.trusted_proxies,
            "HVERDAGSBRO_MEDCOM_TRANSPORT": s.medcom_transport,
            "HVERDAGSBRO_MEDCOM_GATEWAY_URL": s.medcom_gateway_url or "",
            "HVERDAGSBRO_MEDCOM_GATEWAY_TOKEN": (
                s.medcom_gateway_token.get_secret_value() if s.medcom_gateway_token else ""
            ),
            # Warnings only, as the worker: the figures are about the work, not log volume.
            "HVERDAGSBRO_LOG_LEVEL": "WARNING",
            "HVERDAGSBRO_LOG_FORMAT": "json",
        }
    )
    env.pop("HVERDAGSBRO_SMS_WEBHOOK_URL", None)
    return env


class WorkerProcess:
    """`python -m command.bench.worker_process`: the episode worker, measured on its own."""

    def __init__(self, settings: Settings, database_url: str, log_path: Path) -> None:
        self.settings = settings
        self.database_url = database_url
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def _environment(self) -> dict[str, str]:
        return service_environment(self.settings, self.database_url)

    def _spawn(self, ready: Path) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "command.bench.worker_process",
                    "--database-url",
                    self.database_url,
                    "--ready-file",
                    str(ready),
                ],
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._environment(),
                cwd=PROJECT_ROOT,
            )

    async def start(self, startup_s: float = 60.0) -> None:
        ready = self.log_path.with_suffix(".ready")
        ready.unlink(missing_ok=True)
        self.process = await asyncio.to_thread(self._spawn, ready)
        deadline = asyncio.get_running_loop().time() + startup_s
        while not ready.exists():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the benchmark worker exited with code {self.process.returncode}; "
                    f"see {self.log_path}"
                )
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"the benchmark worker did not start; see {self.log_path}")
            await asyncio.sleep(0.1)

    def rss_bytes(self) -> int:
        """Resident memory of the worker process now."""
        assert self.process is not None
        rss: int = psutil.Process(self.process.pid).memory_info().rss
        return rss

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            await asyncio.to_thread(process.wait, 20)
        except subprocess.TimeoutExpired:
            await asyncio.to_thread(stop_process, process)


class ApiProcess:
    """`hverdagsbro api` in its own process, as it runs in production."""

    def __init__(self, settings: Settings, database_url: str, log_path: Path) -> None:
        self.settings = settings
        self.database_url = database_url
        self.log_path = log_path
        self.url = f"http://{settings.api_host}:{settings.api_port}"
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-c", "from command.cli import main; main()", "api"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=service_environment(self.settings, self.database_url),
                cwd=PROJECT_ROOT,
            )

    async def start(self, startup_s: float = 60.0) -> None:
        self.process = await asyncio.to_thread(self._spawn)
        deadline = asyncio.get_running_loop().time() + startup_s
        async with aiohttp.ClientSession() as http:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"the benchmark API exited with code {self.process.returncode}; "
                        f"see {self.log_path}"
                    )
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"the benchmark API did not start; see {self.log_path}")
                await asyncio.sleep(0.2)

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            await asyncio.to_thread(stop_process, process)


class TrivialWorker:
    """The baseline's worker, in the benchmark's process; stopped and started like the
    episode worker so both sides are measured the same way."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue
        self._running: tuple[Worker, asyncio.Task[None]] | None = None

    async def start(self) -> None:
        worker = Worker(self.client, task_queue=self.task_queue, workflows=[TrivialEntity])
        self._running = (worker, asyncio.create_task(worker.run()))

    async def stop(self) -> None:
        if self._running is None:
            return
        worker, running = self._running
        self._running = None
        await worker.shutdown()
        await running


@dataclass
class BenchEnvironment:
    """Handles on everything a measurement needs."""

    settings: Settings
    database_url: str
    pool: DatabasePool
    client: Client
    raw_client: Client
    mail: MailCounter
    worker: WorkerProcess
    api: ApiProcess
    api_url: str
    token: str
    roster: Roster
    trivial_task_queue: str
    trivial: TrivialWorker
    municipality: CareReceiver


@contextlib.asynccontextmanager
async def _database(progress: Progress) -> AsyncIterator[str]:
    name = f"hverdagsbro_bench_{secrets.token_hex(5)}"
    admin = admin_url()
    conn = await asyncpg.connect(admin)
    try:
        await create_database(conn, name)
    finally:
        await conn.close()
    url = _with_database(admin, name)
    try:
        await migrate_and_seed(url)
        progress(f"database {name} created, migrated and seeded")
        yield url
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await drop_database(conn, name)
        finally:
            await conn.close()
        progress(f"database {name} dropped")


@contextlib.asynccontextmanager
async def _dev_server(settings: Settings, progress: Progress) -> AsyncIterator[DevServer]:
    server = await start_dev_server(settings)
    if server.reused:
        raise RuntimeError(f"port of {settings.temporal_address} was taken; run again")
    progress(f"Temporal dev server ready at {server.address} (state in {settings.data_dir})")
    try:
        yield server
    finally:
        await asyncio.to_thread(server.stop)


@contextlib.contextmanager
def _smtp(mail: MailCounter, port: int) -> Iterator[None]:
    controller = Controller(mail, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield
    finally:
        controller.stop()


def bench_settings(data_dir: Path, smtp_port: int, receiver: CareReceiver) -> Settings:
    """Settings of an isolated system: free ports, a throw-away key, local SMTP, MedCom
    messages over HTTP to the benchmark's municipality gateway. The load generator stands in
    for the TLS proxy in front of the API (127.0.0.1, trusted as production trusts its proxy),
    so the public pages see each simulated person's own address in X-Forwarded-For."""
    api_port = free_port()
    return Settings(
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
        task_queue=TASK_QUEUE,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        encryption_keys=f"bench1:{generate_key()}",
        api_host="127.0.0.1",
        api_port=api_port,
        public_url=f"http://127.0.0.1:{api_port}",
        sms_webhook_url=None,
        trusted_proxies="127.0.0.1",
        medcom_transport="http",
        medcom_gateway_url=receiver.url,
        medcom_gateway_token=SecretStr(receiver.token),
    )


@contextlib.asynccontextmanager
async def bench_environment(progress: Progress) -> AsyncIterator[BenchEnvironment]:
    """Dev server, database, SMTP, worker process, baseline worker and API, for one run."""
    parent = PROJECT_ROOT / "data"
    parent.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="bench-", dir=parent))
    mail = MailCounter()
    municipality = CareReceiver(free_port())
    settings = bench_settings(data_dir, free_port(), municipality)
    try:
        async with contextlib.AsyncExitStack() as stack:
            stack.enter_context(_smtp(mail, settings.smtp_port))
            await stack.enter_async_context(_dev_server(settings, progress))
            database_url = await stack.enter_async_context(_database(progress))
            pool = await create_pool(
                database_url, give_up_after=settings.database_timeout, max_size=10
            )
            stack.push_async_callback(pool.close)
            # Trained peers with room for every episode started: offers, not escalations.
            roster = await make_roster(pool, peers=20, capacity=5000, label="bench", employed=10)
            async with pool.acquire() as conn:
                _, token = await create_token(
                    conn,
                    name="benchmark",
                    role="integration",
                    ttl=timedelta(days=1),
                    organisations=[roster.organisation_id],
                )
                # The municipality's gateway acknowledges our CareCommunications with its own.
                _, gateway_token = await create_token(
                    conn,
                    name="benchmark municipality gateway",
                    role="medcom_gateway",
                    ttl=timedelta(days=1),
                    organisations=[roster.municipality_organisation_id],
                )
            await municipality.start(
                f"http://{settings.api_host}:{settings.api_port}", gateway_token
            )
            stack.push_async_callback(municipality.stop)
            client = await connect(settings, pool)
            raw_client = await Client.connect(
                settings.temporal_address, namespace=settings.temporal_namespace
            )
            worker = WorkerProcess(settings, database_url, data_dir / "worker.log")
            await worker.start()
            stack.push_async_callback(worker.stop)
            progress(
                f"episode worker running as process {worker.process.pid if worker.process else '?'}"
            )
            trivial = TrivialWorker(raw_client, TRIVIAL_TASK_QUEUE)
            await trivial.start()
            stack.push_async_callback(trivial.stop)
            api = ApiProcess(settings, database_url, data_dir / "api.log")
            await api.start()
            stack.push_async_callback(api.stop)
            progress(
                f"API serving at {api.url} as process {api.process.pid if api.process else '?'};"
                f" baseline worker on {TRIVIAL_TASK_QUEUE}"
            )
            yield BenchEnvironment(
                settings=settings,
                database_url=database_url,
                pool=pool,
                client=client,
                raw_client=raw_client,
                mail=mail,
                worker=worker,
                api=api,
                api_url=api.url,
                token=token,
                roster=roster,
                trivial_task_queue=TRIVIAL_TASK_QUEUE,
                trivial=trivial,
                municipality=municipality,
            )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
