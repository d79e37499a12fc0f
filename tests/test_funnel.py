"""Funnel positions: too few to place below the minimum denominator, null when suppressed, the pooled basis said."""

from __future__ import annotations

import json

from builders import SUBMISSION, client, write_return
from typer.testing import CliRunner

from audit.cli import app
from audit.reporting.compare import compare_areas
from audit.reporting.funnel import MIN_DENOMINATOR, place

runner = CliRunner()


def _area(root, k, clients):
    folder = root / f"area{k}"
    folder.mkdir(parents=True)
    code = f"E0699{k:04d}"
    rows = [dict(c, LA=code) for c in clients]
    write_return(folder / "r.xlsx", rows, submission=dict(SUBMISSION, LA_CODE=code, LA_NAME=f"Area {k}"))


def test_place_below_the_minimum_is_too_few():
    assert place(1, 1, 0.5) == "too-few" and place(0, 4, 0.9) == "too-few"
    assert place(0, MIN_DENOMINATOR - 1, 0.99) == "too-few"
    assert place(0, 400, 0.9) == "below-99.8" and place(360, 400, 0.9) == "within"
    assert place(3, 0, 0.5) is None and place(3, 20, None) is None


def test_one_of_one_is_too_few_yet_counts_in_the_pooled_value(tmp_path):
    areas = tmp_path / "areas"
    _area(areas, 0, [client(1, NALOXONE="Y")])
    _area(areas, 1, [client(i, NALOXONE="N" if i <= 4 else "Y") for i in range(1, 5)])
    _area(areas, 2, [client(i, NALOXONE="Y" if i <= 20 else "N") for i in range(1, 41)])
    comparison = compare_areas(areas, workers=1)
    naloxone = {a.name: next(i for i in a.indicators if i.id == "naloxone-supplied") for a in comparison.areas}
    assert naloxone["Area 0"].position == "too-few" and naloxone["Area 1"].position == "too-few"
    assert naloxone["Area 2"].position in {"within", "above-95", "below-95", "above-99.8", "below-99.8"}
    pooled = comparison.pooled["naloxone-supplied"]
    assert (pooled["numerator"], pooled["denominator"]) == (1 + 0 + 20, 1 + 4 + 40)
    assert pooled["min_denominator"] == MIN_DENOMINATOR


def test_json_states_the_minimum_and_suppressed_cells_have_no_position(tmp_path):
    areas = tmp_path / "areas"
    _area(areas, 0, [client(i, NALOXONE="N" if i <= 2 else "Y") for i in range(1, 31)])  # 28/30: complement 2, suppressed
    _area(areas, 1, [client(i, NALOXONE="Y" if i <= 25 else "N") for i in range(1, 51)])
    out = tmp_path / "out" / "c.html"
    result = runner.invoke(app, ["compare", str(areas), "--output", str(out), "--public", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {p["min_denominator"] for p in data["pooled"]} == {MIN_DENOMINATOR}
    cells = {a["name"]: next(i for i in a["indicators"] if i["id"] == "naloxone-supplied") for a in data["areas"]}
    assert cells["Area 0"]["numerator"] == "*" and cells["Area 0"]["position"] is None
    assert cells["Area 1"]["position"] is not None
    html = out.read_text(encoding="utf-8")
    assert f"fewer than {MIN_DENOMINATOR} clients" in html
    assert "adds up only the published cells" in html


def test_internal_page_says_it_pools_every_area(tmp_path):
    areas = tmp_path / "areas"
    _area(areas, 0, [client(i) for i in range(1, 13)])
    out = tmp_path / "c.html"
    assert runner.invoke(app, ["compare", str(areas), "--output", str(out)]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "pools every area" not in html and "adds up every area with a denominator" in html
    report = (tmp_path / "c-areas" / "area0.html").read_text(encoding="utf-8")
    assert 'href="../c.html"' in report  # the area report links back to the compare page


def test_area_names_on_the_funnel_are_masked_and_visible(tmp_path):
    areas = tmp_path / "areas"
    for k, name in enumerate(("Ref 943 476 5919", "Back\u202ewards")):
        folder = areas / f"area{k}"
        folder.mkdir(parents=True)
        write_return(folder / "r.xlsx", [client(i) for i in range(1, 21)], submission=dict(SUBMISSION, LA_NAME=name))
    out = tmp_path / "c.html"
    assert runner.invoke(app, ["compare", str(areas), "--output", str(out)]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "943 476 5919" not in html and "\u202e" not in html
    svg = html[html.index("<svg"):]
    assert "Ref 94******19" in svg and "Back&lt;U+202E&gt;wards" in svg

