"""Recently built reports, per reader scope and filters: a report over a year of a region is
seconds of work, and coordinators ask for the same one again and again. A report is kept for
at most `max_age` seconds (its page and CSV say when it was counted); readers who ask while it
is being built wait for that one build instead of each starting their own, and one read late
in a kept report's life has it counted anew in the background. The key is the
reader's whole scope (organisation, municipality and consent scope) with the filters, so no
reader is ever given a report made for another scope. Only the finished, suppressed report is
kept (no citizen ids), and at most `size` of them."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from api.reports.access import ReportScope
from api.reports.model import Report, ReportFilters

# Reports kept at most: each is a few hundred cells, so this bounds the memory to a few MB.
REPORTS_KEPT = 64

# A kept report read after this share of its time is counted anew in the background.
RENEW_AFTER = 0.8

Key = tuple[ReportScope, ReportFilters]


def _retrieved(task: asyncio.Task[Report]) -> None:
    """A build nobody waits for any more (a renewal, or its readers left) may fail unseen:
    the next reader after the kept report runs out counts again and sees the error."""
    if not task.cancelled():
        task.exception()


@dataclass(frozen=True)
class _Kept:
    report: Report
    built: float


class ReportCache:
    """Reports by (reader scope, filters), each at most `max_age` seconds old; `max_age` 0
    keeps none (concurrent readers of the same report still share its build)."""

    def __init__(
        self,
        max_age: float,
        size: int = REPORTS_KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age = max_age
        self.size = size
        self._clock = clock
        self._kept: OrderedDict[Key, _Kept] = OrderedDict()
        self._building: dict[Key, asyncio.Task[Report]] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def _fresh(self, key: Key) -> _Kept | None:
        kept = self._kept.get(key)
        if kept is None:
            return None
        if self._clock() - kept.built >= self.max_age:
            del self._kept[key]
            return None
        self._kept.move_to_end(key)
        return kept

    def _start(self, key: Key, build: Callable[[], Awaitable[Report]]) -> asyncio.Task[Report]:
        building = asyncio.create_task(self._build(key, build))
        self._building[key] = building
        building.add_done_callback(_retrieved)
        return building

    async def _build(self, key: Key, build: Callable[[], Awaitable[Report]]) -> Report:
        try:
            report = await build()
            if self.max_age > 0:
                self._kept[key] = _Kept(report=report, built=self._clock())
                self._kept.move_to_end(key)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
            return report
        finally:
            del self._building[key]

    async def get(
        self, scope: ReportScope, filters: ReportFilters, build: Callable[[], Awaitable[Report]]
    ) -> Report:
        """The kept report for this scope and filters if fresh, else the one being built for
        them, else a new build (kept if it succeeds; a failure reaches everyone waiting)."""
        key = (scope, filters)
        kept = self._fresh(key)
        building = self._building.get(key)
        if kept is not None:
            # Read again late in its life: counted anew behind the scenes, so the readers
            # of a much-read report do not wait for it when it runs out.
            if building is None and self._clock() - kept.built >= self.max_age * RENEW_AFTER:
                self._start(key, build)
            return kept.report
        if building is None:
            building = self._start(key, build)
        # A reader who leaves does not cancel the build the others wait for.
        return await asyncio.shield(building)
