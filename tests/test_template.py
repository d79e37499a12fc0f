"""The blank return: validation that agrees with the validator, prompts that show, codes with their meanings."""

from __future__ import annotations

import pytest
from libreoffice import needs_libreoffice, round_trip
from openpyxl import load_workbook
from typer.testing import CliRunner

from audit.cli import app
from audit.returns.schema import load_schema
from audit.returns.template import write_template

runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return write_template(tmp_path_factory.mktemp("t") / "blank.xlsx")


def _validation(ws, column_letter):
    return next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(f"{column_letter}2:"))


def test_dose_validation_matches_the_validator(template):
    ost = load_workbook(template)["OST"]
    letter = chr(ord("A") + load_schema().column_names.index("DOSE_MG"))
    dose = _validation(ost, letter)
    assert (dose.type, dose.operator, dose.formula1) == ("decimal", "greaterThan", "0")  # schema: exclusive_min 0
    prev = _validation(ost, chr(ord("A") + load_schema().column_names.index("PREV_DOSE_MG")))
    assert (prev.operator, prev.formula1) == ("greaterThanOrEqual", "0")


def test_prompts_shown_within_excel_limits_with_code_meanings(template):
    ost = load_workbook(template)["OST"]
    checks = ost.data_validations.dataValidation
    assert checks and all(dv.showInputMessage and dv.prompt for dv in checks)
    assert all(len(dv.prompt) <= 255 and len(dv.error or "") <= 225 and len(dv.promptTitle or "") <= 32 for dv in checks)
    lists = [dv for dv in checks if dv.type == "list"]
    assert lists and all(not dv.formula1.startswith("=") and dv.formula1.startswith("Lists!$") for dv in lists)
    injstat = _validation(ost, chr(ord("A") + load_schema().column_names.index("INJSTAT")))
    assert "C (currently injecting)" in injstat.prompt
    header = ost.cell(row=1, column=load_schema().column_names.index("HEPCSTAT") + 1)
    assert "A (test offered and accepted)" in header.comment.text


def test_template_to_a_csv_name_is_refused_in_one_sentence(tmp_path):
    result = runner.invoke(app, ["template", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and not (tmp_path / "x.csv").exists()
    assert len(result.stderr.strip().splitlines()) == 1 and ".xlsx" in result.stderr


def test_validation_messages_give_code_meanings(tmp_path):
    from builders import client, write_return

    from audit.returns.validate import validate_return

    path = write_return(tmp_path / "r.xlsx", [client(1, INJSTAT="Q")])
    finding = next(f for f in validate_return(path).findings if f.rule == "RET-CODE-NOT-ALLOWED")
    assert "`C` (currently injecting)" in finding.message and "`Z` (declined to answer)" in finding.message


@needs_libreoffice
def test_libreoffice_opens_the_template(template, tmp_path):
    ost = load_workbook(round_trip(template, tmp_path))["OST"]
    kinds = {dv.type for dv in ost.data_validations.dataValidation}
    assert {"list", "decimal", "date", "whole"} <= kinds  # every kind of check survived LibreOffice reading it


def test_every_row_of_the_sheet_has_the_checks(template):
    """A provider with 100,000 clients gets the drop-downs and checks on every row, not the first 5,000."""
    ost = load_workbook(template)["OST"]
    assert ost.data_validations.dataValidation and all(str(dv.sqref).endswith("1048576") for dv in ost.data_validations.dataValidation if "2:" in str(dv.sqref))
