"""The two metrics ports of a process: a free one each start unless configured, and an error
naming the setting when a configured one is taken."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

import structlog
from temporalio.runtime import Runtime

from hverdagsbro.metrics import Metrics, MetricsEndpoint, sdk_runtime, start_metrics_endpoint

log = structlog.get_logger(__name__)

OUR_PORT_SETTING = "HVERDAGSBRO_METRICS_PORT"
SDK_PORT_SETTING = "HVERDAGSBRO_SDK_METRICS_PORT"
# A free port is found, then bound by the SDK's native runtime: another process may take it in
# between, so a few tries (each with a new port) before giving up.
_SDK_TRIES = 5


class MetricsPortTaken(RuntimeError):
    """A configured metrics port is held by another process (a second worker on this host?)."""

    def __init__(self, setting: str, host: str, port: int) -> None:
        super().__init__(
            f"metrics port {port} on {host} is taken ({setting}={port}); another process, "
            f"perhaps a second worker on this host, serves there: unset {setting} "
            "(or set it to 0) so each process picks a free port, or choose another"
        )
        self.setting = setting
        self.port = port


@dataclass
class SdkRuntime:
    """The process's Temporal runtime and the port its SDK metrics are served on."""

    runtime: Runtime
    port: int


def serve_our_metrics(metrics: Metrics, *, host: str, port: int) -> MetricsEndpoint:
    """Our /metrics endpoint on `port`, or on a free port when it is 0."""
    try:
        return start_metrics_endpoint(metrics, host=host, port=port)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise MetricsPortTaken(OUR_PORT_SETTING, host, port) from err
        raise


def _free_port(host: str) -> int:
    with socket.socket(_family(host)) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _in_use(err: ValueError) -> bool:
    # The native runtime reports the bind failure only as text ("Address already in use").
    return "in use" in str(err).lower()


def runtime_with_sdk_metrics(*, host: str, port: int) -> SdkRuntime:
    """The Temporal runtime (one per process) serving the SDK's metrics on `port`, or on a
    free port when it is 0."""
    if port:
        try:
            return SdkRuntime(sdk_runtime(_bind_address(host, port)), port)
        except ValueError as err:
            if _in_use(err):
                raise MetricsPortTaken(SDK_PORT_SETTING, host, port) from err
            raise
    for _ in range(_SDK_TRIES):
        candidate = _free_port(host)
        try:
            return SdkRuntime(sdk_runtime(_bind_address(host, candidate)), candidate)
        except ValueError as err:
            if not _in_use(err):
                raise
            log.info("free sdk metrics port taken meanwhile; trying another", port=candidate)
    raise RuntimeError(f"no free port on {host} for the SDK metrics after {_SDK_TRIES} tries")
