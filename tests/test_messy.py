"""Messy returns: every fault found at its row, extreme values become findings, messages made by polars
read exactly as the scalar templates do."""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import polars as pl
import pytest
from builders import COLUMNS, SUBMISSION, cell_of, client, write_return
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from audit.prescribing.doses import audit_doses
from audit.returns.messages import TEMPLATES, render, render_expr
from audit.returns.schema import load_schema
from audit.returns.validate import validate_return

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import generate  # noqa: E402

from audit.samples.sample import Area, client_rows  # noqa: E402
from audit.samples.sample import write_return as write_sample  # noqa: E402

LAST_SERIAL = 2958465  # 31/12/9999, the last date Excel holds


def test_bench_faults_cover_every_cell_rule():
    schema = load_schema()
    workbook_level = {"RET-MISSING-SHEET", "RET-MISSING-COLUMN", "RET-COLUMN-NEEDED", "RET-DUPLICATE-COLUMN", "RET-UNKNOWN-COLUMN",
                      "RET-MISSING-KEY", "RET-UNKNOWN-KEY", "RET-NO-CLIENTS", "RET-PERIOD-ORDER", "RET-PERIOD-TOO-LONG",
                      "RET-SUBMITTED-BEFORE-END", "RET-HIDDEN-SHEET"}
    natural = {"RET-OST-BEFORE-TRIAGE", "RET-OUT-OF-AREA"}  # the clean generator already has these
    cell_rules = (set(TEMPLATES) - workbook_level) | {r["id"] for r in schema.cross_field}
    planted = {rule for _, rules, _ in generate.FAULTS for rule in rules}
    assert cell_rules - natural <= planted


def test_every_planted_fault_is_found_at_its_row(tmp_path):
    area = Area("messytest", "Messy test", "E06999990", 10 * len(generate.FAULTS), 0.2, 0.8, 0.85)
    rows, planted = generate.messy_rows(client_rows(area), "test")
    assert sorted(planted.values()) == sorted(what for what, _, _ in generate.FAULTS)
    result = validate_return(write_sample(tmp_path / "messy.xlsx", area, rows))
    expected = {what: rules for what, rules, _ in generate.FAULTS}
    found: dict[int, set[str]] = {}
    for f in result.findings:
        found.setdefault(f.location.row, set()).add(f.rule)
    for index, what in planted.items():
        excel_row = index + 2
        assert found.get(excel_row, set()) & set(expected[what]), (what, excel_row, found.get(excel_row))
    audit = audit_doses(tmp_path / "messy.xlsx")  # dose rules run over what validation left
    assert audit.findings_frame().height == len(audit.all_findings)


EXTREME_NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e30, 1e308, -1e308, 5e-324, -0.0, 2.0**53 + 2, 2.0**63, -(2.0**63)]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from(["1e30", "inf", "-inf", "nan", "NaN", "-0", "1e308", "9" * 40, "1e-320", "+5"]),
)
NUMERIC = {"AGE": (18, 100), "OPIUSE": (0, 28), "DOSE_MG": (0, math.inf), "PREV_DOSE_MG": (0, math.inf)}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(NUMERIC)), EXTREME_NUMBERS), min_size=1, max_size=12))
def test_extreme_numbers_are_findings_never_crashes(tmp_path, cells):
    clients = [client(i, **{column: value}) for i, (column, value) in enumerate(cells, start=1)]
    path = write_return(tmp_path / "extreme.xlsx", clients)
    result = validate_return(path)
    assert result.clients["AGE"].dtype == pl.Int64 and result.clients["OPIUSE"].dtype == pl.Int64
    for i, (column, _) in enumerate(cells):
        typed, bad = result.clients[column][i], result.invalid[column][i]
        lo, hi = NUMERIC[column]
        # a value outside the column's range is never taken as valid
        assert bad or typed is None or lo <= typed <= hi
    assert all(f.message and f.location.file for f in result.findings)
    audit = audit_doses(path)
    assert audit.findings_frame().height == len(audit.all_findings)


