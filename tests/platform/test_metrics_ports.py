"""Metrics ports: several processes on one host each get their own without configuration, a
configured port that is taken names its setting, and Prometheus finds the ports picked."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hverdagsbro.metrics import Metrics
from hverdagsbro.metrics_discovery import scrape_targets, targets_folder
from hverdagsbro.metrics_ports import (
    MetricsPortTaken,
    runtime_with_sdk_metrics,
    serve_our_metrics,
)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another process (here: a socket of ours) listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_two_processes_without_configuration_get_ports_of_their_own() -> None:
    first = serve_our_metrics(Metrics(), host="127.0.0.1", port=0)
    second = serve_our_metrics(Metrics(), host="127.0.0.1", port=0)
    first_sdk = runtime_with_sdk_metrics(host="127.0.0.1", port=0)
    second_sdk = runtime_with_sdk_metrics(host="127.0.0.1", port=0)
    try:
        ports = {first.port, second.port, first_sdk.port, second_sdk.port}
        assert len(ports) == 4, "four endpoints, four ports"
        for port in ports:
            response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
            assert response.status_code == 200
    finally:
        first.close()
        second.close()


def test_a_configured_port_that_is_taken_names_our_setting(taken_port: int) -> None:
    with pytest.raises(MetricsPortTaken) as refused:
        serve_our_metrics(Metrics(), host="127.0.0.1", port=taken_port)
    message = str(refused.value)
    assert f"HVERDAGSBRO_METRICS_PORT={taken_port}" in message
    assert "second worker" in message


def test_a_configured_sdk_port_that_is_taken_names_the_sdk_setting(taken_port: int) -> None:
    with pytest.raises(MetricsPortTaken) as refused:
        runtime_with_sdk_metrics(host="127.0.0.1", port=taken_port)
    assert f"HVERDAGSBRO_SDK_METRICS_PORT={taken_port}" in str(refused.value)


def test_prometheus_finds_the_picked_ports_while_the_process_runs(tmp_path: Path) -> None:
    ports = {"hverdagsbro": 41001, "temporal-sdk": 41002}
    with scrape_targets(tmp_path, "worker", "127.0.0.1", ports) as path:
        assert path == targets_folder(tmp_path) / f"worker-{os.getpid()}.json"
        groups = json.loads(path.read_text())
        assert groups == [
            {"targets": ["127.0.0.1:41001"], "labels": {"job": "hverdagsbro", "process": "worker"}},
            {
                "targets": ["127.0.0.1:41002"],
                "labels": {"job": "temporal-sdk", "process": "worker"},
            },
        ]
    assert not path.exists(), "removed when the process stops"


def test_a_killed_process_file_is_removed_by_the_next_start(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = targets_folder(tmp_path) / f"worker-{ended.stdout.strip()}.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("[]")
    with scrape_targets(tmp_path, "worker", "0.0.0.0", {"hverdagsbro": 41003}) as path:
        assert not stale.exists(), "a dead worker's ports are no longer offered to Prometheus"
        target = json.loads(path.read_text())[0]["targets"][0]
        assert target == f"{socket.gethostname()}:41003", "bound to all: reached by host name"
