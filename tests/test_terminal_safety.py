"""No control, bidi or invisible character from an input reaches a terminal, a text file or an error line.

A hostile return (cells, sheet and file names, Submission text), a hostile
contract and a package with a hostile part name go through every command of
the real command line, in a subprocess; stdout, stderr and every file written
are searched for the characters `printable.HIDDEN` stands for.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from builders import SUBMISSION, client, write_return
from openpyxl import load_workbook

from audit.printable import HIDDEN, json_safe, markup, visible

# What an attacker types: clear the screen, print a green all-clear, overwrite the line, reverse the text.
CLEAR = "\x1b[2J\x1b[H"
FAKE_OK = "\x1b[32mOK: 0 errors\x1b[0m"
ATTACKS = {
    "XCLIENT": CLEAR + FAKE_OK,
    "XDOSE": "60\rmg\x00\x9b2J",
    "XSEX": "[bold red]M[/bold red]\u202e",
    "XLA": "North\x1b]0;pwned\x07\u2066Mere\u2069",
    "XPROV": "Prov\u200b\ufeffider\x08\x08\x08",
}
OUTPUT_SEPARATORS = {"\n"}  # our own line breaks; the attack strings' \n, \r are shown as text


def hidden_in(text: str, allowed: set[str] = OUTPUT_SEPARATORS) -> list[str]:
    return sorted({c for c in HIDDEN.findall(text) if c not in allowed})


def run(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    # wide text, one line per finding: these tests read what is shown, not how it wraps (test_text_width.py)
    return subprocess.run([sys.executable, "-m", "audit", *args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", errors="strict", timeout=timeout, env={**os.environ, "COLUMNS": "1000"})


def assert_clean(result: subprocess.CompletedProcess, *files: Path, csv_files: tuple[Path, ...] = ()) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert hidden_in(result.stdout) == [], result.stdout[:2000]
    assert hidden_in(result.stderr) == [], result.stderr
    for path in files:
        assert hidden_in(path.read_text(encoding="utf-8")) == [], path
    for path in csv_files:  # csv's own row ends are \r\n
        assert hidden_in(path.read_text(encoding="utf-8"), {"\n", "\r"}) == [], path


def _patch(src: Path, dst: Path, subs: dict[str, str]) -> Path:
    """Copy a package with placeholder text replaced in its XML (openpyxl refuses to write controls; calamine reads them)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            for placeholder, attack in subs.items():
                data = data.replace(placeholder.encode(), attack.encode("utf-8"))
            zout.writestr(info, data)
    return dst


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    area = root / "areas" / "north\x1b[2J\u202emere"
    area.mkdir(parents=True)
    (root / "areas" / "south").mkdir()
    plain = write_return(root / "plain.xlsx", [client(1, CLIENTID="XCLIENT", DOSE_MG="XDOSE"), client(2, SEX="XSEX"),
                                               client(3, PHASE="maintenance", DOSE_MG=20), client(4)],
                         submission={**SUBMISSION, "LA_NAME": "XLA", "PROVIDER_NAME": "XPROV"})
    ret = _patch(plain, area / f"return{CLEAR}\u202e.xlsx", ATTACKS)
    _patch(plain, root / "areas" / "south" / "return.xlsx", {**ATTACKS, "XCLIENT": "TS000001"})
    contract = area / "contract\x1b[31m\u202e.txt"
    contract.write_text("SYNTHETIC. 4.1 The provider shall be paid a bonus \x1b[2J for each successful completion "
                        "[bold]of treatment[/bold] \u2067 in the quarter.\r\x1b[1A\n", encoding="utf-8")
    part = root / "part.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("xl/\x1b[2J\u202eevil.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    sheets = write_return(root / "sheets.xlsx", [client(1)], ost_sheet="XSHEET")
    sheets = _patch(sheets, root / "sheets2.xlsx", {"XSHEET": "O\x1b[2JST\u202e"})
    return {"root": root, "areas": root / "areas", "area": area, "return": ret, "contract": contract, "part": part,
            "sheets": sheets}


def test_validate_text_json_and_files(hostile):
    root, ret = hostile["root"], hostile["return"]
    text = run("validate", str(ret), cwd=root)
    assert text.returncode == 1
    assert_clean(text)
    assert "\\x1b[2J" in text.stdout and "\\x1b[32mOK: 0 errors" in text.stdout  # shown, not applied, not dropped
    assert "<U+202E>" in text.stdout and "'60\\nmg\\x00\\x9b2J'" in text.stdout  # (XML turns the \r into \n)
    assert "[bold red]M[/bold red]" in text.stdout  # markup in a cell is shown as it is
    out = root / "v.txt"
    assert run("validate", str(ret), "-o", str(out), cwd=root).returncode == 1
    assert_clean(text, out)
    assert out.read_text(encoding="utf-8") == text.stdout
    as_json = run("validate", str(ret), "--format", "json", cwd=root)
    assert_clean(as_json)
    data = json.loads(as_json.stdout)  # the exact text survives in JSON, as escapes
    assert any(f["client"] == ATTACKS["XCLIENT"] for f in data["findings"])
    assert data["inputs"][0]["path"] == str(ret)
    annotated = root / "annotated.xlsx"
    result = run("validate", str(ret), "--annotate", str(annotated), cwd=root)
    assert_clean(result)


def test_doses_text_and_json(hostile):
    root, ret = hostile["root"], hostile["return"]
    text = run("doses", str(ret), "--fail-on", "never", cwd=root)
    assert text.returncode == 0
    assert_clean(text)
    assert "\\x1b]0;pwned\\x07<U+2066>Mere<U+2069>" in text.stdout  # LA_NAME in the heading
    as_json = run("doses", str(ret), "--format", "json", "--fail-on", "never", "-o", str(root / "d.json"), cwd=root)
    assert_clean(as_json, root / "d.json")
    json.loads((root / "d.json").read_text(encoding="utf-8"))


def test_contracts_text_and_json(hostile):
    root, contract = hostile["root"], hostile["contract"]
    text = run("contracts", str(contract), "--fail-on", "never", cwd=root)
    assert_clean(text)
    assert "\\x1b[31m<U+202E>.txt" in text.stdout and "[bold]of treatment[/bold]" in text.stdout
    assert "PAYS_FOR_COMPLETION" in text.stdout  # the passage was found and shown
    as_json = run("contracts", str(contract), "--format", "json", "--fail-on", "never", cwd=root)
    assert_clean(as_json)
    assert "\u2067" in json.loads(as_json.stdout)["findings"][0]["quote"]


def test_report_and_compare(hostile):
    root = hostile["root"]
    report = run("report", str(hostile["area"]), "-o", str(root / f"r{CLEAR}.html"), "--fail-on", "never", cwd=root)
    assert report.returncode == 0, report.stderr
    assert_clean(report)
    assert "\\x1b[2J" in report.stderr  # "wrote <name>", the name shown
    out, table = root / "c.html", root / "c.csv"
    compare = run("compare", str(hostile["areas"]), "-o", str(out), "--csv", str(table), "--fail-on", "never", cwd=root)
    assert compare.returncode == 0, compare.stderr
    assert_clean(compare, csv_files=(table,))
    names = [row["area_name"] for row in csv.DictReader(table.open(encoding="utf-8"))]
    assert "North\\x1b]0;pwned\\x07<U+2066>Mere<U+2069>" in names
    as_json = run("compare", str(hostile["areas"]), "-o", str(out), "--format", "json", cwd=root)
    assert_clean(as_json)


def test_refusals_and_usage_errors_show_the_name(hostile):
    root = hostile["root"]
    part = run("validate", str(hostile["part"]), cwd=root)
    assert part.returncode == 2
    assert_clean(part)
    assert "\\x1b[2J<U+202E>evil.xml" in part.stderr and len(part.stderr.splitlines()) == 1
    sheets = run("validate", str(hostile["sheets"]), cwd=root)
    assert_clean(sheets)
    missing = run("doses", f"gone{CLEAR}.xlsx", cwd=root)
    assert missing.returncode == 2 and "gone\\x1b[2J\\x1b[H.xlsx" in missing.stderr
    assert_clean(missing)
    guideline = run("rules", "--guideline", FAKE_OK, cwd=root)
    assert guideline.returncode == 2
    assert_clean(guideline)
    usage = run("validate", "x.xlsx", "--format", FAKE_OK, cwd=root)
    assert usage.returncode == 2 and len(usage.stderr.strip().splitlines()) == 1
    assert_clean(usage)
    assert "\\x1b[32mOK" in usage.stderr


def test_template_and_sample_name_their_outputs_visibly(tmp_path):
    template = run("template", str(tmp_path / f"blank{CLEAR}.xlsx"), cwd=tmp_path)
    assert template.returncode == 0
    assert_clean(template)
    assert load_workbook(tmp_path / f"blank{CLEAR}.xlsx").sheetnames  # the file itself has its real name


def test_visible_covers_every_control_format_and_separator_character():
    wanted = {"Cc", "Cf", "Cs", "Zl", "Zp"}
    missed = [hex(c) for c in range(0x110000) if unicodedata.category(chr(c)) in wanted and not HIDDEN.match(chr(c))]
    assert missed == []
    assert visible("a\x1bb\u202ec\n\x85") == "a\\x1bb<U+202E>c\\n\\x85"
    assert visible("plain text, £ and é") == "plain text, £ and é"
    assert markup("[bold]x[/bold]\x1b") == "\\[bold]x\\[/bold]\\x1b"


def test_json_safe_keeps_the_data():
    text = json.dumps({"v": "a\u202eb\x85c\U000e0041\ud800"}, ensure_ascii=False)
    safe = json_safe(text)
    assert hidden_in(safe, set()) == []
    assert json.loads(safe) == json.loads(text)
