"""The local stack: the real Temporal dev server from our module, and `hverdagsbro dev` + demo."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client, WorkflowExecutionStatus

from command.dev_server import DevServerError, start_dev_server
from hverdagsbro.search_attributes import SEARCH_ATTRIBUTES
from hverdagsbro.settings import PROJECT_ROOT, Settings
from tests.conftest import eventually, free_port

HVERDAGSBRO = str(Path(sys.executable).parent / "hverdagsbro")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data folder inside the project, removed afterwards."""
    folder = PROJECT_ROOT / "data" / f"test-dev-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def dev_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir,
        temporal_address=f"127.0.0.1:{free_port()}",
        temporal_ui_port=free_port(),
    )


async def _connect(settings: Settings) -> Client:
    return await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)


async def test_dev_server_registers_search_attributes_and_keeps_workflows_across_restarts(
    dev_settings: Settings,
) -> None:
    workflow_id = f"kept-{uuid.uuid4().hex[:8]}"
    server = await start_dev_server(dev_settings)
    try:
        assert not server.reused
        client = await _connect(dev_settings)
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=dev_settings.temporal_namespace)
        )
        assert set(SEARCH_ATTRIBUTES) <= set(listed.custom_attributes)
        # No worker polls this queue: the workflow simply stays open.
        await client.start_workflow("NobodyRunsThis", id=workflow_id, task_queue="nobody-polls")

        second = await start_dev_server(dev_settings)
        assert second.reused, "a Temporal server on the port is reused, not fought over"
        second.stop()
        await client.get_workflow_handle(workflow_id).describe()
    finally:
        server.stop()

    state = dev_settings.data_dir / "temporal"
    assert (state / "temporal.db").exists()
    assert (state / "server.log").exists()

    restarted = await start_dev_server(dev_settings)
    try:
        client = await _connect(dev_settings)
        description = await client.get_workflow_handle(workflow_id).describe()
        assert description.status == WorkflowExecutionStatus.RUNNING
    finally:
        restarted.stop()


async def test_a_port_held_by_something_else_names_the_setting(dev_settings: Settings) -> None:
    port = int(dev_settings.temporal_address.rpartition(":")[2])
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(DevServerError, match="HVERDAGSBRO_TEMPORAL_ADDRESS"):
            await start_dev_server(dev_settings)


