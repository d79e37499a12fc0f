"""compare: independent counts, intervals, funnel placement, suppression, safe CSV."""

from __future__ import annotations

import csv
import io
import json
import random
import re

import pytest
from builders import SUBMISSION, client, write_return
from typer.testing import CliRunner

from audit.cli import app
from audit.reporting.compare import compare_areas, csv_text, safe_cell
from audit.reporting.stats import wilson

runner = CliRunner()


def make_areas(root, sizes, seed=3, naloxone_rates=None):
    rng = random.Random(seed)
    truth = {}
    for k, size in enumerate(sizes):
        code = f"E0699{k:04d}"
        folder = root / f"area{k}"
        folder.mkdir(parents=True)
        rate = (naloxone_rates or [0.8] * len(sizes))[k]
        clients = [client(i, LA=code, NALOXONE="Y" if rng.random() < rate else "N",
                          DOSE_MG=rng.choice([40, 55, 60, 80, 100, 120, 130]), ECG_DATE=None) for i in range(1, size + 1)]
        write_return(folder / "r.xlsx", clients, submission=dict(SUBMISSION, LA_CODE=code, LA_NAME=f"Area {k}"))
        truth[code] = {
            "naloxone-supplied": (sum(c["NALOXONE"] == "Y" for c in clients), len(clients)),
            "methadone-optimal": (sum(60 <= c["DOSE_MG"] <= 120 for c in clients), len(clients)),
        }
    return truth


def test_numerators_denominators_and_intervals(tmp_path):
    truth = make_areas(tmp_path, [30, 55, 12])
    comparison = compare_areas(tmp_path, workers=1)
    for area in comparison.areas:
        for ind in area.indicators:
            if ind.id in truth[area.code]:
                assert (ind.numerator, ind.denominator) == truth[area.code][ind.id]
                lo, hi = wilson(ind.numerator, ind.denominator)
                assert round(ind.ci_low, 3) == round(lo, 3) and round(ind.ci_high, 3) == round(hi, 3)
    pooled = comparison.pooled["naloxone-supplied"]
    assert pooled["numerator"] == sum(t["naloxone-supplied"][0] for t in truth.values())


def test_areas_far_from_a_limit_are_placed_right(tmp_path):
    make_areas(tmp_path, [200, 200, 200, 200], naloxone_rates=[0.99, 0.75, 0.72, 0.3])
    comparison = compare_areas(tmp_path, workers=2)
    positions = {a.code: next(i.position for i in a.indicators if i.id == "naloxone-supplied") for a in comparison.areas}
    assert positions["E06990000"] == "above-99.8"
    assert positions["E06990003"] == "below-99.8"


def test_areas_shared_between_this_process_and_workers_give_what_one_process_gives(tmp_path):
    make_areas(tmp_path, [15, 25, 10, 30, 12, 8])
    ticks = []
    alone = compare_areas(tmp_path, workers=1)
    shared = compare_areas(tmp_path, workers=3, on_area=ticks.append)
    assert [a.to_dict() for a in shared.areas] == [a.to_dict() for a in alone.areas]
    assert sorted(ticks) == sorted(p.name for p in tmp_path.iterdir())  # every area once


def test_failed_validation_area_still_shown(tmp_path):
    make_areas(tmp_path, [20, 20])
    bad = tmp_path / "area1" / "r.xlsx"
    write_return(bad, [client(1, SEX="Male", NALOXONE="maybe"), client(2)], submission=dict(SUBMISSION, LA_CODE="E06990001"))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "r.xlsx").write_text("not a workbook")
    comparison = compare_areas(tmp_path, workers=1)
    by_folder = {a.folder.rsplit("/", 1)[-1]: a for a in comparison.areas}
    assert by_folder["area1"].status == "validation-errors"
    naloxone = next(i for i in by_folder["area1"].indicators if i.id == "naloxone-supplied")
    assert naloxone.denominator == 1  # the client with an invalid NALOXONE is left out, not guessed
    assert by_folder["broken"].status == "unreadable" and by_folder["broken"].indicators == []
    assert any("not read" in n for n in by_folder["broken"].notes)


def _published_counts(data):
    for area in data["areas"]:
        yield from area["indicators"]


