"""The real system for fault tests: a dev server on a data file of its own, `hverdagsbro worker`
and `hverdagsbro api` as subprocesses, an SMTP server that can be switched off, a watch on the
outbox, and what the tests check against it: mail per outbox row, read model against workflow."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

import aiohttp
import asyncpg
from aiosmtpd.controller import Controller
from temporalio.client import Client, WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError

from activities.messages import delivery_key
from command.dev_server import DevServer, start_dev_server
from db.connection import PooledConnection
from db.pool import DatabasePool
from hverdagsbro.settings import PROJECT_ROOT, Settings
from hverdagsbro.temporal_client import connect
from schemas.episode import EpisodeOutcome, EpisodeView, Phase
from schemas.people import Actor, Role
from schemas.tasks import DecisionAction, Task, TaskDecision, TaskKind
from tests.conftest import MailBox, free_port
from tests.test_keys import TEST_KEYS
from workflows.episode import EpisodeWorkflow

HVERDAGSBRO = str(Path(sys.executable).parent / "hverdagsbro")
SENDER = "hverdagsbro@faults.test"


def restartable_port() -> int:
    """A free port below the kernel's ephemeral range, for a server that is killed and started
    again on the same port: while it is down, no client socket can be handed that port as its
    own local port and keep the restart from binding it (a dev server restart once failed
    with "address already in use" on a port from the ephemeral range)."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        port = random.randrange(10_000, low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port between 10000 and {low}")


def mail_id(row: asyncpg.Record) -> str:
    """The Message-ID every attempt at an outbox row's e-mail carries."""
    domain = SENDER.rpartition("@")[2]
    return f"<{delivery_key(row['notification_id'], row['user_id'])}@{domain}>"


@dataclass(frozen=True)
class Mails:
    """How many mails arrived for each outbox e-mail row (by the Message-ID every attempt at the
    row's e-mail carries, see mail_id): 0 is a lost mail, 2 or more a repeated one."""

    per_row: Counter[str]

    @classmethod
    def of(cls, mailbox: MailBox, rows: Iterable[asyncpg.Record]) -> Mails:
        received = Counter(m["Message-ID"] or "" for m in mailbox.messages)
        return cls(Counter({mail_id(r): received[mail_id(r)] for r in rows}))

    @property
    def lost(self) -> int:
        return sum(n == 0 for n in self.per_row.values())

    @property
    def duplicated(self) -> int:
        return sum(n - 1 for n in self.per_row.values() if n > 1)

    @property
    def received(self) -> int:
        return sum(self.per_row.values())


@dataclass(frozen=True)
class Refusal:
    message_id: str
    reply: str
    at: float


@dataclass
class ScriptedMailBox(MailBox):
    """Accepts mail, or refuses every message with `reply` (e.g. "554 5.7.1 ...") while set."""

    reply: str | None = None
    refusals: list[Refusal] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.reply is None:
            return await super().handle_DATA(server, session, envelope)
        content: bytes = envelope.content  # type: ignore[attr-defined]
        message_id = message_from_bytes(content)["Message-ID"] or ""
        self.refusals.append(Refusal(message_id, self.reply.split()[0], time.monotonic()))
        return self.reply


