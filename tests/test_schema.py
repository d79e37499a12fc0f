"""The schema file is the single source of truth: docs and pandera follow it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.nhs import is_nhs_number
from audit.schema import docs_table, load_schema, pandera_schema

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


def _reference_nhs(text: str | None) -> bool:
    """The modulus-11 rule written plainly, one value at a time."""
    if text is None:
        return False
    digits = text.replace(" ", "").replace("-", "")
    if len(digits) != 10 or not all(c in "0123456789" for c in digits):
        return False
    check = (11 - sum(int(d) * (10 - i) for i, d in enumerate(digits[:9])) % 11) % 11
    return check != 10 and check == int(digits[9])


def _with_separators(draw_digits: list[int], seps: list[str]) -> str:
    return "".join(str(d) + s for d, s in zip(draw_digits, seps))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.none(),
    st.text(alphabet="0123456789 -x\u0663", max_size=16),
    st.builds(_with_separators, st.lists(st.integers(0, 9), min_size=10, max_size=10),
              st.lists(st.sampled_from(["", "", " ", "-", "  "]), min_size=10, max_size=10)),
), min_size=1, max_size=40))
def test_vectorised_nhs_mask_equals_the_plain_rule(values):
    import polars as pl

    from audit.nhs import nhs_number_mask

    got = pl.DataFrame({"c": values}, schema={"c": pl.String}).select(nhs_number_mask(pl.col("c")))["c"].to_list()
    assert got == [_reference_nhs(v) for v in values]
