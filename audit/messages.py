"""Message templates for the return's validation rules (`RET-*`).

Like frictionless-py's error types: each rule id has a severity, a message
template and a fix, so the wording lives in one place and tests can check
every rule's text without copying it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

import polars as pl

from audit.findings import Severity


@dataclass(frozen=True)
class Template:
    severity: Severity
    message: str
    fix: str


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

TEMPLATES: dict[str, Template] = {
    "RET-MISSING-SHEET": Template(E, "the workbook has no sheet named {sheet}", "add the {sheet} sheet; `ost-audit template` writes a blank return"),
    "RET-HIDDEN-SHEET": Template(INFO, "the hidden sheet '{sheet}' has the name of the {wanted} sheet and was not read: only visible sheets are", "delete the hidden sheet, or unhide it and delete the other, so the return has one {wanted} sheet"),
    "RET-MISSING-COLUMN": Template(E, "the {sheet} sheet has no {column} column", "add a {column} column to the header row ({expected})"),
    "RET-DUPLICATE-COLUMN": Template(E, "{column} appears twice in the header row; the second copy is ignored", "delete or rename the extra column"),
    "RET-UNKNOWN-COLUMN": Template(INFO, "column '{value}' is not part of {schema} and was ignored", "remove it, or rename it if it is one of the return's columns"),
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
    "RET-CODE-NOT-ALLOWED": Template(E, "{column} must be one of {allowed}; '{value}' is not{suggestion}", "use one of {allowed}"),
    "RET-OUT-OF-RANGE": Template(E, "{column} must be {expected}; {value} is not", "correct the value ({expected})"),
    "RET-PATTERN": Template(E, "{column} must be {expected}; '{value}' is not", "correct the value ({expected})"),
    "RET-TOO-LONG": Template(E, "{column} is {length} characters long; at most {limit} are allowed", "shorten the text"),
    "RET-DUPLICATE-ID": Template(E, "CLIENTID '{value}' is already used in row {first}", "each client appears once; merge the rows or correct the id"),
    "RET-NHS-NUMBER": Template(E, "CLIENTID '{value}' looks like an NHS number; returns must carry pseudonymised ids only", "replace it with the provider's pseudonymised client id"),
    "RET-DOSE-IMPLAUSIBLE": Template(E, "DOSE_MG {value} is not a plausible {medication} dose ({plausible}); a data-entry error such as mg/ml confusion?", "check the dose against the prescription"),
    "RET-PERIOD-ORDER": Template(E, "PERIOD_END ({value}) is not after PERIOD_START ({other})", "correct the period dates"),
    "RET-PERIOD-TOO-LONG": Template(E, "the period is {days} days long; at most 366 are allowed", "a return covers a quarter or at most a year"),
    "RET-SUBMITTED-BEFORE-END": Template(E, "SUBMITTED_ON ({value}) is before PERIOD_END ({other})", "a return is submitted after its period ends"),
}


def render(rule: str, **values: object) -> tuple[Severity, str, str]:
    """Severity, message and fix of a rule, filled in."""
    template = TEMPLATES[rule]
    return template.severity, template.message.format(**values), template.fix.format(**values)


def render_expr(rule: str, **values: Any) -> tuple[Severity, pl.Expr, pl.Expr]:
    """`render` over a whole frame of hits: each value a constant or an expression (a column of them)."""
    template = TEMPLATES[rule]
    return template.severity, fill(template.message, values), fill(template.fix, values)


def fill(template: str, values: dict[str, Any]) -> pl.Expr:
    """A `str.format` template filled in row by row by polars; a blank expression value fills in as nothing."""
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            value = values[name]
            parts.append(value.cast(pl.String).fill_null("") if isinstance(value, pl.Expr) else pl.lit(str(value)))
    return pl.concat_str(parts) if parts else pl.lit("")