def _failing_first(tries: Path, fail_times: int) -> str:
    """A stand-in for the server binary: the first `fail_times` starts die as the dev server
    does when a port it picked is taken meanwhile (a panic line, a long stack trace, code 2);
    later ones run the real server."""
    stack = "\n".join(f"goroutine {n} [running]:" for n in range(40))
    script = tries.parent / "temporal-flaky"
    script.write_text(
        "#!/bin/sh\n"
        f'echo x >> "{tries}"\n'
        f'if [ "$(wc -l < "{tries}")" -le {fail_times} ]; then\n'
        "  echo 'panic: listen tcp 127.0.0.1:7243: bind: address already in use'\n"
        f"  cat <<'STACK'\n{stack}\nSTACK\n"
        "  exit 2\n"
        "fi\n"
        'exec "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("fail_times", [1, 3])
async def test_a_server_that_dies_while_starting_is_started_again_or_named_with_its_panic(
    dev_settings: Settings, monkeypatch: pytest.MonkeyPatch, fail_times: int
) -> None:
    import command.dev_server as dev_server

    tries = dev_settings.data_dir / "tries"
    flaky = _failing_first(tries, fail_times)
    real = dev_server.server_command
    monkeypatch.setattr(
        dev_server, "server_command", lambda settings, extra=(): [flaky, *real(settings, extra)]
    )
    if fail_times == 3:
        with pytest.raises(DevServerError) as refused:
            await start_dev_server(dev_settings)
        message = str(refused.value)
        assert "exited with code 2 while starting (3 tries)" in message
        assert "panic: listen tcp 127.0.0.1:7243: bind: address already in use" in message
        assert len(tries.read_text().splitlines()) == 3
        return
    server = await start_dev_server(dev_settings)
    try:
        assert not server.reused
        assert len(tries.read_text().splitlines()) == 2
        client = await _connect(dev_settings)
        await client.workflow_service.get_system_info(GetSystemInfoRequest())
    finally:
        server.stop()


async def _collect(
    stream: asyncio.StreamReader, seen: list[str], ready: asyncio.Event, marker: str
) -> None:
    """Read everything a command prints (so its pipe never fills); `ready` once `marker` shows."""
    while line := await stream.readline():
        seen.append(line.decode(errors="replace"))
        if marker in seen[-1]:
            ready.set()


def _environment(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment with only the given HVERDAGSBRO_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HVERDAGSBRO_")}
    return env | {f"HVERDAGSBRO_{k}": v for k, v in settings.items()}


async def _until_ready(
    process: asyncio.subprocess.Process, marker: str
) -> tuple[list[str], asyncio.Task[None]]:
    """What the command printed until `marker`, and the task that keeps reading after it."""
    assert process.stdout is not None
    seen: list[str] = []
    ready = asyncio.Event()
    collector = asyncio.create_task(_collect(process.stdout, seen, ready, marker))
    await asyncio.wait_for(
        asyncio.wait({collector, asyncio.create_task(ready.wait())}, return_when="FIRST_COMPLETED"),
        120,
    )
    assert ready.is_set(), "the command exited early:\n" + "".join(seen)
    return seen, collector


def _mail_caught(folder: Path) -> Callable[[], Awaitable[bool]]:
    async def caught() -> bool:
        return any(folder.glob("*.eml"))

    return caught


async def _stop(dev: asyncio.subprocess.Process) -> None:
    """Even when the test fails: Ctrl-C first, so the dev server and PostgreSQL stop too."""
    if dev.returncode is not None:
        return
    dev.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(dev.wait(), 60)
    except TimeoutError:
        dev.kill()
        await dev.wait()


async def test_dev_runs_everything_demo_offers_a_peer_and_ctrl_c_stops_it_all(
    data_dir: Path,
) -> None:
    """What a newcomer does: `make run`, `make demo` in a second terminal, then Ctrl-C."""
    ports = {
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "TEMPORAL_UI_PORT": str(free_port()),
        "API_PORT": str(free_port()),
        "SMTP_PORT": str(free_port()),
        "METRICS_PORT": str(free_port()),
        "SDK_METRICS_PORT": str(free_port()),
        "CODEC_PORT": str(free_port()),
    }
    env = _environment(
        ports | {"DATA_DIR": str(data_dir), "PUBLIC_URL": f"http://127.0.0.1:{ports['API_PORT']}"}
    )
    dev = await asyncio.create_subprocess_exec(
        HVERDAGSBRO,
        "dev",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    collector: asyncio.Task[None] | None = None
    try:
        seen, collector = await _until_ready(dev, "Press Ctrl-C")
        output = "".join(seen)
        assert "embedded" in output
        assert f"http://127.0.0.1:{ports['TEMPORAL_UI_PORT']}" in output

        demo = await asyncio.create_subprocess_exec(
            HVERDAGSBRO,
            "demo",
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(demo.communicate(), 120)
        printed = out.decode()
        assert demo.returncode == 0, printed + err.decode()
        assert "Offered to peer:" in printed
        assert "peer-demo-emil" not in printed, "the untrained peer is never offered an episode"
        assert "/namespaces/default/workflows/episode-" in printed
        await eventually(_mail_caught(data_dir / "mail"))
        async with httpx.AsyncClient(timeout=10) as http:
            health = await http.get(f"http://127.0.0.1:{ports['API_PORT']}/healthz")
            assert health.json()["status"] == "ok"
            codec = f"http://127.0.0.1:{ports['CODEC_PORT']}"
            token = (data_dir / "codec-token").read_text().strip()
            assert (await http.post(f"{codec}/decode", json={"payloads": []})).status_code == 401
            decoded = await http.post(f"{codec}/t/{token}/decode", json={"payloads": []})
            assert decoded.status_code == 200, "the dev UI's codec endpoint works"

        dev.send_signal(signal.SIGINT)
        await asyncio.wait_for(dev.wait(), 60)
        await collector
        assert dev.returncode == 0, "".join(seen)
        assert seen[-1].strip() == "Stopped."
    finally:
        await _stop(dev)
        if collector is not None:
            collector.cancel()
    assert not (data_dir / "postgres" / "postmaster.pid").exists(), "PostgreSQL stopped"
    with socket.socket() as probe:
        port = int(ports["TEMPORAL_ADDRESS"].rpartition(":")[2])
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the Temporal dev server stopped"


async def test_dev_server_command_stops_on_sigterm_and_frees_its_port(
    dev_settings: Settings,
) -> None:
    """What a process manager does: SIGTERM, then the command stops its child and exits 0."""
    env = _environment(
        {
            "DATA_DIR": str(dev_settings.data_dir),
            "TEMPORAL_ADDRESS": dev_settings.temporal_address,
            "TEMPORAL_UI_PORT": str(dev_settings.temporal_ui_port),
        }
    )
    command = await asyncio.create_subprocess_exec(
        HVERDAGSBRO,
        "dev-server",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    collector: asyncio.Task[None] | None = None
    try:
        seen, collector = await _until_ready(command, "Ctrl-C stops it.")
        command.send_signal(signal.SIGTERM)
        await asyncio.wait_for(command.wait(), 60)
        await collector
        assert command.returncode == 0, "".join(seen)
        assert seen[-1].strip() == "Stopped."
    finally:
        await _stop(command)
        if collector is not None:
            collector.cancel()
    with socket.socket() as probe:
        port = int(dev_settings.temporal_address.rpartition(":")[2])
        assert probe.connect_ex(("127.0.0.1", port)) != 0, "the Temporal dev server stopped"
