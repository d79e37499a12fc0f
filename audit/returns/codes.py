"""NDTMS codes beside the return's labels, and the outcome class of a discharge.

Case-management systems export NDTMS codes (a discharge reason `81`, a drug
`1105`) where the return has labels. The schema lists, once, which code
stands for which label (`ndtms:`) and each discharge reason's outcome class;
this module turns those into whole-column expressions. Codes are matched
exactly (after trimming, and `81.0` from a number cell reads as `81`); labels
keep the forgiving matching of `coerce.as_code`.
"""

from __future__ import annotations

import polars as pl

from audit.returns.coerce import Coerced, as_code
from audit.returns.schema import ReturnSchema, load_schema


def as_code_or_ndtms(text: pl.Expr, allowed: list[str], aliases: dict[str, str]) -> Coerced:
    """A label as `as_code` reads it, or an NDTMS code read as its label with an information note."""
    label = as_code(text, allowed)
    if not aliases:
        return label
    code = text.str.strip_chars().str.replace(r"^(\d+)\.0+$", "${1}")
    from_code = code.replace_strict(aliases, default=None, return_dtype=pl.String)
    note = pl.when(from_code.is_not_null()).then(pl.lit("RET-CODE-NDTMS")).otherwise(label.note)
    return Coerced(pl.coalesce(from_code, label.value), label.error, label.hint, note)


def discharge_outcome(disrsn: pl.Expr, schema: ReturnSchema | None = None) -> pl.Expr:
    """`successful`, `neutral` or `unsuccessful` for a (validated) DISRSN label; null when blank or unknown."""
    outcomes = (schema or load_schema()).column("DISRSN").outcomes
    return disrsn.replace_strict(outcomes, default=None, return_dtype=pl.String)
