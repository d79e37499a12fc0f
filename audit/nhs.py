"""NHS number recognition, vectorised: a return must never carry one."""

from __future__ import annotations

import polars as pl


def nhs_number_mask(text: pl.Expr) -> pl.Expr:
    """True where the text is 10 digits (spaces allowed) passing the modulus-11 check."""
    digits = text.cast(pl.String).str.replace_all(r"[\s-]", "")
    is_ten = digits.str.contains(r"^\d{10}$").fill_null(False)
    safe = pl.when(is_ten).then(digits).otherwise(pl.lit("0000000001"))
    total = pl.sum_horizontal(
        [safe.str.slice(i, 1).cast(pl.Int64) * (10 - i) for i in range(9)]
    )
    check = 11 - (total % 11)
    check = pl.when(check == 11).then(0).otherwise(check)
    last = safe.str.slice(9, 1).cast(pl.Int64)
    return is_ten & (check != 10) & (check == last)


def is_nhs_number(text: str) -> bool:
    """Scalar form for single values (the Submission sheet, tests)."""
    return bool(pl.select(nhs_number_mask(pl.lit(text))).item())
