"""CPU use per part of the system while a measurement runs: where the bottleneck is."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import psutil

SAMPLE_EVERY = 1.0


def _part(process: psutil.Process, me: int, named: dict[int, str]) -> str | None:
    if process.pid == me:
        return "load"
    if process.pid in named:
        return named[process.pid]
    name = process.info["name"] or ""
    command = " ".join(process.info["cmdline"] or [])
    if name == "temporal" or "start-dev" in command:
        return "temporal"
    if name.startswith("postgres") or command.startswith("postgres"):
        return "postgres"
    return None


def _processes(named: dict[int, str]) -> dict[str, list[psutil.Process]]:
    me = psutil.Process().pid
    parts: dict[str, list[psutil.Process]] = {}
    for process in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            part = _part(process, me, named)
            if part is not None:
                parts.setdefault(part, []).append(process)
    return parts


async def _sample(named: dict[int, str], samples: dict[str, list[float]]) -> None:
    known: dict[int, psutil.Process] = {}
    while True:
        parts = _processes(named)
        for part, processes in parts.items():
            total = 0.0
            for process in processes:
                process = known.setdefault(process.pid, process)
                with contextlib.suppress(psutil.Error):
                    total += process.cpu_percent(None)
            samples.setdefault(part, []).append(total)
        samples.setdefault("machine", []).append(psutil.cpu_percent(None))
        await asyncio.sleep(SAMPLE_EVERY)


@contextlib.asynccontextmanager
async def cpu_use(named: dict[int, str], into: dict[str, float]) -> AsyncIterator[None]:
    """Average CPU % (100 = one core; `machine` = all cores) of each part, filled in at exit:
    `named` processes (pid -> part), this process as `load`, Temporal and PostgreSQL."""
    samples: dict[str, list[float]] = {}
    sampler = asyncio.create_task(_sample(named, samples))
    try:
        yield
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        for part, values in samples.items():
            counted = values[1:]  # the first sample of each process reads 0
            into[part] = round(sum(counted) / len(counted), 0) if counted else 0.0
