"""Small hand-made SVG charts: fast enough to draw for every area of a national comparison.

Every piece of text is escaped, so the SVG is safe to inline in a page.

An SVG scales its text with its width, so each chart is drawn twice: a wide
one for screens and print, a narrow one for phones (the page shows one). Both
are drawn with text at FONT user units and shown near their own width, so
axis and point labels are as large as body text. Legends sit outside the
plot area, so they cover no bar or point; point labels are placed where they
overlap no other label, point or edge, else numbered and named under the plot.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

FONT = 15
SIZES = {"wide": (640, 340), "narrow": (340, 320)}
CHAR_WIDTH = 0.58  # of FONT: a generous average for system sans-serif fonts


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * size * CHAR_WIDTH


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


def _open(width: float, height: float, label: str, size: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{size}" viewBox="0 0 {width:g} {height:g}" '
            f'style="max-width:{width:g}px" role="img" aria-label="{escape(label)}" font-family="system-ui, sans-serif" '
            f'font-size="{FONT}">')


def _legend(items: list[tuple[str, str, str]], left: float, top: float, right: float) -> tuple[list[str], float]:
    """Legend entries (colour, kind, text) flowed left to right above the plot; returns (parts, height used)."""
    parts, x, y = [], left, top + FONT
    for colour, kind, text in items:
        w = 22 + text_width(text) + 14
        if x > left and x + w > right:
            x, y = left, y + FONT + 6
        if kind == "box":
            parts.append(f'<rect x="{x:.1f}" y="{y - FONT + 3:.1f}" width="14" height="{FONT - 3}" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="5 3"' if kind == "dash" else ""
            parts.append(f'<line x1="{x:.1f}" y1="{y - 5:.1f}" x2="{x + 16:.1f}" y2="{y - 5:.1f}" stroke="{colour}" stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{x + 22:.1f}" y="{y:.1f}">{escape(text)}</text>')
        x += w
    return parts, y - top + 8


def _ticks(lo: float, hi: float, room: float, label_width: float) -> list[float]:
    """Round tick values that fit `room` pixels with labels `label_width` wide."""
    count = max(2, int(room // (label_width + FONT)))
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) // step) + 1)]


def histogram(values: Sequence[float], xlabel: str, band: Sequence[float] | None = None,
              maximum: float | None = None, size: str = "wide") -> str:
    """A histogram with the optimal band shaded and the maximum dashed; legend above the plot."""
    width, height = SIZES[size]
    edges = bin_edges(values, band, maximum)
    counts = histogram_counts(values, edges)
    x0, x1 = edges[0], edges[-1]
    ymax = max(counts + [1])
    legend_items = []
    if band:
        legend_items.append(("#cfe8d5", "box", f"optimal {band[0]:g}-{band[1]:g} mg"))
    if maximum:
        legend_items.append(("#b03a2e", "dash", f"maximum {maximum:g} mg"))
    left, right, bottom = 20 + text_width(str(ymax)) + 12, 16, 2 * FONT + 18
    legend, legend_h = _legend(legend_items, left, 4, width - right)
    top = 8 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * plot_w

    def y(c: float) -> float:
        return top + plot_h - c / ymax * plot_h

    parts = [_open(width, height, f"{xlabel} histogram", size), *legend]
    if band:
        parts.append(f'<rect class="band" x="{x(band[0]):.1f}" y="{top:.1f}" width="{x(band[1]) - x(band[0]):.1f}" '
                     f'height="{plot_h:.1f}" fill="#cfe8d5"/>')
    for i, count in enumerate(counts):
        if count:
            parts.append(f'<rect class="bar" data-count="{count}" x="{x(edges[i]) + 0.5:.1f}" y="{y(count):.1f}" '
                         f'width="{max(x(edges[i + 1]) - x(edges[i]) - 1, 0.5):.1f}" height="{y(0) - y(count):.1f}" fill="#2b5d8a">'
                         f'<title>{edges[i]:g}-{edges[i + 1]:g} mg: {count}</title></rect>')
    if maximum:
        parts.append(f'<line x1="{x(maximum):.1f}" y1="{top:.1f}" x2="{x(maximum):.1f}" y2="{top + plot_h:.1f}" '
                     f'stroke="#b03a2e" stroke-width="2" stroke-dasharray="5 3"/>')
    parts.append(f'<line x1="{left:.1f}" y1="{top + plot_h:.1f}" x2="{left + plot_w:.1f}" y2="{top + plot_h:.1f}" stroke="#333"/>')
    parts.append(f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{top + plot_h:.1f}" stroke="#333"/>')
    for tick in _ticks(x0, x1, plot_w, text_width(f"{x1:g}")):
        parts.append(f'<text class="tick" x="{x(tick):.1f}" y="{top + plot_h + FONT + 2:.1f}" text-anchor="middle">{tick:g}</text>')
    for tick in sorted({0, ymax // 2, ymax}):
        parts.append(f'<text class="tick" x="{left - 6:.1f}" y="{y(tick) + 5:.1f}" text-anchor="end">{tick}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(xlabel)}</text>')
    parts.append(f'<text x="{FONT}" y="{top + plot_h / 2:.1f}" transform="rotate(-90 {FONT} {top + plot_h / 2:.1f})" '
                 f'text-anchor="middle">clients</text>')
    parts.append("</svg>")
    return "".join(parts)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def point_boxes(points: Sequence[tuple[float, float]], radius: float = 5) -> list[Box]:
    return [(px - radius, py - radius, px + radius, py + radius) for px, py in points]


def place_labels(points: Sequence[tuple[str, float, float]], area: Box, taken: list[Box], radius: float = 5,
                 rings: int = 1) -> list[Box | None]:
    """A box for each (label, x, y) point's label inside `area`, overlapping nothing in `taken` (which it extends);
    None where none fits. With `rings` > 1, places further out are tried too (the caller draws a leader line)."""
    out: list[Box | None] = []
    h = FONT + 2
    for label, px, py in points:
        w = text_width(label)
        candidates = []
        for ring in range(rings):
            gap = radius + 3 + ring * h
            candidates += [(px + gap, py - h / 2), (px - gap - w, py - h / 2), (px - w / 2, py - gap - h), (px - w / 2, py + gap),
                           (px + gap, py - h - 2 - ring * h / 2), (px + gap, py + 2 + ring * h / 2),
                           (px - gap - w, py - h - 2 - ring * h / 2), (px - gap - w, py + 2 + ring * h / 2)]
        chosen = None
        for cx, cy in candidates:
            box = (cx, cy, cx + w, cy + h)
            if (box[0] >= area[0] and box[2] <= area[2] and box[1] >= area[1] and box[3] <= area[3]
                    and not any(_overlaps(box, t) for t in taken)):
                chosen = box
                break
        if chosen:
            taken.append(chosen)
        out.append(chosen)
    return out


# A white outline painted under the letters: a name laid over a limit line stays legible.
HALO = ' stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"'


def funnel(points: Sequence[tuple[str, int, int]], target: float, limits: Callable, title: str, size: str = "wide",
           unplaced: Sequence[str] = ()) -> str:
    """A funnel plot: each area's proportion against its denominator, with control limits around the target.

    `points` are (area name, numerator, denominator); `limits(n)` gives
    low95/high95/low998/high998 for a denominator n. Points in `unplaced`
    (too few to place) are drawn hollow. Each point is labelled by its name
    where that fits without overlap, else by a number keyed under the plot.
    """
    width, base_height = SIZES[size]
    legend_items = [("#e39b2d", "line", "95% limits"), ("#b03a2e", "dash", "99.8% limits"),
                    ("#555", "line", f"pooled {100 * target:.1f}%")]
    left, right, bottom = 20 + text_width("100%") + 8, 16, 2 * FONT + 18
    legend, legend_h = _legend(legend_items, left, 4, width - right)
    top = 10 + legend_h
    largest = max([d for _, _, d in points] + [10])
    xmax = largest * 1.08
    plot_w, plot_h = width - left - right, base_height - top - bottom

    def x(n: float) -> float:
        return left + n / xmax * plot_w

    def y(p: float) -> float:
        return top + (1 - p) * plot_h

    drawn = [(label, x(d), y(n / d), n, d) for label, n, d in points if d]
    inside = (left + 1, top, left + plot_w, top + plot_h)
    taken = point_boxes([(px, py) for _, px, py, _, _ in drawn])
    boxes = place_labels([(label, px, py) for label, px, py, _, _ in drawn], inside, taken)
    keyed = [(i, label) for i, ((label, *_), box) in enumerate(zip(drawn, boxes)) if box is None]
    number_boxes = dict(zip((i for i, _ in keyed), place_labels(
        [(str(k), drawn[i][1], drawn[i][2]) for k, (i, _) in enumerate(keyed, start=1)], inside, taken, rings=4)))
    key_lines = _key_lines([f"{k}. {label}" for k, (_, label) in enumerate(keyed, start=1)], width - 2 * FONT)
    height = base_height + len(key_lines) * (FONT + 6)

    ns = sorted({max(1, round(xmax * k / 120)) for k in range(1, 121)})
    bounds = [(n, limits(n)) for n in ns]

    def line(attr: str, colour: str, dash: str = "") -> str:
        pts = " ".join(f"{x(n):.1f},{y(getattr(b, attr)):.1f}" for n, b in bounds)
        return f'<polyline class="limit-{attr}" points="{pts}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'

    parts = [_open(width, height, title, size), *legend,
             line("high95", "#e39b2d"), line("low95", "#e39b2d"),
             line("high998", "#b03a2e", ' stroke-dasharray="5 3"'), line("low998", "#b03a2e", ' stroke-dasharray="5 3"'),
             f'<line class="target" x1="{left:.1f}" y1="{y(target):.1f}" x2="{left + plot_w:.1f}" y2="{y(target):.1f}" stroke="#555" stroke-width="2"/>',
             f'<line x1="{left:.1f}" y1="{top + plot_h:.1f}" x2="{left + plot_w:.1f}" y2="{top + plot_h:.1f}" stroke="#333"/>',
             f'<line x1="{left:.1f}" y1="{top:.1f}" x2="{left:.1f}" y2="{top + plot_h:.1f}" stroke="#333"/>']
    for p in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<text class="tick" x="{left - 6:.1f}" y="{y(p) + 5:.1f}" text-anchor="end">{int(p * 100)}%</text>')
    for n in _ticks(0, xmax, plot_w, text_width(f"{round(xmax)}")):
        parts.append(f'<text class="tick" x="{x(n):.1f}" y="{top + plot_h + FONT + 2:.1f}" text-anchor="middle">{n:g}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{base_height - 6}" text-anchor="middle">denominator (clients)</text>')
    numbers = {i: k for k, (i, _) in enumerate(keyed, start=1)}
    for i, ((label, px, py, n, d), box) in enumerate(zip(drawn, boxes)):
        fill = 'fill="#fff" stroke="#2b5d8a" stroke-width="2"' if label in unplaced else 'fill="#2b5d8a"'
        parts.append(f'<circle class="area" cx="{px:.1f}" cy="{py:.1f}" r="5" {fill}><title>{escape(label)}: {n}/{d}</title></circle>')
        if box is not None:
            parts.append(f'<text class="point-label" x="{box[0]:.1f}" y="{box[3] - 4:.1f}"{HALO}>{escape(label)}</text>')
        else:
            box = number_boxes[i] or (px + 7, py - FONT - 5, px + 7 + text_width(str(numbers[i])), py - 3)
            nx, ny = box[0], box[3] - 4
            bx, by = min(max(px, box[0]), box[2]), min(max(py, box[1]), box[3])  # the box's nearest point to the circle
            if math.hypot(bx - px, by - py) > 12:
                parts.append(f'<line class="leader" x1="{px:.1f}" y1="{py:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="#777"/>')
            parts.append(f'<text class="point-number" x="{nx:.1f}" y="{ny:.1f}" font-weight="600"{HALO}>{numbers[i]}</text>')
    for k, text in enumerate(key_lines):
        parts.append(f'<text class="key" x="{FONT}" y="{base_height + (k + 1) * (FONT + 6) - 2}">{escape(text)}</text>')
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


def _key_lines(entries: list[str], room: float) -> list[str]:
    """Numbered names for points whose label did not fit, flowed into lines `room` wide."""
    lines: list[str] = []
    for entry in entries:
        if lines and text_width(lines[-1] + " \u00b7 " + entry) <= room:
            lines[-1] += " \u00b7 " + entry
        else:
            lines.append(entry)
    return lines
