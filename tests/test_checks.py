"""A kind of column check is one registry entry: registering one reaches the schema, validator, template and docs."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from builders import client, write_return

from audit.findings import Severity
from audit.returns.checks import CHECKS, ColumnCheck, Template, register, unregister
from audit.returns.schema import Field, docs_table, load_schema, pandera_schema
from audit.returns.template import build_template
from audit.returns.validate import validate_return


class MinLength(ColumnCheck):
    """A kind of check the project does not have: a shortest length for one column."""

    name, rule = "test_min_length", "RET-TEST-TOO-SHORT"
    template = Template(Severity.WARNING, "{column} is {length} characters long; at least {least} are expected",
                        "check the {column} is complete")

    def __init__(self, column: str, least: int) -> None:
        self.column, self.least = column, least

    def applies(self, f: Field) -> bool:
        return f.name == self.column

    def words(self, f: Field) -> str:
        return f"at least {self.least} characters"

    def pandera(self, f: Field) -> Any:
        import pandera.polars as pa

        return self._named(pa.Check.str_length, min_value=self.least)

    def message_fields(self, part, f, value):
        return part, {"value": value, "client": pl.col("_c"), "length": pl.col("failure_case").str.len_chars(),
                      "least": self.least}

    def excel(self, f: Field) -> dict[str, Any] | None:
        return {"type": "textLength", "operator": "greaterThanOrEqual", "formula1": str(self.least)}


@pytest.fixture
def min_length():
    check = MinLength("CLIENTID", 4)
    register(check)
    yield check
    unregister(check)


def test_the_check_is_in_the_pandera_schema(min_length):
    names = [c.name for c in pandera_schema().columns["CLIENTID"].checks]
    assert "test_min_length" in names and "pattern" in names


def test_the_validator_raises_the_checks_rule_at_its_cell(tmp_path, min_length):
    # AB1 passes every built-in check (pattern, uniqueness, NHS number); only the new check fails it
    path = write_return(tmp_path / "r.xlsx", [client(1), client(2, CLIENTID="AB1"), client(3)])
    found = [f for f in validate_return(path).findings if f.rule == "RET-TEST-TOO-SHORT"]
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.location.cell, f.location.row, f.location.column) == (Severity.WARNING, "A3", 3, "CLIENTID")
    assert (f.value, f.client) == ("AB1", "AB1")
    assert f.message == "CLIENTID is 3 characters long; at least 4 are expected"
    assert f.fix == "check the CLIENTID is complete"
    assert not [f for f in validate_return(path).findings if f.rule.startswith("RET-") and f.severity == Severity.ERROR]


def test_a_failure_comes_back_to_its_check_by_name_not_position(tmp_path, min_length):
    # registered first, the check is built first: the built-in checks' findings keep their own rules
    CHECKS.insert(0, CHECKS.pop())
    pandera_schema.cache_clear()
    try:
        path = write_return(tmp_path / "r.xlsx", [client(1, CLIENTID="AB1"), client(2, CLIENTID="A B C D"), client(3, DOSE_NOTE="x" * 501)])
        rules = {(f.rule, f.location.cell) for f in validate_return(path).findings}
    finally:
        CHECKS.append(CHECKS.pop(0))
        pandera_schema.cache_clear()
    assert {("RET-TEST-TOO-SHORT", "A2"), ("RET-PATTERN", "A3"), ("RET-TOO-LONG", "W4")} <= rules


def test_the_template_validates_and_explains_the_check(min_length):
    ost = build_template()["OST"]
    dv = next(dv for dv in ost.data_validations.dataValidation if str(dv.sqref).startswith("A2:"))
    assert (dv.type, dv.operator, dv.formula1) == ("textLength", "greaterThanOrEqual", "4")
    assert "at least 4 characters" in dv.prompt
    assert "at least 4 characters" in ost["A1"].comment.text


def test_the_docs_table_lists_the_check(min_length):
    row = next(line for line in docs_table().splitlines() if line.startswith("| `CLIENTID` |"))
    assert "unique in the sheet; never an NHS number; at least 4 characters" in row


def test_unregistered_the_check_is_gone_everywhere(tmp_path):
    check = MinLength("CLIENTID", 4)
    register(check)
    unregister(check)
    assert "test_min_length" not in [c.name for c in pandera_schema().columns["CLIENTID"].checks]
    assert "at least 4 characters" not in docs_table()
    path = write_return(tmp_path / "r.xlsx", [client(1, CLIENTID="AB1")])
    assert not [f for f in validate_return(path).findings if f.rule == "RET-TEST-TOO-SHORT"]


class _SameName(MinLength):
    name = "pattern"


def test_a_check_name_is_registered_once():
    """Failures come back to their check by name, so two checks may not share one."""
    before = list(CHECKS)
    with pytest.raises(ValueError, match="already registered"):
        register(_SameName("LA", 3))
    assert CHECKS == before


def test_every_built_in_check_has_a_unique_name_and_its_rule_a_message():
    from audit.returns.messages import TEMPLATES

    assert len({c.name for c in CHECKS}) == len(CHECKS)
    assert all(c.rule in TEMPLATES for c in CHECKS)
    assert load_schema().column("CLIENTID").rule_text().endswith("never an NHS number")


def test_a_submission_key_goes_through_the_same_check(tmp_path):
    """The Submission sheet's values are checked by the registry too: a new kind reaches them, at their cell."""
    from builders import SUBMISSION

    check = MinLength("LA_NAME", 40)
    register(check)
    try:
        path = write_return(tmp_path / "r.xlsx", [client(1)], submission=dict(SUBMISSION, LA_NAME="Short"))
        found = [f for f in validate_return(path).findings if f.rule == "RET-TEST-TOO-SHORT"]
    finally:
        unregister(check)
    assert [(f.location.sheet, f.location.column, f.value, f.message) for f in found] == [
        ("Submission", "LA_NAME", "Short", "LA_NAME is 5 characters long; at least 40 are expected")]
    assert found[0].location.cell.startswith("B")
