"""The baseline: a trivial entity workflow that only counts the signals it receives."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow

TRIVIAL_SIGNAL = "event"
# Long enough to outlive any measurement; the dev server is thrown away afterwards.
IDLE_LIFETIME = timedelta(hours=1)


@workflow.defn(name="BenchTrivialEntity")
class TrivialEntity:
    """Receives events by signal and does nothing else: what raw Temporal costs."""

    def __init__(self) -> None:
        self.received = 0

    @workflow.run
    async def run(self, label: str) -> int:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(lambda: False, timeout=IDLE_LIFETIME)
        return self.received

    @workflow.signal(name=TRIVIAL_SIGNAL)
    def event(self, payload: dict[str, str]) -> None:
        self.received += 1

    @workflow.query
    def count(self) -> int:
        return self.received
