"""Where an area sits on an indicator's funnel plot, and what the page says about it.

Below a minimum denominator the control limits are so wide, and a single
client moves the value so far, that "above the 99.8% limit" would mislead
(1 of 1 is 100%). Such areas are "too-few": not placed, yet still counted in
the pooled value, as England's public health profiles (Fingertips) leave
small counts unplaced rather than flag them.
"""

from __future__ import annotations

from audit.reporting.stats import funnel_position

MIN_DENOMINATOR = 10

POSITIONS = {
    "above-99.8": {"symbol": "\u25b2\u25b2", "words": "above the 99.8% limit", "css": {"high": "pos-good2", "low": "pos-bad2"}},
    "above-95": {"symbol": "\u25b2", "words": "above the 95% limit", "css": {"high": "pos-good1", "low": "pos-bad1"}},
    "within": {"symbol": "\u25cf", "words": "within the limits", "css": {"high": "pos-within", "low": "pos-within"}},
    "below-95": {"symbol": "\u25bc", "words": "below the 95% limit", "css": {"high": "pos-bad1", "low": "pos-good1"}},
    "below-99.8": {"symbol": "\u25bc\u25bc", "words": "below the 99.8% limit", "css": {"high": "pos-bad2", "low": "pos-good2"}},
    "too-few": {"symbol": "\u25cb", "words": f"too few to place (under {MIN_DENOMINATOR} clients)",
                "css": {"high": "pos-none", "low": "pos-none"}},
}


def place(numerator: int, denominator: int, target: float | None) -> str | None:
    """The area's position: one of POSITIONS, or None when there is no pooled value to compare with."""
    if target is None or denominator <= 0:
        return None
    if denominator < MIN_DENOMINATOR:
        return "too-few"
    return funnel_position(numerator, denominator, target)


def pooled_basis(public: bool) -> str:
    """Which pooled value a page compares with, said on the page: the two pages can place an area differently."""
    if public:
        return ("The pooled value on this public page adds up only the published cells: cells suppressed for "
                "small numbers are left out of it, so an area can sit differently here than on the internal page, "
                "which pools every area.")
    return ("The pooled value on this page adds up every area with a denominator, including areas too few to place. "
            "The public page (--public) pools only its published cells, so it can place an area differently.")


def funnel_charts(comparison) -> dict[str, dict[str, str]]:
    """Per indicator, the funnel plot drawn wide and narrow; points named by area, too-few ones hollow."""
    from audit.reporting.redact import safe_text
    from audit.reporting.stats import funnel_limits
    from audit.reporting.svg import SIZES, funnel

    out = {}
    for ind_id, pool in comparison.pooled.items():
        if not pool["denominator"]:
            continue
        points, unplaced = [], []
        for area in comparison.areas:
            for ind in area.indicators:
                if ind.id == ind_id and not ind.suppressed and ind.denominator:
                    name = safe_text(area.name)  # the SVG is inlined as markup, past the page's own masking
                    points.append((name, ind.numerator, ind.denominator))
                    if ind.position == "too-few":
                        unplaced.append(name)
        target = pool["value"]
        out[ind_id] = {size: funnel(points, target, lambda n, t=target: funnel_limits(t, n), pool["label"], size, unplaced)
                       for size in SIZES}
    return out
