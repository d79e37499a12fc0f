"""Turn the text of cells into typed values, over whole columns at once.

Every cell is read as text (fastexcel with dtype string), so a typed Excel
date shows as `2024-03-31 00:00:00` while a date typed as text shows as
`2024-03-31` or `31/03/2024`: that is how the friendliness rules tell them
apart. Each function returns expressions for the typed value, an error rule
id (null when fine), a hint (the number without its unit, the suggested
date) and an information note (accepted but normalised).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

DASHES = "[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]"
UNIT_RE = r"(?i)^([0-9]*\.?[0-9]+)\s*(mg|mgs|milligrams?|ml|mls|mcg|micrograms?|µg|g)\.?$"
EXCEL_DATETIME_RE = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$"
ISO_RE = r"^\d{4}-\d{2}-\d{2}$"
SLASHED_RE = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"
SERIAL_RE = r"^\d{3,6}(\.\d+)?$"
FAR_DATE_RE = r"^[+-]\d{4,}-\d{2}-\d{2}"  # how calamine writes a date past 9999 or before year 0
# Whole numbers a float holds exactly; beyond them an integer column's value is out of any range a
# return can mean (and would overflow a 64-bit integer from 9.2e18 on).
LARGEST_WHOLE = 2.0**53
# The dates Python (and so every later step) can hold; calamine renders a serial past 2958465 in a
# date-formatted cell as `+10000-01-01 00:00:00`, which polars would otherwise parse.
FIRST_DATE, LAST_DATE = dt.date(1, 1, 1), dt.date(9999, 12, 31)


@dataclass(frozen=True)
class Coerced:
    value: pl.Expr
    error: pl.Expr
    hint: pl.Expr
    note: pl.Expr


def clean(raw: pl.Expr) -> pl.Expr:
    """Trimmed text; blank cells and whitespace become null (`replace`: `when` would strip every cell twice)."""
    return raw.str.strip_chars().replace("", None)


def _null_str() -> pl.Expr:
    return pl.lit(None, dtype=pl.String)


def as_text(text: pl.Expr) -> Coerced:
    return Coerced(text, _null_str(), _null_str(), _null_str())


def as_number(text: pl.Expr, integer: bool = False) -> Coerced:
    parsed = text.cast(pl.Float64, strict=False)
    number = pl.when(parsed.is_finite()).then(parsed)
    unit = text.str.extract(UNIT_RE, 1)
    failed = text.is_not_null() & number.is_null()
    error = (
        pl.when(failed & unit.is_not_null()).then(pl.lit("RET-NUMBER-WITH-UNIT"))
        .when(failed).then(pl.lit("RET-NOT-A-NUMBER"))
    )
    value = number
    if integer:
        fractional = number.is_not_null() & (number != number.floor())
        huge = number.abs() > LARGEST_WHOLE
        error = pl.when(huge).then(pl.lit("RET-OUT-OF-RANGE")).when(fractional).then(pl.lit("RET-NOT-AN-INTEGER")).otherwise(error)
        value = pl.when(~fractional & ~huge).then(number).cast(pl.Int64)
    return Coerced(value, error, unit, _null_str())


def as_code(text: pl.Expr, allowed: list[str], synonyms: dict[str, str] | None = None) -> Coerced:
    """Case, surrounding spaces and the kind of dash are forgiven and noted.

    An unknown value is kept as typed, so that the schema's `isin` check
    reports it with the allowed values.
    """
    mapping = {_key(a): a for a in allowed}
    mapping.update({_key(k): v for k, v in (synonyms or {}).items()})
    key = text.str.to_lowercase().str.replace_all(DASHES, "-").str.replace_all(r"\s+", " ")
    canonical = key.replace_strict(mapping, default=None, return_dtype=pl.String)
    value = pl.coalesce(canonical, text)
    note = pl.when(canonical.is_not_null() & (canonical != text)).then(pl.lit("RET-CODE-NORMALISED"))
    return Coerced(value, _null_str(), _null_str(), note)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(DASHES, "-", text.strip().lower()))


def as_date(text: pl.Expr, us_in_column: pl.Expr | None = None) -> Coerced:
    """Excel dates pass; ISO and UK text dates pass with a note; the rest fail.

    `us_in_column` is true when any text date in the same column is clearly
    US-ordered (month first): then dd/mm dates that could be read either way
    are ambiguous, and reported rather than guessed.
    """
    is_excel = text.str.contains(EXCEL_DATETIME_RE)
    is_iso = text.str.contains(ISO_RE)
    parts = text.str.extract_groups(SLASHED_RE)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    year = parts.struct.field("3")
    is_slashed = first.is_not_null()
    uk_date = (year + "-" + second.cast(pl.String).str.zfill(2) + "-" + first.cast(pl.String).str.zfill(2)).str.to_date("%Y-%m-%d", strict=False)
    us_date = (year + "-" + first.cast(pl.String).str.zfill(2) + "-" + second.cast(pl.String).str.zfill(2)).str.to_date("%Y-%m-%d", strict=False)
    us_order = is_slashed & uk_date.is_null() & us_date.is_not_null()
    either = is_slashed & (first <= 12) & (second <= 12) & (first != second)
    ambiguous = either & (us_in_column if us_in_column is not None else pl.lit(False))
    value = (
        pl.when(is_excel).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        .when(is_iso).then(text.str.to_date("%Y-%m-%d", strict=False))
        .when(is_slashed & ~ambiguous).then(uk_date)
    )
    value = pl.when(value.is_between(FIRST_DATE, LAST_DATE)).then(value)
    failed = text.is_not_null() & value.is_null()
    error = (
        pl.when(failed & text.str.contains(FAR_DATE_RE)).then(pl.lit("RET-DATE-OUT-OF-RANGE"))
        .when(failed & us_order).then(pl.lit("RET-DATE-US-ORDER"))
        .when(failed & ambiguous).then(pl.lit("RET-DATE-AMBIGUOUS"))
        .when(failed).then(pl.lit("RET-NOT-A-DATE"))
    )
    serial = text.str.contains(SERIAL_RE)
    serial_date = pl.date(1899, 12, 30) + pl.duration(days=text.cast(pl.Float64, strict=False).floor().cast(pl.Int64, strict=False))
    hint = (
        pl.when(failed & us_order).then(us_date.dt.strftime("%d/%m/%Y"))
        .when(failed & ambiguous).then(uk_date.dt.strftime("%-d %B %Y") + " or " + us_date.dt.strftime("%-d %B %Y"))
        .when(failed & serial).then(serial_date.dt.strftime("%Y-%m-%d"))
    )
    note = pl.when(value.is_not_null() & ~is_excel).then(pl.lit("RET-DATE-AS-TEXT"))
    return Coerced(value, error, hint, note)


def us_ordered_anywhere(text: pl.Expr) -> pl.Expr:
    """True (for the whole column) when any slashed date is month-first."""
    parts = text.str.extract_groups(SLASHED_RE)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    return ((first <= 12) & (second > 12) & (second <= 31)).fill_null(False).any()


def fast_value(text: pl.Expr, type_name: str, allowed: list[str] | None = None) -> tuple[pl.Expr, pl.Expr]:
    """The typed value for cells already in the expected form, and a mask of the cells that are not.

    Most cells of a real return are typed Excel dates, plain numbers and exact
    codes; only columns with leftovers pay for the full coercion (`coerce`).
    """
    if type_name in ("number", "integer"):
        parsed = text.cast(pl.Float64, strict=False)
        value = pl.when(parsed.is_finite()).then(parsed)
        ok = value.is_not_null()
        if type_name == "integer":
            ok = ok & (parsed == parsed.floor()) & (parsed.abs() <= LARGEST_WHOLE)
            value = pl.when(ok).then(parsed).cast(pl.Int64)
    elif type_name == "date":
        value = text.str.to_date("%Y-%m-%d %H:%M:%S", strict=False)
        ok = value.is_between(FIRST_DATE, LAST_DATE)
        value = pl.when(ok).then(value)
    elif type_name in ("code", "yn"):
        codes = ["Y", "N"] if type_name == "yn" else (allowed or [])
        ok = text.is_in(codes)
        value = text
    else:
        return text, pl.lit(False)
    return value, text.is_not_null() & ~ok.fill_null(False)


def coerce(text: pl.Expr, type_name: str, allowed: list[str] | None = None,
           aliases: dict[str, str] | None = None) -> Coerced:
    """Dispatch on the schema's type name; `aliases` are NDTMS codes accepted for labels (audit/codes.py)."""
    if type_name == "number":
        return as_number(text)
    if type_name == "integer":
        return as_number(text, integer=True)
    if type_name == "date":
        return as_date(text, us_ordered_anywhere(text))
    if type_name == "code":
        from audit.codes import as_code_or_ndtms

        return as_code_or_ndtms(text, allowed or [], aliases or {})
    if type_name == "yn":
        return as_code(text, ["Y", "N"], {"yes": "Y", "no": "N"})
    return as_text(text)
