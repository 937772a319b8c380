"""Fixtures the fault tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.live_system import SwitchableSmtp


@pytest.fixture
def smtp() -> Iterator[SwitchableSmtp]:
    """An SMTP server of the test's own, down until the test brings it up; down at the end."""
    server = SwitchableSmtp()
    try:
        yield server
    finally:
        server.down()