DATE_SERIALS = st.one_of(st.integers(-(10**7), 10**8), st.floats(-1e7, 1e8, allow_nan=False),
                         st.sampled_from([LAST_SERIAL, LAST_SERIAL + 1, 3_000_000, -1, 0, 0.5, 1e15]))


def _write_serials(path: Path, serials: list[float], period_end: float) -> Path:
    write_return(path, [client(i) for i in range(1, len(serials) + 1)])
    wb = load_workbook(path)
    ws = wb["OST"]
    column = COLUMNS.index("TRIAGED") + 1
    for i, serial in enumerate(serials):
        ws.cell(row=i + 2, column=column, value=serial).number_format = "dd/mm/yyyy"
    sub = wb["Submission"]
    row = list(SUBMISSION).index("PERIOD_END") + 2
    sub.cell(row=row, column=2, value=period_end).number_format = "dd/mm/yyyy"
    wb.save(path)
    return path


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(DATE_SERIALS, min_size=1, max_size=10), DATE_SERIALS)
def test_date_serials_out_of_range_are_findings_never_crashes(tmp_path, serials, period_end):
    path = _write_serials(tmp_path / "dates.xlsx", serials, period_end)
    result = validate_return(path)
    cells = {(f.location.sheet, f.location.cell) for f in result.findings if f.severity.value == "error"}
    for i, serial in enumerate(serials):
        if serial > LAST_SERIAL + 1:
            assert ("OST", cell_of("TRIAGED", i)) in cells
        triaged = result.clients["TRIAGED"][i]
        assert triaged is None or dt.date(1, 1, 1) <= triaged <= dt.date(9999, 12, 31)
    if period_end > LAST_SERIAL + 1:
        assert ("Submission", f"B{list(SUBMISSION).index('PERIOD_END') + 2}") in cells
        assert result.submission.get("PERIOD_END") is None
    audit_doses(path)  # the dose rules take whatever dates validation let through


def test_a_date_past_9999_is_named_as_such(tmp_path):
    path = _write_serials(tmp_path / "far.xlsx", [3_000_000], LAST_SERIAL + 1)
    result = validate_return(path)
    far = [f for f in result.findings if f.rule == "RET-DATE-OUT-OF-RANGE"]
    assert {(f.location.sheet, f.location.column) for f in far} == {("OST", "TRIAGED"), ("Submission", "PERIOD_END")}
    assert all("9999" in f.message for f in far)


def test_huge_age_is_out_of_range_and_shown_short(tmp_path):
    result = validate_return(write_return(tmp_path / "age.xlsx", [client(1, AGE=1e30), client(2, AGE="1e30")]))
    found = [f for f in result.findings if f.location.column == "AGE"]
    assert [(f.rule, f.location.cell) for f in found] == [("RET-OUT-OF-RANGE", "C2"), ("RET-OUT-OF-RANGE", "C3")]
    assert all(len(f.message) < 60 for f in found), [f.message for f in found]


SAMPLE_VALUES = {"sheet": "OST", "column": "AGE", "expected": "18-100", "value": "16", "hint": "60", "example": "41",
                 "detail": "", "count": 3, "cell": "J5", "canonical": "maintenance", "allowed": "`Y`, `N`",
                 "suggestion": " (did you mean `Y`?)", "length": 501, "limit": 500, "first": 4, "medication": "methadone",
                 "plausible": "1-400 mg", "other": "2024-03-31", "days": 400, "schema": "ost-return-v1", "wanted": "OST",
                 "row": 2, "why": "OPIUSE is required when TOPDATE is given"}


@pytest.mark.parametrize("rule", sorted(TEMPLATES))
def test_frame_messages_equal_the_scalar_templates(rule):
    severity, message, fix = render(rule, **SAMPLE_VALUES)
    columns = {k: pl.col(k) for k in SAMPLE_VALUES}
    frame = pl.DataFrame({k: [str(v)] for k, v in SAMPLE_VALUES.items()})
    vector_severity, message_expr, fix_expr = render_expr(rule, **columns)
    assert frame.select(message_expr.alias("m"), fix_expr.alias("f")).row(0) == (message, fix)
    assert vector_severity is severity
