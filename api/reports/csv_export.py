"""The report as CSV: one tidy line per number, with the same suppression and rounding as the
page (the last lines say the base every count is rounded to, and when the figures were
counted). Courses are lines of breakdown "course" with group "<programme>:<participant kind
or all>", groups of breakdown "group"."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from api.reports.measures import Measure, decimals
from api.reports.model import Bucket, Report
from api.reports.period import LOCAL_TIME
from api.reports.programme_figures import CourseMeasure, GroupMeasure
from api.reports.programme_figures import decimals as figure_decimals
from api.reports.rounding import BASE

HEADER = ("period_first", "period_last", "breakdown", "group", "measure", "value")


def _lines(report: Report) -> list[tuple[str, str, str, str]]:
    """(breakdown, group, measure, value) for every number the page shows."""
    lines: list[tuple[str, str, str, str]] = []
    rows = (report.overall, *(r for rows in report.breakdowns.values() for r in rows))
    for row in rows:
        for measure in Measure:
            cell = row.cell(measure)
            lines.append((row.breakdown, row.key, measure.value, cell.text(decimals(measure))))

    def buckets(name: str, found: tuple[Bucket, ...]) -> None:
        lines.extend((name, "all", b.key, b.cell.text(0)) for b in found)

    buckets("contact_hours", report.contact_buckets)
    buckets("hope_change", report.hope_buckets)
    buckets("network_change", report.network_buckets)
    lines.extend(
        ("course", f"{row.programme}:{row.kind}", m.value, row.cell(m).text(0))
        for row in report.courses
        for m in CourseMeasure
    )
    lines.extend(
        ("group", row.programme, m.value, row.cell(m).text(figure_decimals(m)))
        for row in report.groups
        for m in GroupMeasure
    )
    load = report.peer_load
    lines.extend(
        [
            ("peer_load", "all", "peers", str(load.peers)),
            ("peer_load", "all", "capacity", str(load.capacity)),
            ("peer_load", "all", "active_load", load.active_load.text(0)),
            ("peer_load", "all", "utilisation_pct", load.utilisation_pct.text(1)),
            ("peer_load", "all", "at_capacity", load.at_capacity.text(0)),
            ("target", "all", "contact_72h_pct", f"{report.contact_target_pct:.1f}"),
            ("rounding", "all", "count_base", str(BASE)),
            # When the figures were counted (local time): a kept report can be minutes old.
            ("figures", "all", "as_of", when(report.as_of)),
        ]
    )
    return lines


def when(moment: datetime) -> str:
    """Local time to the minute, as ISO 8601 with its offset (2026-10-15T12:05+02:00)."""
    return moment.astimezone(LOCAL_TIME).isoformat(timespec="minutes")


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    period = report.filters.period
    for line in _lines(report):
        writer.writerow((period.first.isoformat(), period.last.isoformat(), *line))
    return out.getvalue()
