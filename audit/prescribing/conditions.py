"""A small condition language, kept as data, compiled to polars expressions.

Guideline rule files and the schema's cross-field rules both use it, so a rule
is read by a commissioner in YAML and evaluated over a whole sheet at once.

    {all: [cond, ...]}  {any: [cond, ...]}  {not: cond}
    {field: F, op: OP, value: V}      compare a column with a constant
    {field: F, op: OP, ref: G}        compare with another column
    {field: F, op: in, value: [V, ...]}      F is one of the listed values
    {field: F, minus: G, op: OP, value: V}   (F - G) OP V
    {field: F, minus: G, unit: days, ...}    the same for dates, in days
    OP: < <= > >= == != in not_in is_null not_null

A name starting with `$` is a value of the return as a whole (`$PERIOD_END`,
`$AS_OF`, ...), supplied as a context column. `_` stands for the column a
multi-column rule is being applied to.

Blanks: a comparison that reads a blank cell (including `in` and `not_in`)
is unknown, neither true nor false, and so is `not` of an unknown. `all` is
false as soon as one part is false and unknown if a part is unknown; `any` is
true as soon as one part is true. A condition that ends unknown is not met.
So a rule never fires on a blank unless it asks `is_null`: `{not: {field:
DOSE_MG, op: ">", value: 30}}` is not met when DOSE_MG is blank. `is_null` and
`not_null` are never unknown.
"""

from __future__ import annotations

import datetime as dt
import operator
from typing import Any

import polars as pl

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
            "==": operator.eq, "!=": operator.ne}
_MEMBERSHIP = ("in", "not_in")
_NULL_TESTS = ("is_null", "not_null")
OPS = set(_COMPARE) | set(_MEMBERSHIP) | set(_NULL_TESTS)
_LEAF_KEYS = {"field", "op", "value", "ref", "minus", "unit"}
_UNITS = ("days",)


class ConditionError(ValueError):
    """A rule file whose condition cannot be understood."""


def context_column(name: str) -> str:
    """Column name that carries a `$NAME` context value."""
    return "__ctx_" + name.lstrip("$")


def compile_condition(node: dict[str, Any], this: str | None = None) -> pl.Expr:
    """Compile to a boolean expression, true only where the condition is met (unknown counts as not met)."""
    return _compile(node, this).fill_null(False)


def _compile(node: dict[str, Any], this: str | None) -> pl.Expr:
    """Three-valued: null where the answer depends on a blank."""
    if not isinstance(node, dict):
        raise ConditionError(f"a condition must be a mapping, not {node!r}")
    for key in ("all", "any", "not"):
        if key in node:
            if len(node) != 1:
                raise ConditionError(f"`{key}` stands alone in its condition, not with {sorted(set(node) - {key})}: {node!r}")
            if key == "not":
                return ~_compile(node["not"], this)
            parts = node[key]
            if not isinstance(parts, list):
                raise ConditionError(f"`{key}` takes a list of conditions, not {parts!r}")
            exprs = [_compile(n, this) for n in parts]
            if not exprs:
                return pl.lit(key == "all")
            return pl.all_horizontal(exprs) if key == "all" else pl.any_horizontal(exprs)
    return _leaf(node, this)


def _leaf(node: dict[str, Any], this: str | None) -> pl.Expr:
    unknown = set(node) - _LEAF_KEYS
    op = node.get("op")
    if unknown:
        raise ConditionError(f"condition {node!r} has unknown keys {sorted(unknown)}")
    if op not in OPS or not isinstance(node.get("field"), str):
        raise ConditionError(f"condition {node!r} needs a field and an op from {sorted(OPS)}")
    if "unit" in node and (node["unit"] not in _UNITS or "minus" not in node):
        raise ConditionError(f"condition {node!r}: `unit` goes with `minus` and is one of {list(_UNITS)}")
    left = _operand(node, this)
    if op in _NULL_TESTS:
        if "value" in node or "ref" in node:
            raise ConditionError(f"condition {node!r}: `{op}` takes no value or ref")
        return left.is_null() if op == "is_null" else left.is_not_null()
    if ("value" in node) == ("ref" in node):
        raise ConditionError(f"condition {node!r} needs a value or a ref (one of them)")
    if op in _MEMBERSHIP:
        return _membership(node, op, left)
    if "ref" in node:
        if not isinstance(node["ref"], str):
            raise ConditionError(f"condition {node!r}: `ref` names one column")
        right = _col(node["ref"], this)
    else:
        if node["value"] is None or isinstance(node["value"], (list, dict)):
            raise ConditionError(f"condition {node!r}: `{op}` compares with one value (use is_null for blanks, `in` for a list)")
        right = _literal(node["value"])
    return _COMPARE[op](left, right)


def _membership(node: dict[str, Any], op: str, left: pl.Expr) -> pl.Expr:
    values = node.get("value")
    if "ref" in node:
        raise ConditionError(f"condition {node!r}: `{op}` compares with a list `value`, not a column (`ref`)")
    if not isinstance(values, list) or not values or any(v is None or isinstance(v, (list, dict)) for v in values):
        raise ConditionError(f"condition {node!r}: `{op}` takes a non-empty list of values, e.g. value: [C, P]")
    _one_type(values)
    # an equality per value: the same casting and blank handling as `==` (is_in needs the column's dtype)
    found = pl.any_horizontal([left == _literal(v) for v in values])
    return found if op == "in" else ~found


def _one_type(values: list[Any]) -> None:
    kinds = {"date" if isinstance(v, dt.date) else "number" if isinstance(v, (int, float)) and not isinstance(v, bool)
             else type(v).__name__ for v in values}
    if len(kinds) > 1:
        raise ConditionError(f"the values {values!r} mix types")


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


def _literal(value: Any) -> pl.Expr:
    if isinstance(value, dt.date):
        return pl.lit(value, dtype=pl.Date)
    return pl.lit(value)


def fields_used(node: dict[str, Any], this: str | None = None) -> set[str]:
    """Column names a condition reads (context values excluded)."""
    return {this if name == "_" else name for name in _names(node) if not name.startswith("$")} - {None}  # type: ignore[misc]


def contexts_used(node: dict[str, Any]) -> set[str]:
    """Return-wide values a condition reads (`$PERIOD_END`, ...)."""
    return {name for name in _names(node) if name.startswith("$")}


def _names(node: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for key in ("all", "any"):
        for child in node.get(key, ()):
            out |= _names(child)
    if "not" in node:
        out |= _names(node["not"])
    for key in ("field", "minus", "ref"):
        name = node.get(key)
        if isinstance(name, str):
            out.add(name)
    return out


def describe(node: dict[str, Any]) -> str:
    """The condition in words, for `ost-audit rules` and reports."""
    if "all" in node:
        return " and ".join(_wrap(describe(n), n) for n in node["all"]) or "always"
    if "any" in node:
        return " or ".join(_wrap(describe(n), n) for n in node["any"]) or "never"
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
    if op in _MEMBERSHIP:
        words = "is one of" if op == "in" else "is not one of"
        return f"{left} {words} {', '.join(map(str, right))}"
    return f"{left} {op} {right}"


def _wrap(text: str, node: dict[str, Any]) -> str:
    return f"({text})" if ("all" in node or "any" in node) else text
