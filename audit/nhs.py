"""NHS number recognition, vectorised: a return must never carry one."""

from __future__ import annotations

import polars as pl


def nhs_number_mask(text: pl.Expr) -> pl.Expr:
    """True where the text is 10 digits (spaces allowed) passing the modulus-11 check."""
    digits = text.cast(pl.String).str.replace_all(" ", "", literal=True).str.replace_all("-", "", literal=True)
    is_ten = (digits.str.len_bytes() == 10) & digits.str.contains(r"^\d{10}$")
    number = pl.when(is_ten).then(digits.cast(pl.Int64, strict=False))
    total = pl.sum_horizontal([(number // 10 ** (9 - i)) % 10 * (10 - i) for i in range(9)])
    check = (11 - total % 11) % 11
    return (is_ten & (check != 10) & (check == number % 10)).fill_null(False)


def is_nhs_number(text: str) -> bool:
    """Scalar form for single values (the Submission sheet, tests)."""
    return bool(pl.select(nhs_number_mask(pl.lit(text))).item())
