"""NHS number recognition, vectorised: a return must never carry one."""

from __future__ import annotations

import polars as pl


def nhs_number_mask(text: pl.Expr) -> pl.Expr:
    """True where the text is 10 digits (spaces allowed) passing the modulus-11 check."""
    text = text.cast(pl.String)
    # one regex over every cell; the separators are removed only where it matched (client ids
    # rarely do): stripping them from every cell first cost ten times as much at 100,000 rows
    is_ten = text.str.contains(r"^[ \-]*(?:[0-9][ \-]*){10}$")
    digits = pl.when(is_ten).then(text).str.replace_all(" ", "", literal=True).str.replace_all("-", "", literal=True)
    number = digits.cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(number // 10 ** (9 - i)) % 10 * (10 - i) for i in range(9)])
    check = (11 - total % 11) % 11
    return (is_ten & (check != 10) & (check == number % 10)).fill_null(False)


def is_nhs_number(text: str) -> bool:
    """Scalar form for single values (the Submission sheet, tests)."""
    return bool(pl.select(nhs_number_mask(pl.lit(text))).item())
