"""CPU use per part of the system while a measurement runs: where the bottleneck is."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import psutil

# How often new processes (PostgreSQL backends come and go with connections) are looked for.
LOOK_EVERY = 0.25


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


def _busy(process: psutil.Process) -> float:
    """CPU seconds the process has used so far (user + system)."""
    times = process.cpu_times()
    return float(times.user + times.system)


def _machine_busy() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


@dataclass
class _Seen:
    part: str
    first: float
    last: float


async def _watch(named: dict[int, str], seen: dict[int, _Seen]) -> None:
    """Keep, per process, the CPU seconds it had when first seen and when last seen."""
    while True:
        for part, processes in _processes(named).items():
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    used = _busy(process)
                    if process.pid in seen:
                        seen[process.pid].last = used
                    else:
                        seen[process.pid] = _Seen(part, used, used)
        await asyncio.sleep(LOOK_EVERY)


@contextlib.asynccontextmanager
async def cpu_use(named: dict[int, str], into: dict[str, float]) -> AsyncIterator[None]:
    """Average CPU % (100 = one core; `machine` = all cores) of each part, filled in at exit:
    `named` processes (pid -> part), this process as `load`, Temporal and PostgreSQL.

    From CPU seconds used between the start and the end (not from sampled percentages), so
    a measurement of a second is counted as well as one of minutes. A process that starts
    meanwhile counts from when it is first seen (within LOOK_EVERY)."""
    seen: dict[int, _Seen] = {}
    loop = asyncio.get_running_loop()
    began, machine_began = loop.time(), _machine_busy()
    watcher = asyncio.create_task(_watch(named, seen))
    try:
        yield
    finally:
        # One last look, so the end is the end of the measurement, not the last tick.
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        for pid, entry in seen.items():
            with contextlib.suppress(psutil.Error):
                entry.last = _busy(psutil.Process(pid))
        wall = max(loop.time() - began, 1e-6)
        used: dict[str, float] = {}
        for entry in seen.values():
            used[entry.part] = used.get(entry.part, 0.0) + entry.last - entry.first
        for part, seconds in used.items():
            into[part] = round(100 * seconds / wall, 0)
        machine = (_machine_busy() - machine_began) / wall / (psutil.cpu_count() or 1)
        into["machine"] = round(100 * machine, 0)
