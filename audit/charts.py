"""Funnel plots for the area comparison, drawn with matplotlib as inline SVG.

Text is drawn as paths (`svg.fonttype: path`), so the SVG needs no font and
carries no text from the inputs: labels are medication codes and numbers,
and area names are written by the HTML template, escaped, not into the SVG.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

RC = {"svg.fonttype": "path", "svg.hashsalt": "ost-audit", "font.size": 9, "axes.spines.top": False,
      "axes.spines.right": False, "svg.image_inline": True}
BAND = "#cfe8d5"
BAR = "#2b5d8a"


def _svg(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return svg.strip()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return matplotlib, plt


def funnel_plot(points: Sequence[tuple[str, int, int]], target: float, limits, title: str) -> str:
    """Areas as (label, numerator, denominator) against 95% and 99.8% limits around the target.

    `limits(n)` returns an object with low95/high95/low998/high998 for a denominator n.
    Labels are short area codes, not free text from the inputs.
    """
    matplotlib, plt = _pyplot()
    with matplotlib.rc_context(RC):
        fig, ax = plt.subplots(figsize=(5.6, 3.4))
        largest = max([d for _, _, d in points] + [10])
        xs = sorted({max(1, int(largest * k / 200)) for k in range(1, 221)})
        bounds = [limits(x) for x in xs]
        ax.plot(xs, [b.high95 for b in bounds], color="#e39b2d", linewidth=1, label="95% limits")
        ax.plot(xs, [b.low95 for b in bounds], color="#e39b2d", linewidth=1)
        ax.plot(xs, [b.high998 for b in bounds], color="#b03a2e", linewidth=1, linestyle="--", label="99.8% limits")
        ax.plot(xs, [b.low998 for b in bounds], color="#b03a2e", linewidth=1, linestyle="--")
        ax.axhline(target, color="#555555", linewidth=1, label=f"pooled {100 * target:.1f}%")
        for label, n, d in points:
            if d:
                ax.scatter([d], [n / d], color=BAR, zorder=3, s=18)
                ax.annotate(label, (d, n / d), textcoords="offset points", xytext=(4, 3), fontsize=7)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("denominator (clients)")
        ax.set_ylabel("proportion")
        ax.set_title(title, fontsize=9)
        ax.legend(frameon=False, fontsize=7, loc="lower right")
        return _svg(fig)
