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
    # helper columns to add, stage by stage, before the four expressions are evaluated: they share
    # parts (a date's day, month and year) that polars would otherwise compute once per use
    stages: tuple[list[pl.Expr], ...] = ()


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


def as_date(text: pl.Expr, us_in_column: bool = True, key: str = "_date") -> Coerced:
    """Excel dates pass; ISO and UK text dates pass with a note; the rest fail.

    With `us_in_column`, when any text date in the same column is clearly
    US-ordered (month first), dd/mm dates that could be read either way are
    ambiguous, and reported rather than guessed. `key` names the helper columns.
    """
    col = lambda part: pl.col(f"{key}__{part}")  # noqa: E731
    parts = col("parts")
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    year = parts.struct.field("3")
    uk = (year + "-" + second.cast(pl.String).str.zfill(2) + "-" + first.cast(pl.String).str.zfill(2)).str.to_date("%Y-%m-%d", strict=False)
    us = (year + "-" + first.cast(pl.String).str.zfill(2) + "-" + second.cast(pl.String).str.zfill(2)).str.to_date("%Y-%m-%d", strict=False)
    us_anywhere = ((first <= 12) & (second > 12) & (second <= 31)).fill_null(False).any() if us_in_column else pl.lit(False)
    stage1 = [text.alias(f"{key}__text"), text.str.extract_groups(SLASHED_RE).alias(f"{key}__parts"),
              text.str.contains(EXCEL_DATETIME_RE).alias(f"{key}__excel")]
    stage2 = [first.alias(f"{key}__first"), second.alias(f"{key}__second"), uk.alias(f"{key}__uk"), us.alias(f"{key}__us"),
              us_anywhere.alias(f"{key}__us_anywhere")]
    text, is_excel, first, second, uk_date, us_date = col("text"), col("excel"), col("first"), col("second"), col("uk"), col("us")
    is_slashed = first.is_not_null()
    us_order = is_slashed & uk_date.is_null() & us_date.is_not_null()
    either = is_slashed & (first <= 12) & (second <= 12) & (first != second)
    ambiguous = either & col("us_anywhere")
    value = (
        pl.when(is_excel).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        .when(text.str.contains(ISO_RE)).then(text.str.to_date("%Y-%m-%d", strict=False))
        .when(is_slashed & ~ambiguous).then(uk_date)
    )
    stage3 = [pl.when(value.is_between(FIRST_DATE, LAST_DATE)).then(value).alias(f"{key}__value"), ambiguous.alias(f"{key}__ambiguous")]
    value, ambiguous = col("value"), col("ambiguous")
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
    return Coerced(value, error, hint, note, (stage1, stage2, stage3))


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
        value = text.str.to_date("%Y-%m-%d %H:%M:%S", strict=False, cache=False)  # a cache of distinct texts costs more than it saves
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
           aliases: dict[str, str] | None = None, key: str = "_c") -> Coerced:
    """Dispatch on the schema's type name; `aliases` are NDTMS codes accepted for labels (audit/returns/codes.py),
    `key` names any helper columns."""
    if type_name == "number":
        return as_number(text)
    if type_name == "integer":
        return as_number(text, integer=True)
    if type_name == "date":
        return as_date(text, key=key)
    if type_name == "code":
        from audit.returns.codes import as_code_or_ndtms

        return as_code_or_ndtms(text, allowed or [], aliases or {})
    if type_name == "yn":
        return as_code(text, ["Y", "N"], {"yes": "Y", "no": "N"})
    return as_text(text)


def coerce_columns(frame: pl.DataFrame, columns: dict[str, tuple[pl.Expr, str, list[str] | None, dict[str, str]]],
                   keep: list[str]) -> pl.DataFrame:
    """The full coercion of several columns in one query: `keep`, then for each NAME its typed value
    (NAME), error rule (NAME__err), hint (NAME__hint) and note (NAME__note).

    `columns` maps NAME to (its text, type name, allowed codes, NDTMS aliases); helper columns are added stage by stage.
    """
    coerced = {name: coerce(text, type_name, allowed, aliases, key=f"{name}__h")
               for name, (text, type_name, allowed, aliases) in columns.items()}
    lazy = frame.lazy()
    for stage in range(max((len(c.stages) for c in coerced.values()), default=0)):
        lazy = lazy.with_columns([e for c in coerced.values() if stage < len(c.stages) for e in c.stages[stage]])
    return lazy.select(*keep, *[e for name, c in coerced.items() for e in (
        c.value.alias(name), c.error.alias(f"{name}__err"), c.hint.alias(f"{name}__hint"), c.note.alias(f"{name}__note"))]).collect()
