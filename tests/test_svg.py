"""The hand-made SVG histogram: right counts, well-formed, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from audit.svg import bin_edges, histogram, histogram_counts

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
    from audit.stats import funnel_limits
    from audit.svg import funnel

    svg = funnel([("E06000001", 40, 50), ("<b>x</b>", 10, 100)], 0.5, lambda n: funnel_limits(0.5, n), "Naloxone & more")
    root = ET.fromstring(svg)
    circles = [c for c in root.iter(f"{NS}circle") if c.get("class") == "area"]
    assert len(circles) == 2
    assert float(circles[0].get("cy")) < float(circles[1].get("cy"))  # 80% plots above 10%
    assert len([p for p in root.iter(f"{NS}polyline")]) == 4
    assert "<b>x</b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg and "Naloxone &amp; more" in svg