@dataclass
class SwitchableSmtp:
    """A real SMTP server (aiosmtpd) on a fixed port that can be taken down and brought back."""

    port: int = field(default_factory=free_port)
    mailbox: ScriptedMailBox = field(default_factory=ScriptedMailBox)
    _controller: Controller | None = None

    def up(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def down(self) -> None:
        """Nothing listens on the port afterwards: connections are refused."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] or "" for m in self.mailbox.messages]


@dataclass
class RowHistory:
    """How one outbox row changed, as seen by polling: (attempts, status, last_error, when)."""

    changes: list[tuple[int, str, str, float]] = field(default_factory=list)

    def attempt_times(self) -> list[float]:
        return [at for _, _, _, at in self.changes[1:]] if self.changes else []

    def errors(self) -> list[str]:
        return [e for _, _, e, _ in self.changes if e]


class OutboxWatch:
    """Polls the outbox rows of some episodes and keeps every change of every e-mail/SMS row,
    so a test can see retries happen, their reasons and their spacing."""

    def __init__(self, pool: DatabasePool, episode_ids: list[str]) -> None:
        self._pool = pool
        self.episode_ids = episode_ids
        self.rows: dict[tuple[str, str, str], RowHistory] = {}
        self._task: asyncio.Task[None] | None = None

    async def poll(self) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self._pool.fetch(
            "SELECT notification_id, user_id, channel, status, attempts, template, episode_id,"
            " coalesce(last_error, '') AS last_error FROM outbox"
            " WHERE episode_id = ANY($1) AND channel <> 'inbox'"
            " ORDER BY notification_id, user_id, channel",
            self.episode_ids,
        )
        now = time.monotonic()
        for r in rows:
            history = self.rows.setdefault(
                (r["notification_id"], r["user_id"], r["channel"]), RowHistory()
            )
            state = (r["attempts"], r["status"], r["last_error"])
            if not history.changes or history.changes[-1][:3] != state:
                history.changes.append((*state, now))
        return rows

    async def _run(self) -> None:
        while True:
            await self.poll()
            await asyncio.sleep(0.2)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def __aenter__(self) -> OutboxWatch:
        """Polls in the background until the block ends, so no change between checks is missed."""
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def until(
        self, check: Callable[[list[asyncpg.Record]], bool], what: str, timeout: float
    ) -> list[asyncpg.Record]:
        deadline = time.monotonic() + timeout
        while True:
            rows = await self.poll()
            if rows and check(rows):
                return rows
            if time.monotonic() > deadline:
                states = sorted({(r["channel"], r["status"], r["attempts"]) for r in rows})
                raise AssertionError(
                    f"outbox never got to: {what}; rows (channel, status, attempts): {states}"
                )
            await asyncio.sleep(0.2)


async def _spawn(command: str, env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """`hverdagsbro <command>` with its output added to `log`."""
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            HVERDAGSBRO,
            command,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )


async def _kill(process: asyncio.subprocess.Process) -> None:
    process.kill()
    await process.wait()


async def _stop(process: asyncio.subprocess.Process | None) -> None:
    """SIGTERM, and SIGKILL if it has not ended 30 s later."""
    if process is not None and process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            await _kill(process)


@dataclass
class LiveSystem:
    """A dev server, a worker process and a client; the parts can be stopped and started."""

    settings: Settings
    env: dict[str, str]
    server: DevServer
    client: Client
    worker: asyncio.subprocess.Process | None = None
    server_restarts: int = 0
    worker_kills: int = 0
    # Where in worker_log the running worker's own lines begin.
    _worker_log_from: int = 0

    @property
    def worker_log(self) -> Path:
        return self.settings.data_dir / "worker.log"

    @property
    def api_log(self) -> Path:
        return self.settings.data_dir / "api.log"

    async def start_worker(self) -> None:
        self._worker_log_from = self.worker_log.stat().st_size if self.worker_log.exists() else 0
        self.worker = await _spawn("worker", self.env, self.worker_log)

    async def worker_ready(self, timeout: float = 60) -> None:
        """Wait until the worker last started says it polls (it exits if Temporal is away while
        it starts)."""
        deadline = time.monotonic() + timeout
        while b"worker started" not in self.worker_log.read_bytes()[self._worker_log_from :]:
            assert self.worker is not None and self.worker.returncode is None, "worker exited"
            assert time.monotonic() < deadline, "the worker did not start"
            await asyncio.sleep(0.2)

    async def kill_worker(self) -> None:
        """SIGKILL: the worker ends at once, in the middle of whatever it was doing."""
        assert self.worker is not None and self.worker.returncode is None, "the worker runs"
        await _kill(self.worker)
        self.worker_kills += 1

    async def stop_worker(self) -> None:
        await _stop(self.worker)

    async def stop_server(self, how: signal.Signals) -> None:
        """Stop the dev server with SIGTERM (it shuts down) or SIGKILL (it just ends)."""
        process = self.server.process
        assert process is not None, "the dev server is ours"
        if how == signal.SIGKILL:
            process.kill()
            await asyncio.to_thread(process.wait)
            self.server.process = None
        else:
            await asyncio.to_thread(self.server.stop)

    async def start_server(self) -> None:
        """The dev server again, on the same data file and port."""
        self.server = await start_dev_server(self.settings)
        self.server_restarts += 1

    def handle(self, episode_id: str) -> WorkflowHandle[EpisodeWorkflow, EpisodeOutcome]:
        return self.client.get_workflow_handle_for(EpisodeWorkflow.run, episode_id)

    async def until(
        self, episode_id: str, check: Callable[[EpisodeView], bool], what: str, timeout: float
    ) -> EpisodeView:
        """Query the episode until the check holds. A server or worker that is away is waited
        for, and so is a database that is away (the worker may need it to answer, e.g. for the
        episode's key: the query fails meanwhile)."""
        deadline = time.monotonic() + timeout
        view: EpisodeView | None = None
        error: Exception | None = None
        while True:
            try:
                view = await self.handle(episode_id).query(EpisodeWorkflow.view)
            except (RPCError, WorkflowQueryFailedError) as err:
                error = err
            else:
                if check(view):
                    return view
            if time.monotonic() > deadline:
                seen = f"phase={view.phase.value}" if view else "never answered"
                raise AssertionError(
                    f"{episode_id} never got to: {what} ({seen}; last query error: {error!r})"
                )
            await asyncio.sleep(0.2)

    async def open_task(self, episode_id: str, kind: TaskKind, timeout: float) -> Task:
        """The episode's open task of this kind, once it has one."""
        view = await self.until(
            episode_id, lambda v: any(t.kind == kind for t in v.open_tasks), kind, timeout
        )
        return next(t for t in view.open_tasks if t.kind == kind)

    async def accept(self, episode_id: str, offer: Task) -> None:
        """The offered peer accepts the offer."""
        await self.handle(episode_id).execute_update(
            EpisodeWorkflow.decide_task,
            TaskDecision(
                task_id=offer.task_id,
                action=DecisionAction.ACCEPT,
                actor=Actor(role=Role.PEER, id=offer.assignee.id),
            ),
        )


class ApiProcess:
    """`hverdagsbro api` with the system's settings on a port of its own (the same each time
    it is started again), its output in system.api_log."""

    def __init__(self, system: LiveSystem) -> None:
        self.port = restartable_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**system.env, "HVERDAGSBRO_API_PORT": str(self.port)}
        self.log = system.api_log
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self, ready_within: float = 60.0) -> None:
        """Start it and wait until GET /healthz answers 200 (database and Temporal reachable)."""
        self.process = await _spawn("api", self.env, self.log)
        deadline = time.monotonic() + ready_within
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            while True:
                assert self.process.returncode is None, f"the API exited; see {self.log}"
                try:
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                assert time.monotonic() < deadline, "the API did not start"
                await asyncio.sleep(0.2)

    async def kill(self) -> None:
        """SIGKILL: requests under way are cut off."""
        if self.process is not None and self.process.returncode is None:
            await _kill(self.process)
            self.kills += 1

    async def stop(self) -> None:
        await _stop(self.process)


