"""Where Prometheus finds each process's metrics ports: a file_sd target file per process."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

_ANY_ADDRESS = {"", "0.0.0.0", "::"}


def targets_folder(data_dir: Path) -> Path:
    """The folder Prometheus' file_sd_configs reads: `<data_dir>/metrics/*.json`."""
    return data_dir / "metrics"


def _target(host: str, port: int) -> str:
    # Bound to every address: Prometheus on another host reaches us by our name.
    name = socket.gethostname() if host in _ANY_ADDRESS else host
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(folder: Path, process: str) -> None:
    """Files left by a process of this kind that was killed (SIGKILL leaves its file)."""
    for path in folder.glob(f"{process}-*.json"):
        pid = path.stem.rpartition("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


@contextlib.contextmanager
def scrape_targets(
    data_dir: Path, process: str, host: str, ports: Mapping[str, int]
) -> Iterator[Path]:
    """Write `<data_dir>/metrics/<process>-<pid>.json` listing `ports` (job name → port) for
    the block's length, then remove it. Labels carry only the job and the process kind."""
    folder = targets_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder, process)
    path = folder / f"{process}-{os.getpid()}.json"
    groups = [
        {"targets": [_target(host, port)], "labels": {"job": job, "process": process}}
        for job, port in ports.items()
    ]
    # Written whole, then renamed: Prometheus never reads half a file.
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(groups, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
    log.info("metrics ports", process=process, **{job: port for job, port in ports.items()})
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
