"""Progress lines while the benchmark runs: one per step, with the elapsed time."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Prints `[  12.3 s] message` lines, flushed at once."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.started = time.monotonic()
        self.out = out or sys.stdout

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def __call__(self, message: str) -> None:
        print(f"[{self.elapsed():7.1f} s] {message}", file=self.out, flush=True)
