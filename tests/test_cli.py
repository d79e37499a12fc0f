"""The CLI is a thin layer: its JSON equals the library's result, exit codes follow cli.md."""

from __future__ import annotations

import hashlib
import json

from builders import client, write_return
from typer.testing import CliRunner

from audit import __version__
from audit.cli import app
from audit.findings import worst_first
from audit.returns.validate import validate_return

runner = CliRunner()


def test_validate_json_equals_library(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG="60mg"), client(2, PHASE="Maintenance")])
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    library = validate_return(path)
    assert data["findings"] == [f.to_dict() for f in worst_first(library.findings)]
    assert data["inputs"] == [{"path": str(path), "sha256": library.sha256}]
    assert library.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert data["tool"] == "ost-audit" and data["version"] == __version__ and data["command"] == "validate"
    assert data["summary"] == {"error": 1, "warning": 0, "info": 1}
    first = data["findings"][0]
    assert first["rule"] == "RET-NUMBER-WITH-UNIT"
    assert first["location"] == {"file": str(path), "sheet": "OST", "cell": "J2", "row": 2, "column": "DOSE_MG",
                                 "page": None, "clause": None, "paragraph": None, "table": None, "line": None}
    assert first["value"] == "60mg" and first["client"] == "TS000001" and first["citation"] is None


def test_exit_codes_follow_fail_on(tmp_path):
    clean = write_return(tmp_path / "clean.xlsx", [client(1)])
    warn = write_return(tmp_path / "warn.xlsx", [client(1, LA="E08000012")])
    assert runner.invoke(app, ["validate", str(clean)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(warn)]).exit_code == 0
    assert runner.invoke(app, ["validate", str(warn), "--fail-on", "warning"]).exit_code == 1
    bad = write_return(tmp_path / "bad.xlsx", [client(1, AGE=5)])
    assert runner.invoke(app, ["validate", str(bad), "--fail-on", "never"]).exit_code == 0


def test_missing_file_is_exit_2_with_one_sentence(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.xlsx")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_arguments_exit_2():
    assert runner.invoke(app, ["validate", "x.xlsx", "--fail-on", "sometimes"]).exit_code == 2


def test_text_output_names_cells_and_summary(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1), client(2, SEX="Male")])
    result = runner.invoke(app, ["validate", str(path)])
    assert "OST!B3" in result.stdout
    assert "1 return checked: 1 error, 0 warnings" in result.stdout


def test_output_file_and_refusal_to_overwrite_input(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1)])
    before = path.read_bytes()
    out = tmp_path / "out.json"
    assert runner.invoke(app, ["validate", str(path), "--format", "json", "--output", str(out)]).exit_code == 0
    assert json.loads(out.read_text())["summary"]["error"] == 0
    refused = runner.invoke(app, ["validate", str(path), "--output", str(path)])
    assert refused.exit_code == 2 and path.read_bytes() == before


def test_template_round_trips(tmp_path):
    """A template filled in with valid data validates clean."""
    from openpyxl import load_workbook

    out = tmp_path / "blank.xlsx"
    assert runner.invoke(app, ["template", str(out)]).exit_code == 0
    wb = load_workbook(out)
    assert {"Submission", "OST", "Notes"} <= set(wb.sheetnames)
    ost = wb["OST"]
    headers = [c.value for c in ost[1]]
    assert ost.freeze_panes == "A2"
    assert all(ost.cell(1, j + 1).comment is not None for j in range(len(headers)))
    dropdowns = {headers[ost[str(dv.sqref).split(":")[0]].column - 1]
                 for dv in ost.data_validations.dataValidation if dv.type == "list"}
    assert dropdowns == {"SEX", "DRUG1", "INJSTAT", "OST_MEDICATION", "PHASE", "SUPERVISED", "NALOXONE", "HEPCSTAT", "DISRSN"}
    from builders import SUBMISSION
    sub = wb["Submission"]
    for row in sub.iter_rows(min_row=2):
        row[1].value = SUBMISSION[row[0].value]
    for i in range(1, 4):
        values = client(i)
        for j, h in enumerate(headers, start=1):
            ost.cell(row=i + 1, column=j, value=values[h])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    result = validate_return(filled)
    assert [f for f in result.findings if f.severity.value != "info"] == []
    assert result.clients.height == 3


def test_sample_writes_synthetic_areas(tmp_path):
    assert runner.invoke(app, ["sample", str(tmp_path)]).exit_code == 0
    returns = sorted(tmp_path.glob("*/*.xlsx"))
    assert len({p.parent for p in returns}) == 5 and len(returns) == 8  # Eastbrook holds four quarters
    for path in returns:
        result = validate_return(path)
        assert result.synthetic
        assert 100 <= result.clients.height <= 500
        assert result.submission["LA_CODE"].startswith("E069999")


