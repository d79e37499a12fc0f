"""NHS number recognition, vectorised: a return must never carry one, and no output may show one.

The rule, in the order it is applied to an id:

1. The text is put in Unicode NFKC form (full-width and mathematical digits become 0-9,
   a non-breaking or ideographic space becomes a space, `ＮＨＳ` becomes `NHS`).
2. Digits of any script (Unicode class Nd: Arabic-Indic, Devanagari, ...) become 0-9.
3. An optional leading prefix is set aside: `NHS` in any case, optionally followed by
   `No`, `Nr`, `Num` or `Number`, with any separators around them (`NHS No: `, `nhs#`).
4. What is left must be exactly ten digits and otherwise only separators: characters that
   are neither letters nor numbers (spaces, dashes, dots, slashes, brackets, colons, zero-width
   and other format characters, of any Unicode class).
5. The ten digits pass the modulus-11 check (the check digit is not 10).

So `943 476 5919`, `943.476.5919`, `NHS No: 943-476-5919` and `９４３４７６５９１９` are NHS
numbers; `AB9434765919X`, `TS-9434765919` or `9434765919 (old)` are not: an id with any letter
outside the prefix is a pseudonym, whatever digits it holds. Everything that shows or blanks
client ids (validation, dose findings, reports) uses `nhs_number_mask`, so the rule lives here only.
"""

from __future__ import annotations

from functools import cache

import polars as pl

# The zero of every run of ten Unicode decimal digits (class Nd; Unicode 14, Python 3.11). Unicode
# keeps each script's digits contiguous, zero first; a test keeps this list equal to unicodedata's.
DIGIT_ZEROS = (0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6,
               0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0,
               0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10, 0x104A0, 0x10D30,
               0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0,
               0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC,
               0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0)

SEPARATOR = r"[^\p{L}\p{N}]"
PREFIX = rf"(?i:{SEPARATOR}*nhs(?:{SEPARATOR}*(?:number|num|nr|no))?)"
SHAPE = rf"^{PREFIX}?{SEPARATOR}*(?:[0-9]{SEPARATOR}*){{10}}$"


def nhs_digits(text: pl.Expr) -> pl.Expr:
    """The ten digits of an id that is an NHS number by the rule above; null for any other id."""
    return text.cast(pl.String).map_batches(_nhs_digits, return_dtype=pl.String, is_elementwise=True)


def _nhs_digits(text: pl.Series) -> pl.Series:
    """`nhs_digits` over a whole column: only the few cells that can be NHS numbers are worked on.

    Those are the cells that already have the shape of one and the non-ASCII ones (which may get it
    once normalised: steps 1 and 2 change ASCII text in no way). The rest stay null, so a column of
    100,000 pseudonyms costs two scans, and the small queries that mask findings' values stay cheap.
    """
    t = pl.col("t")
    wide = t.str.len_bytes() != t.str.len_chars()
    possible = wide | t.str.contains(SHAPE)
    frame = text.rename("t").to_frame()  # one query a step: each Series method is a query of its own
    out = text.clear(len(text))  # all null
    if not frame.select(possible.any()).item():
        return out
    candidates = frame.with_row_index("i").filter(possible)
    if candidates.select(wide.any()).item():
        candidates = candidates.with_columns(pl.when(wide).then(_ascii_digits(t.str.normalize("NFKC"))).otherwise(t))
    digits = (candidates.lazy().filter(t.str.contains(SHAPE)).with_columns(t.str.replace_all(r"[^0-9]", ""))
              .filter(_check_digit_fits(t)).collect())
    return out.scatter(digits["i"], digits["t"])


def _ascii_digits(text: pl.Expr) -> pl.Expr:
    """Step 2: each character that is a decimal digit of another script as its ASCII digit (0-9)."""
    others, ascii_digits = _digit_table()
    return text.str.split("").list.eval(pl.element().replace(others, ascii_digits)).list.join("")


@cache
def _digit_table() -> tuple[pl.Series, pl.Series]:
    """Every non-ASCII decimal digit and its ASCII digit, made once."""
    return (pl.Series([chr(zero + d) for zero in DIGIT_ZEROS[1:] for d in range(10)], dtype=pl.String),
            pl.Series([str(d) for _ in DIGIT_ZEROS[1:] for d in range(10)], dtype=pl.String))


def _check_digit_fits(digits: pl.Expr) -> pl.Expr:
    """Modulus 11 over ten-digit texts.

    With weights 10..2 on the first nine digits and 1 on the check digit, the sum is a multiple of
    11 exactly when the check digit is right (a required check digit of 10 cannot be met).
    """
    number = digits.cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(number // 10 ** (9 - i)) % 10 * (10 - i) for i in range(10)])
    return total % 11 == 0


def nhs_number_mask(text: pl.Expr) -> pl.Expr:
    """True where the text is an NHS number by the rule above."""
    return nhs_digits(text).is_not_null()


def masked(text: pl.Expr) -> pl.Expr:
    """The text, or for an NHS number its first two and last two digits around asterisks (`94******19`)."""
    # one function of the column, so the text (often itself an expression, `shown`) is made once
    return text.cast(pl.String).map_batches(_masked, return_dtype=pl.String, is_elementwise=True)


def _masked(text: pl.Series) -> pl.Series:
    digits = _nhs_digits(text)
    if digits.null_count() == len(digits):
        return text
    return (pl.DataFrame([digits.rename("d"), text.rename("t")])
            .select(pl.coalesce(pl.col("d").str.replace(r"^(\d\d)\d{6}(\d\d)$", "${1}******${2}"), pl.col("t")))
            .to_series().rename(text.name))


def is_nhs_number(text: str) -> bool:
    """Scalar form for single values (tests, one-off checks); never call it once per finding."""
    return bool(pl.select(nhs_number_mask(pl.lit(text, dtype=pl.String))).item())
