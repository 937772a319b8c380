"""The report's charts: which numbers each one draws, with its title and description."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from api.reports.display import Names, Translate, cell_text, group_name, measure_text
from api.reports.distributions import NO_CONTACT
from api.reports.measures import Measure
from api.reports.model import Bucket, GroupRow, Report
from api.reports.svg import Bar, Chart, horizontal, vertical

CLOSING = (
    Measure.CLOSED_MUNICIPAL_SERVICE_PCT,
    Measure.CLOSED_JOB_OR_EDUCATION_PCT,
    Measure.CLOSED_NETWORK_ACTIVITY_PCT,
)


def _bucket_bars(buckets: tuple[Bucket, ...], t: Translate, lang: str) -> list[Bar]:
    return [
        Bar(
            label=t(f"report.b.{b.key}"),
            value=b.cell.value,
            text=cell_text(b.cell, 0, lang),
            alert=b.key == NO_CONTACT,
        )
        for b in buckets
    ]


def _share_bar(label: str, row: GroupRow, measure: Measure, lang: str) -> Bar:
    return Bar(label=label, value=row.cell(measure).value, text=measure_text(row, measure, lang))


def contact_chart(report: Report, t: Translate, lang: str) -> Chart:
    share = measure_text(report.overall, Measure.CONTACT_72H_PCT, lang)
    return Chart(
        chart_id="chart-contact",
        title=t("report.chart.contact"),
        desc=f"{t('report.chart.contact.desc')} {t('report.m.contact_72h_pct')}: {share}. "
        f"{t('report.target')}.",
        bars=_bucket_bars(report.contact_buckets, t, lang),
    )


def within_72h_chart(report: Report, t: Translate, lang: str, names: Names) -> Chart:
    rows = (report.overall, *report.breakdowns.get("programme", ()))
    return Chart(
        chart_id="chart-within72",
        title=t("report.chart.within72"),
        desc=t("report.chart.within72.desc"),
        bars=[_share_bar(group_name(r, names, t), r, Measure.CONTACT_72H_PCT, lang) for r in rows],
        unit="%",
        top=100.0,
        target=report.contact_target_pct,
        target_label=t("report.target"),
    )


def closing_chart(report: Report, t: Translate, lang: str) -> Chart:
    return Chart(
        chart_id="chart-closing",
        title=t("report.chart.closing"),
        desc=t("report.chart.closing.desc"),
        bars=[_share_bar(t(f"report.m.{m}"), report.overall, m, lang) for m in CLOSING],
        unit="%",
        top=100.0,
    )


def hope_chart(report: Report, t: Translate, lang: str) -> Chart:
    mean = measure_text(report.overall, Measure.HOPE_CHANGE_MEAN, lang)
    return Chart(
        chart_id="chart-hope",
        title=t("report.chart.hope"),
        desc=f"{t('report.chart.hope.desc')} {t('report.m.hope_change_mean')}: {mean}.",
        bars=_bucket_bars(report.hope_buckets, t, lang),
    )


def network_chart(report: Report, t: Translate, lang: str) -> Chart:
    mean = measure_text(report.overall, Measure.NETWORK_CHANGE_MEAN, lang)
    return Chart(
        chart_id="chart-network",
        title=t("report.chart.network"),
        desc=f"{t('report.chart.network.desc')} {t('report.m.network_change_mean')}: {mean}.",
        bars=_bucket_bars(report.network_buckets, t, lang),
    )


@dataclass(frozen=True)
class Figure:
    """A chart and its drawing; the page puts the chart's numbers in a table beside it."""

    chart: Chart
    svg: Markup


def figures(report: Report, t: Translate, lang: str, names: Names) -> list[Figure]:
    drawn = [
        (contact_chart(report, t, lang), vertical),
        (within_72h_chart(report, t, lang, names), horizontal),
        (closing_chart(report, t, lang), horizontal),
        (hope_chart(report, t, lang), vertical),
        (network_chart(report, t, lang), vertical),
    ]
    return [Figure(chart=chart, svg=draw(chart)) for chart, draw in drawn]