def test_same_fault_on_many_cells_is_one_block_listing_the_cells(tmp_path):
    """Twelve ages out of range: one block naming the rule, the count and the first cells; --all lists every one."""
    path = write_return(tmp_path / "r.xlsx", [client(i, AGE=5) for i in range(1, 13)])
    short = runner.invoke(app, ["validate", str(path)], env={"COLUMNS": "200"})  # a temporary path is long
    assert short.exit_code == 1 and not short.stdout.startswith("\n")
    assert short.stdout.splitlines()[0] == f"{path}: 12 errors, 0 warnings, 0 notes"
    assert "RET-OUT-OF-RANGE OST AGE, 12 cells: OST!C2, C3, C4, C5, C6 and 7 more" in short.stdout
    assert short.stdout.count("RET-OUT-OF-RANGE") == 1 and "OST!C13" not in short.stdout
    assert "--all lists every one" in short.stdout
    full = runner.invoke(app, ["validate", str(path), "--all"])
    assert all(f"OST!C{row}: AGE must be 18-100; 5 is not" in full.stdout for row in range(2, 14))
    assert "1 return checked: 12 errors, 0 warnings, 0 notes" in full.stdout


def test_every_file_written_is_said_once_unless_quiet(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1)])
    out, copy = tmp_path / "out.txt", tmp_path / "copy.xlsx"
    said = runner.invoke(app, ["validate", str(path), "--output", str(out), "--annotate", str(copy)])
    assert said.exit_code == 0 and said.stderr.splitlines() == [f"wrote the annotated copy to {copy}", f"wrote {out}"]
    assert "1 return checked: 0 errors, 0 warnings, 0 notes" in out.read_text()
    quiet = runner.invoke(app, ["rules", "--output", str(tmp_path / "rules.txt"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == "" and (tmp_path / "rules.txt").exists()


def test_version_and_flags_shown_as_flags_in_help():
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout == f"ost-audit {__version__}\n"
    for command in ("validate", "doses", "compare", "report", "rules"):
        shown = runner.invoke(app, [command, "--help"], env={"COLUMNS": "80"}).stdout
        assert "<bool>" not in shown and "-q, --quiet " in shown and not shown.startswith("\n")
        assert max(map(len, shown.splitlines())) <= 80


def test_wrong_kind_of_file_gets_one_sentence_of_advice(tmp_path):
    """.ods, .xls, .csv and a folder given as a return: exit 2, one line, what to do, nothing from the reader's insides."""
    folder = tmp_path / "area"
    folder.mkdir()
    advice = {"r.ods": "save it as an Excel workbook (.xlsx)", "r.xls": "save it as an Excel workbook (.xlsx)",
              "r.csv": "OST sheet of a blank return (`ost-audit template return.xlsx`)", "area": "is a folder; give the returns in it"}
    for name, words in advice.items():
        path = tmp_path / name
        if not path.exists():
            path.write_bytes(b"PK\x03\x04 not really" if name.endswith(".ods") else b"a,b\n1,2\n")
        for command in ("validate", "doses"):
            result = runner.invoke(app, [command, str(path)])
            assert result.exit_code == 2 and words in result.stderr, (name, result.stderr)
            assert len(result.stderr.strip().splitlines()) == 1 and "zip" not in result.stderr
    report = runner.invoke(app, ["report", str(tmp_path / "r.ods"), "--output", str(tmp_path / "r.html")])
    assert report.exit_code == 2 and "save it as an Excel workbook (.xlsx)" in report.stderr


def test_doses_json_equals_library(tmp_path):
    """`doses` over two returns: the CLI's JSON is doses_run's result, totals and order included."""
    from audit.prescribing.doses import doses_run

    one = write_return(tmp_path / "one.xlsx", [client(1, DOSE_MG=20), client(2, AGE=5)])
    two = write_return(tmp_path / "two.xlsx", [client(3, NALOXONE="N"), client(4)])
    result = runner.invoke(app, ["doses", str(one), str(two), "--format", "json", "--fail-on", "never"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    run = doses_run([one, two])
    assert data["inputs"] == run.inputs() and data["summary"] == run.counts() and sum(run.counts().values()) > 2
    assert {k: data[k] for k in ("guideline", "indicators", "not_judged")} == json.loads(json.dumps(run.to_dict()))
    every = sorted([*run.audits[0].all_findings, *run.audits[1].all_findings], key=lambda f: f.sort_key())
    assert [(f["rule"], f["location"]["file"], f["location"]["cell"]) for f in data["findings"]] == \
        [(f.rule, f.location.file, f.location.cell) for f in every]


def test_rules_read_in_80_columns_with_every_id_whole():
    import io

    from rich.console import Console

    from audit.prescribing.guidelines import load_guideline
    from audit.reporting.output import text_rules

    buffer = io.StringIO()
    rule_set = load_guideline("uk-2017")
    text_rules(Console(file=buffer, width=80, color_system=None, highlight=False), rule_set)
    lines = buffer.getvalue().splitlines()
    assert max(map(len, lines)) <= 80 and "\\n" not in buffer.getvalue()
    blocks = lines[lines.index("") + 1:]  # after the set's title
    assert [line for line in blocks if line and not line.startswith(" ")] == [r.id for r in rule_set.rules]
    assert all(line.rstrip() == line for line in lines)
