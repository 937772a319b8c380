"""Prometheus metrics: the project's own (no personal data in labels) and the Temporal SDK's."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, get_args
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from schemas.episode import Phase
from schemas.notifications import Channel

EventOutcome = Literal["accepted", "duplicate", "rejected"]

# Hours from discharge to the peer's first contact; the deadlines are 48 h and 72 h.
FIRST_CONTACT_BUCKETS = (6.0, 12.0, 24.0, 36.0, 48.0, 60.0, 72.0, 96.0, 120.0, 168.0)


class Metrics:
    """The project's metrics in a registry of their own. Label values come only from closed
    enumerations (phase, channel, outcome), so no caller can put personal data in a label."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        self.episodes = Gauge(
            "hverdagsbro_episodes",
            "Episodes in each phase, from the read model.",
            ["phase"],
            registry=self.registry,
        )
        self.tasks_overdue = Gauge(
            "hverdagsbro_tasks_overdue",
            "Open tasks past their due time.",
            registry=self.registry,
        )
        self.time_to_first_contact = Histogram(
            "hverdagsbro_time_to_first_contact_hours",
            "Hours from discharge to the peer's first confirmed contact.",
            buckets=FIRST_CONTACT_BUCKETS,
            registry=self.registry,
        )
        self.notification_deliveries = Counter(
            "hverdagsbro_notification_deliveries",
            "Notifications delivered, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.notification_failures = Counter(
            "hverdagsbro_notification_failures",
            "Notification deliveries that failed, by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.events = Counter(
            "hverdagsbro_events",
            "Incoming events by outcome: accepted, duplicate (ignored) or rejected.",
            ["outcome"],
            registry=self.registry,
        )
        # Every series exists from the start, so a rate over a quiet channel is 0, not absent.
        for phase in Phase:
            self.episodes.labels(phase=phase.value)
        for channel in Channel:
            self.notification_deliveries.labels(channel=channel.value)
            self.notification_failures.labels(channel=channel.value)
        for outcome in get_args(EventOutcome):
            self.events.labels(outcome=outcome)

    def set_episodes_by_phase(self, counts: Mapping[Phase, int]) -> None:
        """Replace the per-phase counts; phases not given are 0."""
        for phase in Phase:
            self.episodes.labels(phase=phase.value).set(counts.get(phase, 0))

    def set_tasks_overdue(self, count: int) -> None:
        self.tasks_overdue.set(count)

    def first_contact_after(self, elapsed: timedelta) -> None:
        """Record the time from discharge to the first contact."""
        self.time_to_first_contact.observe(elapsed.total_seconds() / 3600)

    def notification_delivered(self, channel: Channel) -> None:
        self.notification_deliveries.labels(channel=Channel(channel).value).inc()

    def notification_failed(self, channel: Channel) -> None:
        self.notification_failures.labels(channel=Channel(channel).value).inc()

    def event_received(self, outcome: EventOutcome) -> None:
        if outcome not in get_args(EventOutcome):
            raise ValueError(f"event outcome must be one of {get_args(EventOutcome)}")
        self.events.labels(outcome=outcome).inc()


@dataclass
class MetricsEndpoint:
    """A running /metrics HTTP endpoint (a daemon thread); `close()` stops it."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return self.server.server_port

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_metrics_endpoint(metrics: Metrics, *, host: str, port: int) -> MetricsEndpoint:
    """Serve `metrics` at http://host:port/metrics (port 0 picks a free port)."""
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    return MetricsEndpoint(server, thread)


def sdk_runtime(metrics_bind_address: str | None) -> Runtime:
    """A Temporal runtime whose SDK metrics are served at `metrics_bind_address` ("host:port",
    separate from ours) and whose Core logs go through Python logging (so they are JSON and
    redacted like the rest). Create it once per process and pass it to `Client.connect`."""
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(
                filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
            ),
            metrics=(
                PrometheusConfig(bind_address=metrics_bind_address)
                if metrics_bind_address
                else None
            ),
        )
    )
