"""The hand-made SVG histogram: right counts, well-formed, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from audit.reporting.svg import bin_edges, histogram, histogram_counts

NS = "{http://www.w3.org/2000/svg}"


def test_counts_per_bin():
    edges = bin_edges([5, 59, 60, 61, 120, 121], band=(60, 120))
    assert edges[:3] == [0, 10, 20] and edges[-1] >= 130
    counts = histogram_counts([5, 59, 60, 61, 120, 121], edges)
    assert counts[0] == 1 and counts[5] == 1 and counts[6] == 2 and counts[12] == 2 and sum(counts) == 6


def test_bars_match_counts_and_svg_is_well_formed():
    values = [60, 65, 80, 80, 80, 150]
    root = ET.fromstring(histogram(values, "methadone dose (mg)", (60, 120)))
    bars = [int(r.get("data-count")) for r in root.iter(f"{NS}rect") if r.get("class") == "bar"]
    assert sorted(bars) == [1, 2, 3] and sum(bars) == len(values)  # [60,70): 2, [80,90): 3, [150,160): 1
    assert [r for r in root.iter(f"{NS}rect") if r.get("class") == "band"]


def test_labels_are_escaped():
    svg = histogram([1, 2], "<script>alert(1)</script>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)


def test_funnel_points_limits_and_escaping():
    from audit.reporting.stats import funnel_limits
    from audit.reporting.svg import funnel

    svg = funnel([("E06000001", 40, 50), ("<b>x</b>", 10, 100)], 0.5, lambda n: funnel_limits(0.5, n), "Naloxone & more")
    root = ET.fromstring(svg)
    circles = [c for c in root.iter(f"{NS}circle") if c.get("class") == "area"]
    assert len(circles) == 2
    assert float(circles[0].get("cy")) < float(circles[1].get("cy"))  # 80% plots above 10%
    assert len([p for p in root.iter(f"{NS}polyline")]) == 4
    assert "<b>x</b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg and "Naloxone &amp; more" in svg


def _shown_at_drawn_size(root):
    """Shown at most as wide as drawn, and a phone shows the narrow one at full size: text is FONT pixels there."""
    from audit.reporting.svg import FONT

    width = float(root.get("viewBox").split()[2])
    assert root.get("style") == f"max-width:{width:g}px" and float(root.get("font-size")) == FONT
    for text in root.iter(f"{NS}text"):
        assert text.get("font-size") is None or float(text.get("font-size")) >= FONT


def test_text_is_body_sized_and_the_narrow_chart_fits_a_phone():
    from audit.reporting.svg import SIZES

    for size in SIZES:
        root = ET.fromstring(histogram([60, 80, 80, 120], "methadone dose (mg)", (60, 120), 150, size))
        _shown_at_drawn_size(root)
    assert SIZES["narrow"][0] <= 390 - 2 * 10  # a 390 px phone less the page's padding: shown at full size


def test_histogram_legend_sits_above_the_bars():
    root = ET.fromstring(histogram([60, 80, 80, 120] * 10, "methadone dose (mg)", (60, 120), 150, "narrow"))
    band = next(r for r in root.iter(f"{NS}rect") if r.get("class") == "band")
    plot_top = float(band.get("y"))
    legend = [t for t in root.iter(f"{NS}text") if "mg" in (t.text or "") and "dose" not in t.text]
    assert legend and all(float(t.get("y")) < plot_top for t in legend)


def test_funnel_labels_by_name_never_overlap_or_leave_the_chart():
    import random

    from audit.reporting.stats import funnel_limits
    from audit.reporting.svg import FONT, SIZES, funnel, text_width

    rng = random.Random(5)
    points = [(f"Area number {k}", rng.randint(40, 60), rng.choice([80, 82, 85, 90])) for k in range(12)]
    for size in SIZES:
        svg = funnel(points, 0.6, lambda n: funnel_limits(0.6, n), "Crowded", size)
        root = ET.fromstring(svg)
        width, height = (float(v) for v in root.get("viewBox").split()[2:])
        circles = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{NS}circle")]
        boxes = []
        for t in root.iter(f"{NS}text"):
            if t.get("class") in ("point-label", "point-number"):
                x, y = float(t.get("x")), float(t.get("y"))
                boxes.append((x, y - FONT + 4, x + text_width(t.text), y + 4))
        for i, a in enumerate(boxes):
            assert 0 <= a[0] and a[2] <= width and 0 <= a[1] and a[3] <= height
            assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] for b in boxes[i + 1:])
            assert not any(a[0] < cx + 5 and cx - 5 < a[2] and a[1] < cy + 5 and cy - 5 < a[3] for cx, cy in circles)
        named = {t.text for t in root.iter(f"{NS}text") if t.get("class") == "point-label"}
        keyed = " ".join(t.text for t in root.iter(f"{NS}text") if t.get("class") == "key")
        for label, _, _ in points:  # every area is named: on the chart, or in the key under it
            assert label in named or f". {label}" in keyed


def test_funnel_point_labels_stay_legible_over_the_limit_lines():
    """A name laid over a control limit (common: areas sit near them) is drawn with a white halo, so the line never strikes it out."""
    from audit.reporting.stats import funnel_limits
    from audit.reporting.svg import funnel

    points = [("Near the limit", 58, 100), ("Far below", 20, 100), ("Crowd one", 50, 90), ("Crowd two", 51, 91)]
    root = ET.fromstring(funnel(points, 0.5, lambda n: funnel_limits(0.5, n), "Halo"))
    labels = [t for t in root.iter(f"{NS}text") if t.get("class") in ("point-label", "point-number")]
    assert labels and all(t.get("stroke") == "#fff" and t.get("paint-order") == "stroke" and float(t.get("stroke-width")) >= 3
                          for t in labels)
