"""The kinds of column check, each defined once.

Like frictionless-py's checks: one class per kind, naming the rule it raises.
Each knows when a column has it, its pandera check, its message and fix, its
words for the docs table and template comments, how to turn pandera's failure
cases into the fields of its message, and its Excel data validation. The
schema, validator, template and docs read `CHECKS`; pandera failures come back
to their check by its unique name, never by position.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl

from audit.findings import Severity

if TYPE_CHECKING:
    from audit.returns.schema import Field


@dataclass(frozen=True)
class Template:
    severity: Severity
    message: str
    fix: str


E = Severity.ERROR
OUT_OF_RANGE = Template(E, "{column} must be {expected}; {value} is not", "correct the value ({expected})")


def _num(x: float) -> str:
    return f"{x:g}"


class ColumnCheck:
    """One kind of check on a column's cells. Subclasses set `name` (unique), `rule` and `template`."""

    name: ClassVar[str]
    rule: ClassVar[str]
    template: ClassVar[Template]
    outranks: ClassVar[bool] = False  # when it fails, a cell's other failed checks are not reported: they say less

    def applies(self, f: Field) -> bool:
        raise NotImplementedError

    def words(self, f: Field) -> str:
        """The rule in words, for docs and template comments ("" for none)."""
        return ""

    def pandera(self, f: Field) -> Any:
        """The pandera check, or None when a column option carries it (see `column_options`)."""
        raise NotImplementedError

    def column_options(self, f: Field) -> dict[str, Any]:
        return {}

    def failure_name(self) -> str:
        """What pandera writes in a failure case's `check` column for this check."""
        return self.name

    def message_fields(self, part: pl.DataFrame, f: Field, value: pl.Expr) -> tuple[pl.DataFrame, dict[str, Any]]:
        """The failure cases to report and the fields of their message (`value`, `client` and the template's own).

        `part` has `failure_case`, `_row`, `_c` (the client as shown) and `<column>__failed`; `value` is the
        failure case as a person typed it.
        """
        return part, {"value": value, "client": pl.col("_c"), "expected": self.words(f).replace("`", "")}  # this check's rule, not the column's every rule

    def excel(self, f: Field) -> dict[str, Any] | None:
        """openpyxl DataValidation arguments, or None when Excel cannot check this; `lists` cells are filled
        by the template for list validations."""
        return None

    def _named(self, check_factory: Any, *args: Any, **kwargs: Any) -> Any:
        return check_factory(*args, name=self.name, error=self.name, **kwargs)


class Allowed(ColumnCheck):
    name, rule = "allowed", "RET-CODE-NOT-ALLOWED"
    template = Template(E, "{column} must be one of {allowed}; '{value}' is not{suggestion}", "use one of {allowed}")

    def applies(self, f: Field) -> bool:
        return f.type in ("code", "yn")

    def words(self, f: Field) -> str:
        return "one of " + f.allowed_words()

    def pandera(self, f: Field) -> Any:
        import pandera.polars as pa

        return self._named(pa.Check.isin, f.allowed_values)

    def message_fields(self, part, f, value):
        part = part.join(suggestions(part["failure_case"], f.allowed_values, f.codes), on="failure_case", how="left")
        return part, {"value": value, "client": pl.col("_c"), "allowed": f.allowed_words(), "suggestion": pl.col("_suggestion")}

    def excel(self, f: Field) -> dict[str, Any] | None:
        return {"type": "list", "values": f.allowed_values}


class Exactly(Allowed):
    """A fixed text (the Submission sheet's SCHEMA_VERSION)."""

    name = "exactly"

    def applies(self, f: Field) -> bool:
        return bool(f.allowed) and f.type == "text"

    def words(self, f: Field) -> str:
        return "exactly " + ", ".join(f"`{a}`" for a in f.allowed)

    def pandera(self, f: Field) -> Any:
        import pandera.polars as pa

        return self._named(pa.Check.isin, list(f.allowed))


