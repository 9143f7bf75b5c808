"""Server-drawn charts for the PDF (WeasyPrint runs no JavaScript): plain inline SVG."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"
BAR = "#b3261e"
GRID = "#d8dde3"
INK = "#1f2328"
MUTED = "#5b6570"
LINE = "#174ea6"


def nice_ceiling(value: float, ticks: int = 4) -> tuple[float, float]:
    """(axis maximum, tick step): a 1/2/2.5/5 x 10^k step whose ``ticks`` steps cover ``value``."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step), step


def _amount(value: float) -> str:
    return f"{value:,.0f}"


def bar_chart_svg(categories: list[str], values: list[Decimal | None], *, unit: str = "",
                  line: list[Decimal | None] | None = None, line_label: str = "",
                  width: int = 640, height: int = 230) -> SafeString:
    """A bar chart: one bar per category with its value above it; a missing value draws no bar.

    ``line`` (optional, one value per category) is drawn as a dashed reference line, such as the
    poverty line of each year, broken where a value is missing.
    """
    left, right, top, bottom = 64, 12, 22, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    line = line or [None] * len(categories)
    numbers = [float(v) for v in (*values, *line) if v is not None]
    top_value, step = nice_ceiling(max(numbers, default=0.0))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">']
    if unit:
        parts.append(f'<text x="4" y="12" fill="{MUTED}">{escape(unit)}</text>')
    tick = 0.0
    while tick <= top_value + step / 2:
        y = top + plot_h - plot_h * tick / top_value
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_amount(tick)}</text>')
        tick += step
    slot = plot_w / max(len(categories), 1)
    bar_w = min(48.0, slot * 0.6)
    for i, (category, value) in enumerate(zip(categories, values, strict=True)):
        cx = left + slot * (i + 0.5)
        parts.append(f'<text x="{cx:.1f}" y="{height - 10}" text-anchor="middle" fill="{INK}">{escape(category)}</text>')
        if value is None:
            continue
        bar_h = plot_h * float(value) / top_value
        y = top + plot_h - bar_h
        parts.append(f'<rect class="bar" x="{cx - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                     f'height="{bar_h:.1f}" fill="{BAR}"/>')
        # The value sits inside the top of its bar (clear of a reference line), above a bar too short for it.
        inside = bar_h >= 18
        parts.append(f'<text x="{cx:.1f}" y="{y + 13 if inside else y - 4:.1f}" text-anchor="middle" '
                     f'fill="{"#fff" if inside else INK}">{escape(_amount(float(value)))}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{MUTED}"/>')
    points = [(left + slot * (i + 0.5), top + plot_h - plot_h * float(v) / top_value) if v is not None else None
              for i, v in enumerate(line)]
    for a, b in itertools.pairwise(points):
        if a and b:
            parts.append(f'<line class="ref-line" x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" '
                         f'stroke="{LINE}" stroke-width="1.5" stroke-dasharray="5 3"/>')
    for p in points:
        if p:
            parts.append(f'<circle class="ref-point" cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="2.5" fill="{LINE}"/>')
    if line_label and any(points):
        x = width - right - 150
        parts.append(f'<line x1="{x}" y1="9" x2="{x + 22}" y2="9" stroke="{LINE}" stroke-width="1.5" '
                     f'stroke-dasharray="5 3"/><text x="{x + 28}" y="13" fill="{INK}">{escape(line_label)}</text>')
    parts.append("</svg>")
    return SafeString("".join(parts))
