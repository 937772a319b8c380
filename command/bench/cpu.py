"""CPU use per part of the system while a measurement runs: where the bottleneck is."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

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
    """CPU seconds all cores have been busy so far (guest time is already in user time)."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    counted_twice = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    return float(sum(times) - idle - counted_twice)


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


@dataclass
class CpuUse:
    """CPU seconds used by each part of the system (`named` processes, this process as
    `load`, Temporal and PostgreSQL) and by the whole machine, over one or more measured
    stretches, and the wall time they took.

    From CPU seconds used between start and end (not from sampled percentages), so a
    stretch of a second counts as well as one of minutes. A process that starts meanwhile
    counts from when it is first seen (within LOOK_EVERY)."""

    seconds: dict[str, float] = field(default_factory=dict)
    machine_seconds: float = 0.0
    wall: float = 0.0

    @contextlib.asynccontextmanager
    async def measuring(self, named: dict[int, str]) -> AsyncIterator[None]:
        seen: dict[int, _Seen] = {}
        loop = asyncio.get_running_loop()
        began, machine_began = loop.time(), _machine_busy()
        watcher = asyncio.create_task(_watch(named, seen))
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            # One last look, so the end is the end of the stretch, not the last tick.
            for pid, entry in seen.items():
                with contextlib.suppress(psutil.Error):
                    entry.last = _busy(psutil.Process(pid))
            self.wall += loop.time() - began
            self.machine_seconds += _machine_busy() - machine_began
            for entry in seen.values():
                used = entry.last - entry.first
                self.seconds[entry.part] = self.seconds.get(entry.part, 0.0) + used

    def percent(self) -> dict[str, float]:
        """Average CPU % of each part (100 = one core) and of the machine (100 = all cores)."""
        wall = max(self.wall, 1e-6)
        parts = {part: round(100 * used / wall, 0) for part, used in self.seconds.items()}
        cores = psutil.cpu_count() or 1
        parts["machine"] = round(100 * self.machine_seconds / wall / cores, 0)
        return parts
