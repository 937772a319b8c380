"""Clean shutdown for long-running commands: signals, child processes, a quiet process exit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import NoReturn

import structlog

log = structlog.get_logger(__name__)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class CommandError(RuntimeError):
    """Ends a command with this message for the user (it says what to do), no traceback."""


@contextlib.contextmanager
def stop_on_signals(
    stop: asyncio.Event, on_first: Callable[[], None] | None = None
) -> Iterator[None]:
    """While inside, Ctrl-C (SIGINT) and SIGTERM set `stop` instead of raising.

    `on_first` runs once, on the first signal (e.g. to say that shutdown has begun).
    """
    loop = asyncio.get_running_loop()

    def handle() -> None:
        if not stop.is_set() and on_first is not None:
            on_first()
        stop.set()

    for sig in _STOP_SIGNALS:
        loop.add_signal_handler(sig, handle)
    try:
        yield
    finally:
        for sig in _STOP_SIGNALS:
            loop.remove_signal_handler(sig)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> int:
    """Ask a child to stop (SIGTERM), wait up to `timeout` seconds, then kill it."""
    if process.poll() is not None:
        return process.returncode
    process.terminate()
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        log.warning("process did not stop in time; killing it", pid=process.pid)
        process.kill()
        return process.wait()


def exit_quietly(code: int) -> NoReturn:
    """Flush output and leave without interpreter teardown.

    The Temporal SDK's native runtime can abort or hang while Python tears down; every
    client and worker is closed before this is called, so skipping teardown loses nothing.
    """
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    logging.shutdown()
    os._exit(code)
