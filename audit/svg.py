"""Small hand-made SVG charts: fast enough to draw for every area of a national comparison.

Every piece of text is escaped, so the SVG is safe to inline in a page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 520, 230
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 28, 42


def bin_edges(values: Sequence[float], band: Sequence[float] | None = None, maximum: float | None = None) -> list[float]:
    """Even bins from 0 past the largest of the data, the band and the maximum."""
    top = max([*values, (band[1] if band else 0) * 1.1, (maximum or 0) * 1.05, 1.0])
    width = 10 if top > 60 else 2 if top > 12 else 1
    return [i * width for i in range(int(math.ceil(top / width)) + 2)]


def histogram_counts(values: Sequence[float], edges: Sequence[float]) -> list[int]:
    """Counts per [edge_i, edge_i+1) bin; the last bin is closed."""
    counts = [0] * (len(edges) - 1)
    step = edges[1] - edges[0]
    for v in values:
        i = min(int((v - edges[0]) // step), len(counts) - 1)
        if i >= 0:
            counts[i] += 1
    return counts


def histogram(values: Sequence[float], xlabel: str, band: Sequence[float] | None = None,
              maximum: float | None = None) -> str:
    """A histogram with the optimal band shaded and the maximum dashed."""
    edges = bin_edges(values, band, maximum)
    counts = histogram_counts(values, edges)
    x0, x1 = edges[0], edges[-1]
    ymax = max(counts + [1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(v: float) -> float:
        return LEFT + (v - x0) / (x1 - x0) * plot_w

    def y(c: float) -> float:
        return TOP + plot_h - c / ymax * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(xlabel)} histogram" font-family="system-ui, sans-serif" font-size="11">']
    legend = []
    if band:
        parts.append(f'<rect class="band" x="{x(band[0]):.1f}" y="{TOP}" width="{x(band[1]) - x(band[0]):.1f}" height="{plot_h}" fill="#cfe8d5"/>')
        legend.append(("#cfe8d5", f"optimal {band[0]:g}-{band[1]:g} mg"))
    for i, count in enumerate(counts):
        if count:
            parts.append(f'<rect class="bar" data-count="{count}" x="{x(edges[i]) + 0.5:.1f}" y="{y(count):.1f}" '
                         f'width="{max(x(edges[i + 1]) - x(edges[i]) - 1, 0.5):.1f}" height="{y(0) - y(count):.1f}" fill="#2b5d8a">'
                         f'<title>{edges[i]:g}-{edges[i + 1]:g} mg: {count}</title></rect>')
    if maximum:
        parts.append(f'<line x1="{x(maximum):.1f}" y1="{TOP}" x2="{x(maximum):.1f}" y2="{TOP + plot_h}" stroke="#b03a2e" stroke-dasharray="4 3"/>')
        legend.append(("#b03a2e", f"maximum {maximum:g} mg"))
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>')
    step = max(1, len(edges) // 10)
    for edge in edges[::step]:
        parts.append(f'<text x="{x(edge):.1f}" y="{TOP + plot_h + 14}" text-anchor="middle">{edge:g}</text>')
    for tick in sorted({0, ymax // 2, ymax}):
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(xlabel)}</text>')
    parts.append(f'<text x="12" y="{TOP + plot_h / 2:.1f}" transform="rotate(-90 12 {TOP + plot_h / 2:.1f})" text-anchor="middle">clients</text>')
    for i, (colour, label) in enumerate(legend):
        lx = LEFT + plot_w - 150
        parts.append(f'<rect x="{lx}" y="{6 + i * 14}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{lx + 14}" y="{15 + i * 14}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def funnel(points: Sequence[tuple[str, int, int]], target: float, limits, title: str) -> str:
    """A funnel plot: each area's proportion against its denominator, with control limits around the target.

    `limits(n)` gives low95/high95/low998/high998 for a denominator n. Labels are escaped.
    """
    width, height = 560, 340
    left, right, top, bottom = 50, 16, 30, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    largest = max([d for _, _, d in points] + [10])
    xmax = largest * 1.08

    def x(n: float) -> float:
        return left + n / xmax * plot_w

    def y(p: float) -> float:
        return top + (1 - p) * plot_h

    ns = sorted({max(1, round(xmax * k / 120)) for k in range(1, 121)})
    bounds = [(n, limits(n)) for n in ns]

    def line(attr: str, colour: str, dash: str = "") -> str:
        pts = " ".join(f"{x(n):.1f},{y(getattr(b, attr)):.1f}" for n, b in bounds)
        return f'<polyline class="limit-{attr}" points="{pts}" fill="none" stroke="{colour}" stroke-width="1.2"{dash}/>'

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'font-family="system-ui, sans-serif" font-size="11">',
             f'<text x="{left}" y="16" font-weight="600">{escape(title)}</text>',
             line("high95", "#e39b2d"), line("low95", "#e39b2d"),
             line("high998", "#b03a2e", ' stroke-dasharray="5 3"'), line("low998", "#b03a2e", ' stroke-dasharray="5 3"'),
             f'<line class="target" x1="{left}" y1="{y(target):.1f}" x2="{left + plot_w}" y2="{y(target):.1f}" stroke="#555"/>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>']
    for p in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<text x="{left - 6}" y="{y(p) + 4:.1f}" text-anchor="end">{int(p * 100)}%</text>')
    for k in range(0, 6):
        n = round(xmax * k / 5)
        parts.append(f'<text x="{x(n):.1f}" y="{top + plot_h + 14}" text-anchor="middle">{n}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle">denominator (clients)</text>')
    for label, n, d in points:
        if d:
            cx, cy = x(d), y(n / d)
            parts.append(f'<circle class="area" cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="#2b5d8a"><title>{escape(label)}: {n}/{d}</title></circle>'
                         f'<text x="{cx + 5:.1f}" y="{cy - 4:.1f}" font-size="9">{escape(label)}</text>')
    legend = [("#e39b2d", "95% limits"), ("#b03a2e", "99.8% limits"), ("#555", f"pooled {100 * target:.1f}%")]
    for i, (colour, text) in enumerate(legend):
        lx, ly = left + plot_w - 120, top + plot_h - 46 + i * 14
        parts.append(f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 16}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"/>'
                     f'<text x="{lx + 20}" y="{ly}">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def small_multiple(points: Sequence[tuple[str, float | None, float | None, float | None]], title: str) -> str:
    """One indicator by quarter: each point (label, value, ci_low, ci_high) with its interval as a bar, 0-100%.

    A quarter with no denominator has no point and says so in its tooltip.
    """
    width, height = 300, 170
    left, right, top, bottom = 40, 12, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points), 1)

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    def y(p: float) -> float:
        return top + (1 - p) * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'font-family="system-ui, sans-serif" font-size="10">']
    for p in (0, 0.5, 1):
        parts.append(f'<line x1="{left}" y1="{y(p):.1f}" x2="{left + plot_w}" y2="{y(p):.1f}" stroke="#d8dee4"/>'
                     f'<text x="{left - 5}" y="{y(p) + 3:.1f}" text-anchor="end">{int(p * 100)}%</text>')
    line = [(x(i), y(v)) for i, (_, v, _, _) in enumerate(points) if v is not None]
    if len(line) > 1:
        parts.append('<polyline class="trend" points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in line)
                     + '" fill="none" stroke="#8aa9c4" stroke-width="1.2"/>')
    for i, (label, value, low, high) in enumerate(points):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 14}" text-anchor="middle">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text class="none" x="{x(i):.1f}" y="{y(0.5):.1f}" text-anchor="middle" fill="#777">-'
                         f'<title>{escape(label)}: no clients to judge</title></text>')
            continue
        tip = f"{escape(label)}: {100 * value:.1f}%"
        if low is not None and high is not None:
            parts.append(f'<line class="ci" x1="{x(i):.1f}" y1="{y(high):.1f}" x2="{x(i):.1f}" y2="{y(low):.1f}" '
                         f'stroke="#2b5d8a" stroke-width="2"/>')
            tip += f" (95% CI {100 * low:.1f}% to {100 * high:.1f}%)"
        parts.append(f'<circle class="point" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="#2b5d8a">'
                     f'<title>{tip}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)