class Pattern(ColumnCheck):
    name, rule = "pattern", "RET-PATTERN"
    template = Template(E, "{column} must be {expected}; '{value}' is not", "correct the value ({expected})")

    def applies(self, f: Field) -> bool:
        return bool(f.pattern)

    def words(self, f: Field) -> str:
        return f.pattern_hint or ""

    def pandera(self, f: Field) -> Any:
        import pandera.polars as pa

        return self._named(pa.Check.str_matches, f.pattern)


class GreaterThan(ColumnCheck):
    name, rule, template = "greater_than", "RET-OUT-OF-RANGE", OUT_OF_RANGE

    def applies(self, f: Field) -> bool:
        return f.exclusive_min is not None

    def words(self, f: Field) -> str:
        return f"> {_num(f.exclusive_min)}"

    def pandera(self, f: Field) -> Any:
        import pandera.polars as pa

        return self._named(pa.Check.gt, f.exclusive_min)

    def excel(self, f: Field) -> dict[str, Any] | None:
        return {"type": "decimal", "operator": "greaterThan", "formula1": _num(f.exclusive_min)}


class Range(ColumnCheck):
    name, rule, template = "range", "RET-OUT-OF-RANGE", OUT_OF_RANGE

    def applies(self, f: Field) -> bool:
        return f.min is not None or f.max is not None

    def words(self, f: Field) -> str:
        if f.min is not None and f.max is not None:
            return f"{_num(f.min)}-{_num(f.max)}"
        return f">= {_num(f.min)}" if f.min is not None else ""

    def pandera(self, f: Field) -> Any:
        import pandera.polars as pa

        lo = f.min if f.min is not None else float("-inf")
        hi = f.max if f.max is not None else float("inf")
        return self._named(pa.Check.in_range, lo, hi)

    def excel(self, f: Field) -> dict[str, Any] | None:
        if f.type == "integer":
            return whole_numbers(f)
        if f.min is not None and f.max is not None:
            return {"type": "decimal", "operator": "between", "formula1": _num(f.min), "formula2": _num(f.max)}
        return {"type": "decimal", "operator": "greaterThanOrEqual", "formula1": _num(f.min if f.min is not None else 0)}


class Length(ColumnCheck):
    name, rule = "length", "RET-TOO-LONG"
    template = Template(E, "{column} is {length} characters long; at most {limit} are allowed", "shorten the text")

    def applies(self, f: Field) -> bool:
        return bool(f.max_length)

    def words(self, f: Field) -> str:
        return f"up to {f.max_length} characters"

    def pandera(self, f: Field) -> Any:
        import pandera.polars as pa

        return self._named(pa.Check.str_length, max_value=f.max_length)

    def message_fields(self, part, f, value):
        return part, {"value": value, "client": pl.col("_c"), "length": pl.col("failure_case").str.len_chars(),
                      "limit": f.max_length}

    def excel(self, f: Field) -> dict[str, Any] | None:
        return {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(f.max_length), "allow_blank": True}


class Unique(ColumnCheck):
    name, rule = "unique", "RET-DUPLICATE-ID"
    template = Template(E, "CLIENTID '{value}' is already used in row {first}", "each client appears once; merge the rows or correct the id")

    def applies(self, f: Field) -> bool:
        return f.unique

    def words(self, f: Field) -> str:
        return "unique in the sheet"

    def pandera(self, f: Field) -> Any:
        return None

    def column_options(self, f: Field) -> dict[str, Any]:
        return {"unique": True}

    def failure_name(self) -> str:
        return "field_uniqueness"

    def message_fields(self, part, f, value):
        from audit.returns.nhs import masked

        # the first row keeps the id; each later row is the fault
        part = part.with_columns(first=pl.col("_row").min().over("failure_case")).filter(pl.col("_row") != pl.col("first"))
        return part, {"value": masked(pl.col("failure_case")), "client": pl.col("_c"), "first": pl.col("first")}


