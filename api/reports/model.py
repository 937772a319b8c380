"""The report as pages and the CSV show it: suppressed cells only, no citizen-level data."""

from __future__ import annotations

from datetime import datetime

from api.reports.measures import Measure
from api.reports.period import Period
from api.reports.programme_figures import CourseRow, GroupProgrammeRow
from api.reports.suppression import Cell
from schemas.base import Frozen


class GroupRow(Frozen):
    """One group's numbers: everyone (`breakdown` "all"), or one programme, municipality or
    organisation."""

    breakdown: str
    key: str
    cells: dict[Measure, Cell]

    def cell(self, measure: Measure | str) -> Cell:
        return self.cells[Measure(measure)]


class Bucket(Frozen):
    key: str
    cell: Cell


class PeerLoad(Frozen):
    """Peers now (not per period): capacity and how much of it is in use."""

    peers: int
    capacity: int
    active_load: Cell
    utilisation_pct: Cell
    at_capacity: Cell


class ReportFilters(Frozen):
    period: Period
    programme: str | None = None
    municipality: str | None = None


class Report(Frozen):
    filters: ReportFilters
    as_of: datetime
    overall: GroupRow
    breakdowns: dict[str, tuple[GroupRow, ...]]
    contact_buckets: tuple[Bucket, ...]
    hope_buckets: tuple[Bucket, ...]
    network_buckets: tuple[Bucket, ...]
    peer_load: PeerLoad
    contact_target_pct: float
    courses: tuple[CourseRow, ...] = ()
    groups: tuple[GroupProgrammeRow, ...] = ()
