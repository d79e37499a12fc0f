"""NHS numbers in any of the forms people type them are recognised, and never shown."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata

import polars as pl
import pytest
from builders import client, write_return
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.returns.nhs import DIGIT_ZEROS, masked, nhs_number_mask

VALID = "9434765919"  # the NHS's published example


def reference(text: str | None) -> bool:
    """The rule of audit/returns/nhs.py written plainly, one character at a time."""
    if text is None:
        return False
    chars = [str(unicodedata.decimal(c)) if c.isdecimal() else c for c in unicodedata.normalize("NFKC", text)]
    text = "".join(chars)

    def separator(c: str) -> bool:
        return unicodedata.category(c)[0] not in "LN"

    i = 0
    while i < len(text) and separator(text[i]):
        i += 1
    if text[i:i + 3].lower() == "nhs":
        i += 3
        j = i
        while j < len(text) and separator(text[j]):
            j += 1
        for word in ("number", "num", "nr", "no"):
            if text[j:j + len(word)].lower() == word:
                i = j + len(word)
                break
    else:
        i = 0
    rest = text[i:]
    digits = [c for c in rest if c in "0123456789"]
    if len(digits) != 10 or any(not separator(c) and c not in "0123456789" for c in rest):
        return False
    return sum(int(d) * (10 - k) for k, d in enumerate(digits)) % 11 == 0


def mask_of(values: list[str | None]) -> list[bool]:
    return pl.DataFrame({"c": values}, schema={"c": pl.String}).select(nhs_number_mask(pl.col("c")))["c"].to_list()


def test_digit_zeros_are_unicodes_own():
    computed = tuple(c for c in range(0x30, 0x20000) if unicodedata.decimal(chr(c), -1) == 0)
    assert DIGIT_ZEROS == computed


@pytest.mark.parametrize("text", [
    "9434765919", "943 476 5919", "943-476-5919", "943\u00a0476\u00a05919", "943.476.5919", "943\u2009476\u20095919",
    "943\u2013476\u20145919", "943\u200b476\u200b5919", "\u3000943 476 5919\u3000", "(943) 476/5919",
    "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # full-width
    "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",  # Arabic-Indic
    "\u096f\u096a\u0969\u096a\u096d\u096c\u096b\u096f\u0967\u096f",  # Devanagari
    "NHS 9434765919", "nhs9434765919", "NHS No: 943 476 5919", "NHS no. 943-476-5919", "NHS Number 943 476 5919",
    "NHS#9434765919", "\uff2e\uff28\uff33 \uff2e\uff4f\uff1a 943 476 5919",
])
def test_forms_of_an_nhs_number(text):
    assert mask_of([text]) == [True] == [reference(text)]


@pytest.mark.parametrize("text", [
    "AB9434765919X", "TS-9434765919", "9434765919 (old)", "ID 9434765919", "No: 9434765919", "NHSX9434765919",
    "9434765918", "94347659190", "943476591", "NHS", "", "nhs no", "9434765919a",
])
def test_not_nhs_numbers(text):
    assert mask_of([text]) == [False] == [reference(text)]


SEPARATORS = st.characters(categories=["Zs", "Pd", "Po", "Ps", "Pe", "Cf", "Pc", "Sm"], exclude_characters="\x00")
SCRIPTS = st.sampled_from(DIGIT_ZEROS)


@st.composite
def nhs_like(draw) -> str:
    """Ten digits (maybe a valid number), each in some script, separators and maybe a prefix or a letter between."""
    digits = draw(st.lists(st.integers(0, 9), min_size=9, max_size=9))
    check = (11 - sum(d * (10 - k) for k, d in enumerate(digits)) % 11) % 11
    digits.append(check % 10 if draw(st.booleans()) else draw(st.integers(0, 9)))
    out = draw(st.sampled_from(["", "NHS", "nhs no", "NHS Number:", "ＮＨＳ", "No ", "AB"]))
    for d in digits:
        out += chr(draw(SCRIPTS) + d) + draw(st.text(SEPARATORS, max_size=2))
    return out + draw(st.sampled_from(["", "", "X", " ", "\u00a0"]))


# unassigned code points are left out: polars's Unicode tables may be newer than Python's
ANY_TEXT = st.text(st.characters(exclude_categories=["Cs", "Cn"]), max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), ANY_TEXT, nhs_like()), min_size=1, max_size=30))
def test_vectorised_rule_equals_the_plain_reference(values):
    assert mask_of(values) == [reference(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(ANY_TEXT, nhs_like()), min_size=1, max_size=30))
def test_masked_shows_no_nhs_number_and_leaves_other_ids(values):
    shown = pl.DataFrame({"c": values}, schema={"c": pl.String}).select(masked(pl.col("c")))["c"].to_list()
    for value, out in zip(values, shown):
        if reference(value):
            assert re.fullmatch(r"\d\d\*{6}\d\d", out)
        else:
            assert out == value


def test_no_output_of_validate_shows_an_nhs_number(tmp_path):
    forms = ["943\u00a0476\u00a05919", "943.476.5919", "NHS No: 943 476 5919",
             "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19", "401 023 2137"]
    clients = [client(i, CLIENTID=form) for i, form in enumerate(forms, start=1)] + [client(9, CLIENTID="AB9434765919X")]
    path = write_return(tmp_path / "r.xlsx", clients)
    proc = subprocess.run([sys.executable, "-m", "audit", "validate", str(path), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    flagged = sorted(f["location"]["row"] for f in data["findings"] if f["rule"] == "RET-NHS-NUMBER")
    assert flagged == [2, 3, 4, 5, 6]
    for f in data["findings"]:
        for text in (f["message"], f["value"], f["client"], f.get("fix")):
            digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))
            assert "9434765919" not in digits and "4010232137" not in digits, f
    assert all(f["client"] is None for f in data["findings"] if f["location"].get("row") in range(2, 7))


def test_no_dose_finding_names_an_nhs_number(tmp_path):
    clients = [client(1, CLIENTID="943\u00a0476\u00a05919", DOSE_MG=30), client(2, CLIENTID="TS000002", DOSE_MG=30)]
    path = write_return(tmp_path / "r.xlsx", clients)
    proc = subprocess.run([sys.executable, "-m", "audit", "doses", str(path), "--format", "json", "--fail-on", "never"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rows = {f["location"]["row"]: f["client"] for f in json.loads(proc.stdout)["findings"] if f["rule"].startswith("MET-")}
    assert rows == {2: None, 3: "TS000002"}
