"""The condition language on its own: each operator, blanks, and the refusals.

Each case evaluates a condition over a small frame with a blank row, so the
three-valued rule in the module docstring (a comparison with a blank is
unknown, unknown is not met, `not` keeps it unknown) is checked directly.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from audit.prescribing.conditions import ConditionError, compile_condition, context_column, contexts_used, describe, fields_used

FRAME = pl.DataFrame({
    "DOSE_MG": [20.0, 60.0, None, 130.0],
    "PREV_DOSE_MG": [10.0, 60.0, 50.0, None],
    "PHASE": ["induction", "maintenance", None, "reduction"],
    "OPIUSE": [0, 3, None, 12],
    "START": [dt.date(2024, 1, 1), dt.date(2024, 3, 1), None, dt.date(2023, 1, 1)],
    "END": [dt.date(2024, 1, 10), dt.date(2024, 3, 1), dt.date(2024, 3, 31), None],
    context_column("PERIOD_END"): [dt.date(2024, 3, 31)] * 4,
})


def met(node: dict, this: str | None = None) -> list[bool]:
    return FRAME.with_columns(compile_condition(node, this).alias("m"))["m"].to_list()


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("<", 60, [True, False, False, False]),
    ("<=", 60, [True, True, False, False]),
    (">", 60, [False, False, False, True]),
    (">=", 60, [False, True, False, True]),
    ("==", 60, [False, True, False, False]),
    ("!=", 60, [True, False, False, True]),
])
def test_each_comparison_and_a_blank_is_not_met(op, value, expected):
    assert met({"field": "DOSE_MG", "op": op, "value": value}) == expected


def test_compare_with_another_column_is_unknown_when_either_side_is_blank():
    assert met({"field": "DOSE_MG", "op": ">", "ref": "PREV_DOSE_MG"}) == [True, False, False, False]
    assert met({"field": "DOSE_MG", "op": "==", "ref": "PREV_DOSE_MG"}) == [False, True, False, False]


def test_minus_in_days_and_context_values():
    days = {"field": "$PERIOD_END", "minus": "START", "unit": "days", "op": ">", "value": 60}
    assert met(days) == [True, False, False, True]
    assert met({"field": "END", "minus": "START", "unit": "days", "op": "==", "value": 9}) == [True, False, False, False]
    assert contexts_used(days) == {"$PERIOD_END"}
    assert fields_used(days) == {"START"}


def test_minus_of_numbers():
    assert met({"field": "DOSE_MG", "minus": "PREV_DOSE_MG", "op": ">", "value": 5}) == [True, False, False, False]


def test_in_and_not_in_take_a_list_and_are_unknown_on_a_blank():
    assert met({"field": "PHASE", "op": "in", "value": ["induction", "reduction"]}) == [True, False, False, True]
    assert met({"field": "PHASE", "op": "not_in", "value": ["induction", "reduction"]}) == [False, True, False, False]
    assert met({"field": "OPIUSE", "op": "in", "value": [0, 12]}) == [True, False, False, True]


def test_in_over_a_float_column_with_whole_numbers():
    assert met({"field": "DOSE_MG", "op": "in", "value": [20, 130]}) == [True, False, False, True]


def test_in_with_dates():
    assert met({"field": "START", "op": "in", "value": [dt.date(2024, 3, 1)]}) == [False, True, False, False]


def test_is_null_and_not_null_are_never_unknown():
    assert met({"field": "DOSE_MG", "op": "is_null"}) == [False, False, True, False]
    assert met({"field": "DOSE_MG", "op": "not_null"}) == [True, True, False, True]


def test_not_over_a_blank_is_not_met():
    # DOSE_MG > 100 is unknown on the blank row; `not` of unknown stays unknown, so not met
    assert met({"not": {"field": "DOSE_MG", "op": ">", "value": 100}}) == [True, True, False, False]


def test_not_of_a_null_test_is_an_ordinary_negation():
    assert met({"not": {"field": "DOSE_MG", "op": "is_null"}}) == [True, True, False, True]


def test_double_not_gives_back_the_condition():
    inner = {"field": "DOSE_MG", "op": ">", "value": 100}
    assert met({"not": {"not": inner}}) == met(inner)


def test_all_is_false_when_any_part_is_false_even_beside_a_blank():
    node = {"all": [{"field": "DOSE_MG", "op": ">", "value": 0}, {"field": "OPIUSE", "op": ">", "value": 0}]}
    assert met(node) == [False, True, False, True]
    # not(all(...)) is met where a part is false, not where the rest is only unknown
    assert met({"not": {"all": [{"field": "DOSE_MG", "op": ">", "value": 100}, {"field": "PREV_DOSE_MG", "op": ">", "value": 0}]}}) \
        == [True, True, False, False]


def test_any_is_true_when_one_part_is_true_beside_a_blank():
    node = {"any": [{"field": "DOSE_MG", "op": "is_null"}, {"field": "DOSE_MG", "op": ">", "value": 100}]}
    assert met(node) == [False, False, True, True]
    assert met({"any": [{"field": "OPIUSE", "op": ">", "value": 5}, {"field": "PHASE", "op": "==", "value": "induction"}]}) \
        == [True, False, False, True]


def test_empty_all_and_any():
    assert met({"all": []}) == [True] * 4
    assert met({"any": []}) == [False] * 4


def test_underscore_stands_for_the_column_a_rule_is_applied_to():
    node = {"all": [{"field": "_", "op": ">", "ref": "$PERIOD_END"}]}
    assert met(node, this="END") == [False, False, False, False]
    assert met({"field": "_", "op": "<", "value": dt.date(2024, 2, 1)}, this="START") == [True, False, False, True]
    assert fields_used(node, this="END") == {"END"}
    with pytest.raises(ConditionError, match="outside a multi-column rule"):
        compile_condition(node)


@pytest.mark.parametrize(("node", "words"), [
    ({"field": "PHASE", "op": "in", "ref": "OTHER"}, "not a column"),
    ({"field": "PHASE", "op": "in", "value": "induction"}, "non-empty list"),
    ({"field": "OPIUSE", "op": "in", "value": 5}, "non-empty list"),
    ({"field": "PHASE", "op": "not_in", "value": []}, "non-empty list"),
    ({"field": "PHASE", "op": "in", "value": ["a", None]}, "non-empty list"),
    ({"field": "DOSE_MG", "op": ">", "value": [1, 2]}, "one value"),
    ({"field": "DOSE_MG", "op": "==", "value": None}, "is_null"),
    ({"field": "DOSE_MG", "op": ">"}, "value or a ref"),
    ({"field": "DOSE_MG", "op": ">", "value": 1, "ref": "PREV_DOSE_MG"}, "value or a ref"),
    ({"field": "DOSE_MG", "op": "is_null", "value": 1}, "no value"),
    ({"field": "DOSE_MG", "op": "~", "value": 1}, "needs a field and an op"),
    ({"op": ">", "value": 1}, "needs a field and an op"),
    ({"field": "DOSE_MG", "op": ">", "vaule": 1}, "unknown keys"),
    ({"field": "START", "unit": "days", "op": ">", "value": 1}, "`unit` goes with `minus`"),
    ({"field": "END", "minus": "START", "unit": "weeks", "op": ">", "value": 1}, "`unit` goes with `minus`"),
    ({"all": {"field": "DOSE_MG", "op": "is_null"}}, "takes a list"),
    ({"all": [], "field": "DOSE_MG"}, "stands alone"),
    ({"not": ["x"]}, "must be a mapping"),
    ({"field": "PHASE", "op": "in", "value": ["a", 1]}, "mix types"),
])
def test_refusals_are_condition_errors_at_compile_time(node, words):
    with pytest.raises(ConditionError, match=words):
        compile_condition(node)


def test_describe_reads_as_words():
    node = {"all": [{"field": "PHASE", "op": "in", "value": ["maintenance", "stabilisation"]},
                    {"any": [{"field": "ECG_DATE", "op": "is_null"},
                             {"field": "$PERIOD_END", "minus": "ECG_DATE", "unit": "days", "op": ">", "value": 365}]},
                    {"not": {"field": "DOSE_NOTE", "op": "not_null"}}]}
    assert describe(node) == ("PHASE is one of maintenance, stabilisation and (ECG_DATE is blank or "
                              "PERIOD_END - ECG_DATE (days) > 365) and not (DOSE_NOTE is given)")
    assert describe({"all": []}) == "always"