class NotNhsNumber(ColumnCheck):
    name, rule = "nhs_number", "RET-NHS-NUMBER"
    outranks = True  # "401 023 2137" fails the id pattern too: one error, the one that says what it is
    template = Template(E, "CLIENTID '{value}' looks like an NHS number; returns must carry pseudonymised ids only",
                        "replace it with the provider's pseudonymised client id")

    def applies(self, f: Field) -> bool:
        return f.not_nhs_number

    def words(self, f: Field) -> str:
        return "never an NHS number"

    def pandera(self, f: Field) -> Any:
        import pandera.polars as pa

        from audit.returns.nhs import nhs_number_mask

        return pa.Check(lambda data: data.lazyframe.select(~nhs_number_mask(pl.col(data.key))), name=self.name, error=self.name)

    def message_fields(self, part, f, value):
        from audit.returns.nhs import masked

        return part, {"value": masked(pl.col("failure_case")), "client": None}


def whole_numbers(f: Field) -> dict[str, Any]:
    lo = int(f.min) if f.min is not None else 0
    hi = int(f.max) if f.max is not None else 1_000_000
    return {"type": "whole", "operator": "between", "formula1": str(lo), "formula2": str(hi)}


# In the order their words appear in the docs; the order means nothing else.
CHECKS: list[ColumnCheck] = [Allowed(), Exactly(), Pattern(), GreaterThan(), Range(), Length(), Unique(), NotNhsNumber()]


def register(check: ColumnCheck) -> None:
    """Add a kind of check; its name must be new (failures are matched back by it)."""
    if any(c.name == check.name for c in CHECKS):
        raise ValueError(f"a check named {check.name} is already registered")
    CHECKS.append(check)
    _clear_caches()


def unregister(check: ColumnCheck) -> None:
    CHECKS.remove(check)
    _clear_caches()


def _clear_caches() -> None:
    from audit.returns.schema import pandera_schema

    pandera_schema.cache_clear()


def checks_of(f: Field) -> list[ColumnCheck]:
    return [c for c in CHECKS if c.applies(f)]


def by_failure_name() -> dict[str, ColumnCheck]:
    return {c.failure_name(): c for c in CHECKS}


def templates() -> dict[str, Template]:
    """Each check's rule and its message template."""
    return {c.rule: c.template for c in CHECKS}


def suggest(value: str, allowed: list[str], meanings: dict[str, str] | None = None) -> str:
    """` (did you mean `maintenance`?)` when one allowed value is close, or (` (did you mean `M`, male?)`) when
    the value is a code's meaning written out ("Male") or names one meaning only ("drug free")."""
    lowered = {a.lower(): a for a in allowed}
    typed = value.strip().lower()
    close = difflib.get_close_matches(typed, list(lowered), n=1, cutoff=0.6)
    if close:
        return f" (did you mean `{lowered[close[0]]}`?)"
    by_meaning = {m.lower(): code for code, m in (meanings or {}).items() if code in allowed}
    close = difflib.get_close_matches(typed, list(by_meaning), n=1, cutoff=0.8)
    within = [code for m, code in by_meaning.items() if len(typed) >= 4 and typed in m]
    code = by_meaning[close[0]] if close else within[0] if len(within) == 1 else None
    if code is None:
        return ""
    said = "" if _plain(meanings[code]) in _plain(code) else f", {meanings[code]}"  # a label that says its meaning already
    return f" (did you mean `{code}`{said}?)"


def _plain(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


SUGGESTED = 1000


def suggestions(values: pl.Series, allowed: list[str], meanings: dict[str, str] | None = None) -> pl.DataFrame:
    """` (did you mean `x`?)` for each distinct unknown code, the most frequent first.

    difflib runs once per distinct value, never per cell, and for at most SUGGESTED values of a
    plausible length: a hostile column of 100,000 different strings gets no suggestions beyond them.
    """
    longest = max((len(a) for a in [*allowed, *(meanings or {}).values()]), default=0) * 2 + 2
    distinct = (values.value_counts(sort=True).filter(pl.col(values.name).str.len_chars() <= longest)
                .head(SUGGESTED)[values.name].to_list())
    return pl.DataFrame({values.name: distinct, "_suggestion": [suggest(v, allowed, meanings) for v in distinct]},
                        schema={values.name: pl.String, "_suggestion": pl.String})
