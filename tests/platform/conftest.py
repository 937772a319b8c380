"""Fixtures for the platform tests: logging captured as text and put back afterwards."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import structlog
import temporalio.activity
import temporalio.workflow

from hverdagsbro.log_setup import configure_logging


@dataclass
class CapturedLogs:
    """Everything the configured handler wrote, as text and as parsed JSON lines."""

    stream: io.StringIO = field(default_factory=io.StringIO)

    def configure(self, fmt: str, level: str = "INFO") -> None:
        configure_logging(fmt, level, stream=self.stream)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def line(self, event: str) -> dict[str, Any]:
        found = [entry for entry in self.lines() if event in entry["event"]]
        assert found, f"no log line with {event!r} in:\n{self.text}"
        return found[-1]


@pytest.fixture
def captured_logs() -> Iterator[CapturedLogs]:
    """Logging configured into a buffer; the process-wide setup is restored afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    structlog_config = structlog.get_config()
    on_message = (
        temporalio.activity.logger.activity_info_on_message,
        temporalio.workflow.logger.workflow_info_on_message,
    )
    try:
        yield CapturedLogs()
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
        structlog.configure(**structlog_config)
        (
            temporalio.activity.logger.activity_info_on_message,
            temporalio.workflow.logger.workflow_info_on_message,
        ) = on_message
