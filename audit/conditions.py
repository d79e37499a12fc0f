"""A small condition language, kept as data, compiled to polars expressions.

Guideline rule files and the schema's cross-field rules both use it, so a rule
is read by a commissioner in YAML and evaluated over a whole sheet at once.

    {all: [cond, ...]}  {any: [cond, ...]}  {not: cond}
    {field: F, op: OP, value: V}      compare a column with a constant
    {field: F, op: OP, ref: G}        compare with another column
    {field: F, minus: G, op: OP, value: V}   (F - G) OP V
    {field: F, minus: G, unit: days, ...}    the same for dates, in days
    OP: < <= > >= == != in not_in is_null not_null

A name starting with `$` is a value of the return as a whole (`$PERIOD_END`,
`$AS_OF`, ...), supplied as a context column. `_` stands for the column a
multi-column rule is being applied to. Comparisons with a blank are false.
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any

import polars as pl

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}
OPS = set(_COMPARE) | {"in", "not_in", "is_null", "not_null"}


class ConditionError(ValueError):
    """A rule file whose condition cannot be understood."""


def context_column(name: str) -> str:
    """Column name that carries a `$NAME` context value."""
    return "__ctx_" + name.lstrip("$")


def _col(name: str, this: str | None) -> pl.Expr:
    if name == "_":
        if this is None:
            raise ConditionError("`_` used outside a multi-column rule")
        name = this
    return pl.col(context_column(name) if name.startswith("$") else name)


def _operand(node: dict[str, Any], this: str | None) -> pl.Expr:
    expr = _col(node["field"], this)
    if "minus" in node:
        expr = expr - _col(node["minus"], this)
        if node.get("unit") == "days":
            expr = expr.dt.total_days()
    return expr


def compile_condition(node: dict[str, Any], this: str | None = None) -> pl.Expr:
    """Compile to a boolean expression where null (blank) means false."""
    return _compile(node, this).fill_null(False)


def _compile(node: dict[str, Any], this: str | None) -> pl.Expr:
    if not isinstance(node, dict):
        raise ConditionError(f"a condition must be a mapping, not {node!r}")
    if "all" in node:
        parts = [compile_condition(n, this) for n in node["all"]]
        return pl.all_horizontal(parts) if parts else pl.lit(True)
    if "any" in node:
        parts = [compile_condition(n, this) for n in node["any"]]
        return pl.any_horizontal(parts) if parts else pl.lit(False)
    if "not" in node:
        return ~compile_condition(node["not"], this)
    op = node.get("op")
    if op not in OPS or "field" not in node:
        raise ConditionError(f"condition {node!r} needs a field and an op from {sorted(OPS)}")
    left = _operand(node, this)
    if op == "is_null":
        return left.is_null()
    if op == "not_null":
        return left.is_not_null()
    if "ref" in node:
        right = _col(node["ref"], this)
    elif "value" in node:
        right = _literal(node["value"])
    else:
        raise ConditionError(f"condition {node!r} needs a value or a ref")
    if op == "in":
        return left.is_in(list(node["value"]))
    if op == "not_in":
        return ~left.is_in(list(node["value"]))
    return _COMPARE[op](left, right)


def _literal(value: Any) -> pl.Expr:
    if isinstance(value, dt.date):
        return pl.lit(value, dtype=pl.Date)
    return pl.lit(value)


def fields_used(node: dict[str, Any], this: str | None = None) -> set[str]:
    """Column names a condition reads (context values excluded)."""
    out: set[str] = set()
    for key in ("all", "any"):
        for child in node.get(key, ()):
            out |= fields_used(child, this)
    if "not" in node:
        out |= fields_used(node["not"], this)
    for key in ("field", "minus", "ref"):
        name = node.get(key)
        if isinstance(name, str) and not name.startswith("$"):
            out.add(this if name == "_" else name)
    out.discard(None)  # type: ignore[arg-type]
    return out


def contexts_used(node: dict[str, Any]) -> set[str]:
    """Return-wide values a condition reads (`$PERIOD_END`, ...)."""
    out: set[str] = set()
    for key in ("all", "any"):
        for child in node.get(key, ()):
            out |= contexts_used(child)
    if "not" in node:
        out |= contexts_used(node["not"])
    for key in ("field", "minus", "ref"):
        name = node.get(key)
        if isinstance(name, str) and name.startswith("$"):
            out.add(name)
    return out


def describe(node: dict[str, Any]) -> str:
    """The condition in words, for `ost-audit rules` and reports."""
    if "all" in node:
        return " and ".join(_wrap(describe(n), n) for n in node["all"])
    if "any" in node:
        return " or ".join(_wrap(describe(n), n) for n in node["any"])
    if "not" in node:
        return f"not ({describe(node['not'])})"
    left = node["field"].lstrip("$")
    if "minus" in node:
        left = f"{left} - {node['minus'].lstrip('$')}"
        if node.get("unit") == "days":
            left += " (days)"
    op = node["op"]
    if op == "is_null":
        return f"{left} is blank"
    if op == "not_null":
        return f"{left} is given"
    right = node["ref"].lstrip("$") if "ref" in node else node.get("value")
    if op in ("in", "not_in"):
        words = "is one of" if op == "in" else "is not one of"
        return f"{left} {words} {', '.join(map(str, right))}"
    return f"{left} {op} {right}"


def _wrap(text: str, node: dict[str, Any]) -> str:
    return f"({text})" if ("all" in node or "any" in node) else text