class WorkerProcess:
    """One more `hverdagsbro worker` beside the system's own, with the system's settings and
    its output in <data_dir>/<name>.log."""

    def __init__(self, system: LiveSystem, name: str) -> None:
        self.env = system.env
        self.log = system.settings.data_dir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self, ready_within: float = 60.0) -> None:
        """Start it and wait until it says it polls."""
        self.process = await _spawn("worker", self.env, self.log)
        deadline = time.monotonic() + ready_within
        while b"worker started" not in self.log.read_bytes():
            assert self.process.returncode is None, f"the worker exited; see {self.log}"
            assert time.monotonic() < deadline, "the worker did not start"
            await asyncio.sleep(0.2)

    async def kill(self) -> None:
        """SIGKILL: the worker ends at once, in the middle of whatever it was doing."""
        if self.process is not None and self.process.returncode is None:
            await _kill(self.process)
            self.kills += 1

    async def stop(self) -> None:
        await _stop(self.process)


@contextlib.asynccontextmanager
async def api_process(system: LiveSystem, ready_within: float = 60.0) -> AsyncIterator[ApiProcess]:
    """The API, started and ready; stopped at the end."""
    api = ApiProcess(system)
    try:
        await api.start(ready_within)
        yield api
    finally:
        await api.stop()


# The facts both the workflow's query view and the episode's read-model row show.
FACTS = (
    "phase",
    "peer_id",
    "municipality_code",
    "ward_id",
    "organisation_id",
    "risk_elevated",
    "overdue_tasks",
    "discharged_at",
    "first_contact_at",
    "follow_ups_done",
    "follow_ups_planned",
    "readmissions",
)