def test_public_output_has_no_small_counts(tmp_path):
    make_areas(tmp_path, [3, 7, 40, 9], naloxone_rates=[1.0, 0.5, 0.95, 0.7])
    out = tmp_path / "out"
    result = runner.invoke(app, ["compare", str(tmp_path), "--output", str(out / "c.html"), "--csv", str(out / "c.csv"),
                                 "--public", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    published = 0
    for ind in _published_counts(data):
        if ind["numerator"] == "*":
            assert ind["denominator"] == ind["value"] == ind["ci_low"] == ind["ci_high"] == "*"
            continue
        n, d = ind["numerator"], ind["denominator"]
        published += 1
        assert not (1 <= n <= 4) and not (1 <= d <= 4) and not (1 <= d - n <= 4)
    assert published > 0
    assert all(a["clients"] == "*" or not (1 <= a["clients"] <= 4) for a in data["areas"])
    rows = list(csv.DictReader((out / "c.csv").open()))
    for row in rows:
        for key in ("numerator", "denominator"):
            assert row[key] == "*" or not (1 <= int(row[key]) <= 4)
    html = (out / "c.html").read_text()
    for n, d in re.findall(r"(\d+)/(\d+)", html):
        assert not (1 <= int(n) <= 4) and not (1 <= int(d) <= 4)
    assert not (out / "c-areas").exists()  # no client-level area reports in public mode
    assert "TS0000" not in html


def test_non_public_links_area_reports(tmp_path):
    make_areas(tmp_path / "areas", [10, 12])
    out = tmp_path / "out" / "c.html"
    assert runner.invoke(app, ["compare", str(tmp_path / "areas"), "--output", str(out)]).exit_code == 0
    html = out.read_text()
    assert 'href="c-areas/area0.html"' in html and (out.parent / "c-areas" / "area0.html").exists()


@pytest.mark.parametrize("value,expected", [("=1+1", "'=1+1"), ("+44", "'+44"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"),
                                            ("Area 1", "Area 1"), (5, 5)])
def test_csv_cells_are_neutralised(value, expected):
    assert safe_cell(value) == expected


def test_csv_neutralises_hostile_area_names(tmp_path):
    make_areas(tmp_path, [10])
    write_return(tmp_path / "area0" / "r.xlsx", [client(1, LA="E06990000")],
                 submission=dict(SUBMISSION, LA_CODE="E06990000", LA_NAME="=HYPERLINK(\"http://evil\")"))
    text = csv_text(compare_areas(tmp_path, workers=1))
    names = {row["area_name"] for row in csv.DictReader(io.StringIO(text))}
    assert names == {"'=HYPERLINK(\"http://evil\")"}


def test_json_goes_to_stdout_and_no_page_unless_output_given(tmp_path, monkeypatch):
    """--format json: the JSON on stdout, no HTML written unless --output names it; the JSON is the library's result."""
    from audit.findings import worst_first
    from audit.reporting.compare import compare_to_files

    make_areas(tmp_path / "areas", [10, 12])
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["compare", "areas", "--format", "json"])
    assert result.exit_code == 0 and result.stderr == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas"]
    data = json.loads(result.stdout)
    library = compare_to_files("areas")
    assert {k: data[k] for k in ("guideline", "public", "pooled", "areas")} == json.loads(json.dumps(library.to_dict()))
    assert data["findings"] == [f.to_dict() for f in worst_first(library.findings)]
    named = runner.invoke(app, ["compare", "areas", "--format", "json", "-o", "c.html"])
    assert named.exit_code == 0 and json.loads(named.stdout)["areas"][0]["report"] == "c-areas/area0.html"
    assert named.stderr == "compared 2 areas (2 ok): wrote c.html (area pages in c-areas/)\n"
    assert (tmp_path / "c.html").exists() and (tmp_path / "c-areas" / "area0.html").exists()
    text = runner.invoke(app, ["compare", "areas"])
    assert text.exit_code == 0 and (tmp_path / "compare.html").exists()


def test_an_unreadable_area_says_why_in_the_csv(tmp_path):
    """The CSV's reason is all a spreadsheet user sees: it names the refused file and why, not only that nothing was computed."""
    make_areas(tmp_path / "areas", [20])
    (tmp_path / "areas" / "nhs").mkdir()
    write_return(tmp_path / "areas" / "nhs" / "q4.xlsx", [client(1, CLIENTID="4010232137"), client(2)],
                 submission=dict(SUBMISSION, LA_CODE="E06990009"))
    out = tmp_path / "c.csv"
    assert runner.invoke(app, ["compare", str(tmp_path / "areas"), "-o", str(tmp_path / "c.html"), "--csv", str(out)]).exit_code == 0
    rows = [r for r in csv.DictReader(out.open(encoding="utf-8")) if r["area_name"] == "nhs"]
    assert [r["status"] for r in rows] == ["unreadable"]
    assert "q4.xlsx" in rows[0]["reason"] and "NHS numbers" in rows[0]["reason"], rows[0]["reason"]
