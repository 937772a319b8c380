"""A tiny server-side SVG bar chart: vertical (histograms) or horizontal (long labels)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

INK = "#1b1b1b"
BAR = "#12355b"
ALERT = "#8a1c1c"
GRID = "#c9ced6"
FONT = 'font-family="system-ui, Arial, sans-serif"'


@dataclass(frozen=True)
class Bar:
    """One bar; `value` None draws no bar, only `text` (e.g. "<5")."""

    label: str
    value: float | None
    text: str
    alert: bool = False


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    desc: str
    bars: Sequence[Bar]
    unit: str = ""
    top: float | None = None
    target: float | None = None
    target_label: str = ""


def _nice_top(bars: Sequence[Bar], fixed: float | None) -> float:
    if fixed is not None:
        return fixed
    highest = max((b.value or 0.0 for b in bars), default=0.0)
    if highest <= 0:
        return 5.0
    step = 10 ** math.floor(math.log10(highest))
    return float(math.ceil(highest / step) * step)


def _open(chart: Chart, width: int, height: int) -> list[str]:
    cid = escape(chart.chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img"'
        f' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet"'
        f' aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(chart.title)}</title>',
        f'<desc id="{cid}-desc">{escape(chart.desc)}</desc>',
    ]


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def vertical(chart: Chart, width: int = 640, height: int = 300) -> Markup:
    """Bars side by side with their labels underneath: a histogram."""
    left, right, top_pad, bottom = 48, 12, 24, 48
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = _nice_top(chart.bars, chart.top)
    base = top_pad + plot_h
    parts = _open(chart, width, height)
    for tick in (0.0, top / 2, top):
        y = base - plot_h * tick / top
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" {FONT}'
            f' fill="{INK}">{_fmt(tick)}{escape(chart.unit)}</text>'
        )
    slot = plot_w / max(len(chart.bars), 1)
    for n, bar in enumerate(chart.bars):
        x = left + n * slot + slot * 0.15
        w = slot * 0.7
        centre = x + w / 2
        y = base
        if bar.value is not None:
            h = plot_h * min(bar.value, top) / top
            y = base - h
            colour = ALERT if bar.alert else BAR
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="13"'
            f' font-weight="600" {FONT} fill="{INK}">{escape(bar.text)}</text>'
            f'<text x="{centre:.1f}" y="{base + 18}" text-anchor="middle" font-size="12"'
            f' {FONT} fill="{INK}">{escape(bar.label)}</text>'
        )
    parts.append(_target(chart, left, width - right, base - plot_h * (chart.target or 0) / top))
    parts.append("</svg>")
    return _markup(parts)


def horizontal(chart: Chart, width: int = 640, row: int = 34) -> Markup:
    """One bar per row with a long label on the left: shares by programme and the like."""
    label_w, right, top_pad, bottom = 230, 60, 8, 28
    height = top_pad + row * len(chart.bars) + bottom
    plot_w = width - label_w - right
    top = _nice_top(chart.bars, chart.top)
    base = top_pad + row * len(chart.bars)
    parts = _open(chart, width, height)
    for tick in (0.0, top / 2, top):
        x = label_w + plot_w * tick / top
        parts.append(
            f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{base}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle" font-size="12" {FONT}'
            f' fill="{INK}">{_fmt(tick)}{escape(chart.unit)}</text>'
        )
    for n, bar in enumerate(chart.bars):
        y = top_pad + n * row + row * 0.2
        h = row * 0.6
        end: float = label_w
        if bar.value is not None:
            w = plot_w * min(bar.value, top) / top
            end = label_w + w
            colour = ALERT if bar.alert else BAR
            parts.append(
                f'<rect x="{label_w}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"'
                f' fill="{colour}"><title>{escape(bar.label)}: {escape(bar.text)}</title></rect>'
            )
        parts.append(
            f'<text x="{label_w - 8}" y="{y + h / 2 + 4:.1f}" text-anchor="end" font-size="12"'
            f' {FONT} fill="{INK}">{escape(_clip(bar.label, 34))}</text>'
            f'<text x="{end + 6:.1f}" y="{y + h / 2 + 4:.1f}" font-size="13" font-weight="600"'
            f' {FONT} fill="{INK}">{escape(bar.text)}</text>'
        )
    if chart.target is not None:
        x = label_w + plot_w * chart.target / top
        parts.append(
            f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{base}" stroke="{ALERT}"'
            f' stroke-width="2" stroke-dasharray="6 4"><title>{escape(chart.target_label)}'
            "</title></line>"
        )
    parts.append("</svg>")
    return _markup(parts)


def _target(chart: Chart, x1: float, x2: float, y: float) -> str:
    if chart.target is None:
        return ""
    return (
        f'<line x1="{x1}" y1="{y:.1f}" x2="{x2}" y2="{y:.1f}" stroke="{ALERT}" stroke-width="2"'
        f' stroke-dasharray="6 4"><title>{escape(chart.target_label)}</title></line>'
    )


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "\u2026"


def _markup(parts: list[str]) -> Markup:
    # Every text that came from data went through escape() above; numbers are formatted here.
    return Markup("".join(parts))  # noqa: S704