async def read_model_differences(
    db: DatabasePool | PooledConnection, view: EpisodeView
) -> list[str]:
    """Where the episode's read model (its row and its open tasks, due times included)
    differs from the workflow's own view; empty when they agree. (A workflow task whose
    completion was lost runs again with a later clock; its commit, the same one again,
    overwrites what the first run wrote.)"""
    row = await db.fetchrow("SELECT * FROM episodes WHERE episode_id = $1", view.episode_id)
    if row is None:
        return ["no read-model row"]
    found = []
    shown = view.model_dump(include=set(FACTS))
    stored = {name: row[name] for name in FACTS} | {"phase": Phase(row["phase"])}
    if shown != stored:
        found.append(f"episode row {stored} but the workflow shows {shown}")
    rows = await db.fetch(
        "SELECT task_id, due_at, overdue FROM tasks WHERE episode_id = $1 AND status = 'open'",
        view.episode_id,
    )
    open_rows = {r["task_id"]: (r["due_at"], r["overdue"]) for r in rows}
    open_shown = {t.task_id: (t.due_at, t.overdue) for t in view.open_tasks}
    if open_rows != open_shown:
        found.append(f"open tasks {open_rows} but the workflow shows {open_shown}")
    return found


FIGURES_DIR = PROJECT_ROOT / "test-artifacts" / "faults"


def figures(name: str, text: str) -> None:
    """Print a fault test's figures and keep them in test-artifacts/faults/<name>.txt, which
    `make test-faults` prints at the end."""
    print(f"\n{text}")
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    (FIGURES_DIR / f"{slug}.txt").write_text(text + "\n", encoding="utf-8")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.asynccontextmanager
async def live_system(
    database_url: str,
    db_pool: DatabasePool,
    *,
    smtp_port: int,
    sms_webhook_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    automatic_metrics_ports: bool = False,
) -> AsyncIterator[LiveSystem]:
    """Dev server (data file under data/faults-*), worker subprocess and client; all stopped and
    the data folder removed at the end. `extra_env` is added to the worker's (and the API's)
    environment, e.g. the HVERDAGSBRO_MEDCOM_* transport settings. The worker's metrics ports
    are given, or with `automatic_metrics_ports` left to the worker (as nobody configures
    them on a host running several workers). On failure the last lines
    of the worker's log, and of the API's if one ran (api_process), are printed."""
    data_dir = PROJECT_ROOT / "data" / f"faults-{uuid.uuid4().hex[:8]}"
    data_dir.mkdir(parents=True)
    keys = f"test1:{base64.b64encode(TEST_KEYS.current.secret).decode()}"
    settings = Settings(
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{restartable_port()}",
        temporal_ui_port=free_port(),
        task_queue=f"faults-{uuid.uuid4().hex[:6]}",
        encryption_keys=keys,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_sender=SENDER,
    )
    env = {
        **os.environ,
        "HVERDAGSBRO_DATABASE_URL": database_url,
        "HVERDAGSBRO_TEMPORAL_ADDRESS": settings.temporal_address,
        "HVERDAGSBRO_TASK_QUEUE": settings.task_queue,
        "HVERDAGSBRO_ENCRYPTION_KEYS": keys,
        "HVERDAGSBRO_SMTP_HOST": "127.0.0.1",
        # Whatever the hour CI runs, nothing waits for a citizen's quiet hours to end.
        "HVERDAGSBRO_QUIET_HOURS": "none",
        "HVERDAGSBRO_SMTP_PORT": str(smtp_port),
        "HVERDAGSBRO_SMTP_SENDER": SENDER,
        "HVERDAGSBRO_METRICS_PORT": str(free_port()),
        "HVERDAGSBRO_SDK_METRICS_PORT": str(free_port()),
        "HVERDAGSBRO_DATA_DIR": str(data_dir),
    }
    env.pop("HVERDAGSBRO_SMS_WEBHOOK_URL", None)
    if automatic_metrics_ports:
        env.pop("HVERDAGSBRO_METRICS_PORT")
        env.pop("HVERDAGSBRO_SDK_METRICS_PORT")
    if sms_webhook_url is not None:
        env["HVERDAGSBRO_SMS_WEBHOOK_URL"] = sms_webhook_url
    env.update(extra_env or {})
    server = await start_dev_server(settings)
    system: LiveSystem | None = None
    try:
        system = LiveSystem(settings, env, server, await connect(settings, db_pool))
        await system.start_worker()
        await system.worker_ready()
        yield system
    except BaseException:
        print(f"--- last lines of the worker log ---\n{_tail(data_dir / 'worker.log')}")
        if (data_dir / "api.log").exists():
            print(f"--- last lines of the API log ---\n{_tail(data_dir / 'api.log')}")
        raise
    finally:
        if system is not None:
            await system.stop_worker()
            server = system.server
        await asyncio.to_thread(server.stop)
        shutil.rmtree(data_dir, ignore_errors=True)
