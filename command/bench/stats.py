"""Percentiles and rates from raw samples."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], p: float) -> float:
    """The nearest-rank percentile `p` (0-100) of the samples; NaN when there are none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of samples in seconds, in milliseconds rounded to 0.1."""
    return {
        name: round(percentile(samples_s, p) * 1000, 1)
        for name, p in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
    }
