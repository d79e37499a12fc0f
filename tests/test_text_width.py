"""Every command's text reads in 80 columns: long lines wrap, each continuation indented under what it continues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.cli import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_returns"
RETURNS = sorted(str(p) for p in SAMPLES.glob("*/*.xlsx"))
COMMANDS = {
    "validate": ["validate", *RETURNS, "--fail-on", "never"],
    "validate --all": ["validate", *RETURNS, "--fail-on", "never", "--all"],
    "doses": ["doses", *RETURNS, "--fail-on", "never"],
    "contracts": ["contracts", str(SAMPLES), "--fail-on", "never"],
    "history": ["history", str(SAMPLES / "eastbrook"), "--fail-on", "never"],
    "rules": ["rules"],
}


def lines_of(text: str) -> list[str]:
    return text.splitlines()


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_text_fits_80_columns(name):
    result = CliRunner().invoke(app, COMMANDS[name], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    lines = lines_of(result.stdout)
    assert len(lines) > 5
    assert [line for line in lines if len(line) > 80] == []


def test_compare_status_fits_80_columns(tmp_path):
    page = tmp_path / ("a-long-folder-name-" * 3) / "compare.html"
    page.parent.mkdir()
    result = CliRunner().invoke(app, ["compare", str(SAMPLES), "--output", str(page)], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = lines_of(result.stderr)
    assert len(lines) > 1 and all(len(line) <= 80 for line in lines)
    assert all(line.startswith("  ") for line in lines[1:])  # continuation lines stand in
    assert " ".join(line.strip() for line in lines).startswith("compared 5 areas (")


def test_a_file_written_with_output_wraps_at_80_and_continuations_stand_in(tmp_path, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    out = tmp_path / "validate.txt"
    assert CliRunner().invoke(app, [*COMMANDS["validate"], "--output", str(out)]).exit_code == 0
    lines = lines_of(out.read_text(encoding="utf-8"))
    assert [line for line in lines if len(line) > 80] == []
    for before, line in zip(lines, lines[1:]):
        if re.match(r"\s+warning ", before) and len(before) > 70 and line.startswith(" " * 10):
            break  # a group line wrapped: its places continue under the rule, ten columns in
    else:
        pytest.fail("no wrapped group line in the sample returns' text")
    heads = [line for line in lines if line and not line.startswith(" ")]
    assert all(h.startswith(str(SAMPLES)) or re.match(r"\d+ returns? checked", h) for h in heads), heads


def test_a_wider_terminal_gets_one_line_per_finding():
    wide = CliRunner().invoke(app, COMMANDS["contracts"], env={"COLUMNS": "400"}).stdout
    narrow = CliRunner().invoke(app, COMMANDS["contracts"], env={"COLUMNS": "80"}).stdout
    assert len(lines_of(wide)) < len(lines_of(narrow))
    assert " ".join(wide.split()) == " ".join(narrow.split())  # the same words, only wrapped


def test_hang_continues_under_the_text_or_further_in():
    import io

    from rich.console import Console

    from audit.reporting.output import hang

    words = "one two three four five six seven eight nine ten"
    for lead, more, under in (("  label ", 0, 8), ("    ", 2, 6)):
        buffer = io.StringIO()
        hang(Console(file=buffer, width=30, color_system=None), lead, words, more=more)
        lines = buffer.getvalue().splitlines()
        assert lines[0].startswith(lead + "one") and len(lines) > 1 and max(map(len, lines)) <= 30
        assert all(line[:under].isspace() and not line[under].isspace() and line == line.rstrip() for line in lines[1:])
        assert " ".join(" ".join(lines).split()) == " ".join((lead + words).split())
    buffer = io.StringIO()
    hang(Console(file=buffer, width=30, color_system=None), "  ", "short", more=2)
    assert buffer.getvalue() == "  short\n"
