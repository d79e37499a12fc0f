"""The schema file is the single source of truth: docs and pandera follow it."""

from __future__ import annotations

from pathlib import Path

from audit.returns.nhs import is_nhs_number
from audit.returns.schema import docs_table, load_schema, pandera_schema

ROOT = Path(__file__).resolve().parent.parent

SPEC_COLUMNS = ["CLIENTID", "SEX", "AGE", "LA", "DRUG1", "INJSTAT", "TRIAGED", "OST_MEDICATION", "OST_START",
                "DOSE_MG", "DOSE_DATE", "PREV_DOSE_MG", "PHASE", "SUPERVISED", "LAST_REVIEW", "TOPDATE", "OPIUSE",
                "NALOXONE", "HEPCSTAT", "ECG_DATE", "DISD", "DISRSN", "DOSE_NOTE"]


def test_docs_table_is_fresh():
    committed = (ROOT / "docs" / "return-format.md").read_text(encoding="utf-8")
    assert committed == docs_table(), "run `python -m audit.docs` to regenerate docs/return-format.md"


def test_schema_has_every_spec_column_in_order():
    assert load_schema().column_names == SPEC_COLUMNS


def test_pandera_schema_is_built_from_the_file():
    schema = pandera_schema()
    assert list(schema.columns) == SPEC_COLUMNS
    assert schema.columns["CLIENTID"].unique
    assert schema.columns["DOSE_NOTE"].nullable and not schema.columns["SEX"].nullable


def test_every_docs_row_names_a_column():
    table = docs_table()
    for name in SPEC_COLUMNS:
        assert f"| `{name}` |" in table


def test_nhs_number_check_digit():
    # 943 476 5919 is the NHS's published example of a valid number
    assert is_nhs_number("9434765919")
    assert is_nhs_number("943 476 5919")
    assert not is_nhs_number("9434765918")
    assert not is_nhs_number("TS00000001")
    assert not is_nhs_number("94347659190")
    # the Unicode forms and the property test against a plain reference are in test_nhs.py
