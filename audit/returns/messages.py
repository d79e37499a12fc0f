"""Message templates for the return's validation rules (`RET-*`).

Like frictionless-py's error types: each rule id has a severity, a message
template and a fix, so the wording lives in one place and tests can check
every rule's text without copying it. The column checks' rules are defined
with their checks in audit/returns/checks.py.
"""

from __future__ import annotations

import string
from typing import Any

import polars as pl

from audit.findings import Severity
from audit.returns.checks import Template, templates

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_OWN: dict[str, Template] = {  # the column checks' rules are with their checks (audit/returns/checks.py)
    "RET-MISSING-SHEET": Template(E, "the workbook has no sheet named {sheet}", "add the {sheet} sheet; `ost-audit template` writes a blank return"),
    "RET-HIDDEN-SHEET": Template(INFO, "the hidden sheet '{sheet}' has the name of the {wanted} sheet and was not read: only visible sheets are", "delete the hidden sheet, or unhide it and delete the other, so the return has one {wanted} sheet"),
    "RET-MISSING-COLUMN": Template(E, "the {sheet} sheet has no {column} column", "add a {column} column to the header row ({expected})"),
    "RET-COLUMN-NEEDED": Template(E, "the {sheet} sheet has no {column} column, yet {count} row(s) need it (first at row {row}: {why})", "add a {column} column to the header row ({expected}); a renamed one is listed as a column that was ignored"),
    "RET-DUPLICATE-COLUMN": Template(E, "{column} appears twice in the header row; the second copy is ignored", "delete or rename the extra column"),
    "RET-UNKNOWN-COLUMN": Template(INFO, "column '{value}' is not part of {schema} and was ignored{hint}", "remove it, or rename it if it is one of the return's columns"),
    "RET-MISSING-KEY": Template(E, "the {sheet} sheet has no {column} row", "add {column} in column A and its value in column B ({expected})"),
    "RET-UNKNOWN-KEY": Template(INFO, "key '{value}' is not part of {schema} and was ignored", "remove it"),
    "RET-NO-CLIENTS": Template(W, "the {sheet} sheet has no client rows", "one row per client on OST in the period, from row 2"),
    "RET-REQUIRED": Template(E, "{column} is required but the cell is blank", "enter {expected}"),
    "RET-NOT-A-NUMBER": Template(E, "{column} must be a number; '{value}' is not", "type the number only, e.g. {example}"),
    "RET-NUMBER-WITH-UNIT": Template(E, "{column} must be a number of mg; '{value}' has a unit in it (did you mean {hint}?)", "type {hint} without the unit"),
    "RET-NOT-AN-INTEGER": Template(E, "{column} must be a whole number; '{value}' is not", "type a whole number, e.g. {example}"),
    "RET-NOT-A-DATE": Template(E, "{column} must be a date; '{value}' is not one{detail}", "type the date as 31/03/2024 or 2024-03-31, or format the cell as a date"),
    "RET-DATE-OUT-OF-RANGE": Template(E, "{column} '{value}' is not a date a return can hold (years 1 to 9999); a number typed into a date cell?", "type the date as 31/03/2024 or 2024-03-31"),
    "RET-DATE-US-ORDER": Template(E, "{column} '{value}' is month-first (US order); returns use day/month/year", "type it as {hint}"),
    "RET-DATE-AMBIGUOUS": Template(E, "{column} '{value}' could be {hint}, and this column also has month-first dates", "type it as yyyy-mm-dd or format the cell as a date"),
    "RET-DATE-AS-TEXT": Template(INFO, "{column}: {count} date(s) typed as text were read as UK or ISO dates (first at {cell}: '{value}')", "format these cells as dates"),
    "RET-CODE-NORMALISED": Template(INFO, "{column}: {count} value(s) differ from the allowed codes only in case, spaces or dashes and were accepted (first at {cell}: '{value}' read as '{canonical}')", "type the codes exactly as listed to avoid this note"),
    "RET-CODE-NDTMS": Template(INFO, "{column}: {count} NDTMS code(s) were read as their labels (first at {cell}: '{value}' = '{canonical}')", "nothing to do: the return takes the NDTMS code or the label"),
    "RET-DOSE-IMPLAUSIBLE": Template(E, "DOSE_MG {value} is not a plausible {medication} dose ({plausible}); a data-entry error such as mg/ml confusion?", "check the dose against the prescription"),
    "RET-PERIOD-ORDER": Template(E, "PERIOD_END ({value}) is not after PERIOD_START ({other})", "correct the period dates"),
    "RET-PERIOD-TOO-LONG": Template(E, "the period is {days} days long; at most 366 are allowed", "a return covers a quarter or at most a year"),
    "RET-SUBMITTED-BEFORE-END": Template(E, "SUBMITTED_ON ({value}) is before PERIOD_END ({other})", "a return is submitted after its period ends"),
}

TEMPLATES: dict[str, Template] = {**_OWN, **templates()}  # every rule at import, for listing


def template_of(rule: str) -> Template:
    """A rule's template; a check registered since import is found too."""
    return _OWN.get(rule) or templates()[rule]


SHOWN_CHARS = 100  # of one value inside a message: a cell may hold 32,767 characters, a message is read by a person


def render(rule: str, **values: object) -> tuple[Severity, str, str]:
    """Severity, message and fix of a rule, filled in (each value cut to SHOWN_CHARS; `value` keeps it whole)."""
    found = template_of(rule)
    shown = {k: _cut(v) if isinstance(v, str) else v for k, v in values.items()}
    return found.severity, found.message.format(**shown), found.fix.format(**shown)


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS - 1]}… ({len(text)} characters)"


def render_expr(rule: str, **values: Any) -> tuple[Severity, pl.Expr, pl.Expr]:
    """`render` over a whole frame of hits: each value a constant or an expression (a column of them)."""
    found = template_of(rule)
    return found.severity, fill(found.message, values), fill(found.fix, values)


def _cut_expr(text: pl.Expr) -> pl.Expr:
    long = text.str.len_chars() > SHOWN_CHARS
    return pl.when(long).then(pl.concat_str(text.str.slice(0, SHOWN_CHARS - 1), pl.lit("… ("),
                                            text.str.len_chars().cast(pl.String),
                                            pl.lit(" characters)"))).otherwise(text)


def fill(template: str, values: dict[str, Any]) -> pl.Expr:
    """A `str.format` template filled in row by row by polars; a blank expression value fills in as nothing."""
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            value = values[name]
            parts.append(_cut_expr(value.cast(pl.String)).fill_null("") if isinstance(value, pl.Expr) else pl.lit(_cut(str(value))))
    return pl.concat_str(parts) if parts else pl.lit("")
