"""The contract vocabulary is one place: the spec's categories, each with its words, read by every output."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.cli import app
from audit.contracts.categories import CATEGORIES, CATEGORY_WORDS, QUESTION_WORDS, VERDICT_WORDS, YES_NO
from audit.contracts.scan import scan_contract

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT.parent / "shared" / "spec" / "contract-clauses.md"
SAMPLE = ROOT / "sample_returns" / "westhaven" / "westhaven-service-specification.docx"
VERDICTS = {"yes", "review", "no", "no-evidence", "no-text-layer", "no-contract"}


def test_the_categories_are_the_specs():
    if not SPEC.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the shared spec is not beside this checkout ({SPEC}); CI always has it")
        pytest.skip(f"the shared spec is not beside this checkout ({SPEC})")
    named = set(re.findall(r"`([A-Z][A-Z_]{3,})`", SPEC.read_text(encoding="utf-8")))
    assert named == set(CATEGORIES)


def test_every_category_question_and_verdict_has_words():
    assert all(CATEGORY_WORDS[c] for c in CATEGORIES)
    assert set(QUESTION_WORDS) == set(YES_NO) == set(VERDICT_WORDS)
    assert all(c in CATEGORIES for pair in YES_NO.values() for c in pair)
    assert all(set(words) == VERDICTS for words in VERDICT_WORDS.values())


def test_contracts_text_shows_each_category_with_its_words_and_each_question():
    result = CliRunner().invoke(app, ["contracts", str(SAMPLE), "--fail-on", "never"])
    scan = scan_contract(SAMPLE)
    found = {f.extra["category"] for f in scan.findings if "category" in f.extra}
    assert found and result.exit_code == 0
    text = " ".join(result.stdout.split())  # a wrapped line joined again
    for category in found:
        assert f"{CATEGORY_WORDS[category]} {category}" in text
    for key, question in QUESTION_WORDS.items():
        assert f"{question}: {scan.verdicts[key]}" in text


def test_compare_page_heads_each_question_with_its_words(tmp_path):
    areas = tmp_path / "areas"
    (areas / "westhaven").mkdir(parents=True)
    (areas / "westhaven" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    page = tmp_path / "c.html"
    assert CliRunner().invoke(app, ["compare", str(areas), "--output", str(page)]).exit_code == 0
    html = " ".join(page.read_text(encoding="utf-8").split())
    assert "OST audit: 1 area compared" in html  # the terminal's plural
    for key, question in QUESTION_WORDS.items():
        assert f"<th>{question}</th>" in html
        assert f'data-label="{question}"' in html
        assert VERDICT_WORDS[key][scan_contract(SAMPLE).verdicts[key]] in html
