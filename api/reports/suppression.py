"""Small-cell suppression: no number built from fewer than five citizens is shown, and every
count that is shown is randomly rounded to a multiple of five (see `rounding`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from api.reports.rounding import rounded
from schemas.base import Frozen

MIN_CITIZENS = 5


class Mark(StrEnum):
    SHOWN = ""
    SMALL = "<5"
    SUPPRESSED = "suppressed"


class Cell(Frozen):
    """A number as the report shows it; `value` is None whenever it is not shown."""

    value: float | None
    mark: Mark = Mark.SHOWN

    @property
    def shown(self) -> bool:
        return self.mark == Mark.SHOWN and self.value is not None

    def text(self, decimals: int = 0) -> str:
        if self.mark != Mark.SHOWN:
            return self.mark.value
        if self.value is None:
            return ""
        return f"{self.value:.{decimals}f}"


@dataclass(frozen=True)
class Tally:
    """A raw number and the citizens it was built from (never leaves this package)."""

    value: float | None
    citizens: frozenset[str]
    # The same citizens in order, when the tally was made so (repeats allowed): the rounding
    # coin then need not sort tens of thousands of ids again.
    ordered: Sequence[str] | None = field(default=None, compare=False)

    @property
    def too_few(self) -> bool:
        return len(self.citizens) < MIN_CITIZENS


def count_cell(tally: Tally) -> Cell:
    """A count or sum: hidden as "<5" (or "suppressed" when the value itself is larger), the
    threshold applied to the raw count; shown, it is rounded to a multiple of five."""
    if tally.too_few or tally.value is None:
        small = tally.value is None or tally.value < MIN_CITIZENS
        return Cell(value=None, mark=Mark.SMALL if small else Mark.SUPPRESSED)
    keys = tally.citizens if tally.ordered is None else tally.ordered
    return Cell(value=rounded(tally.value, keys))


def statistic_cell(tally: Tally) -> Cell:
    """A median, percentile or mean over fewer than five citizens is not shown at all."""
    if tally.too_few or tally.value is None:
        return Cell(value=None, mark=Mark.SUPPRESSED)
    return Cell(value=tally.value)


def protect(family: Sequence[Tally]) -> list[Cell]:
    """Counts that add up to a shown total (groups, histogram buckets): when only one is
    small, the smallest other one is hidden too, so the total cannot give the small one away."""
    cells = [count_cell(t) for t in family]
    hidden = [i for i, c in enumerate(cells) if not c.shown]
    shown = [i for i, c in enumerate(cells) if c.shown]
    if len(hidden) == 1 and shown:
        smallest = min(shown, key=lambda i: (cells[i].value or 0.0, i))
        cells[smallest] = Cell(value=None, mark=Mark.SUPPRESSED)
    return cells


def not_above(part: Cell, whole: Cell) -> Cell:
    """A part rounded up past its rounded whole (23 -> 25 of 24 -> 20) is shown as the whole:
    still a multiple of five, still within five of the raw count, never over 100 %."""
    if part.shown and whole.shown and (part.value or 0.0) > (whole.value or 0.0):
        return Cell(value=whole.value)
    return part


def percent_cell(part: Cell, whole: Cell) -> Cell:
    """part / whole in percent, of the shown (rounded) counts, shown only when both are."""
    if not part.shown or not whole.shown:
        return Cell(value=None, mark=Mark.SUPPRESSED)
    if not whole.value or part.value is None:
        return Cell(value=None)
    return Cell(value=100 * part.value / whole.value)
