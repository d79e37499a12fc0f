"""Every guideline rule can be followed to the document that states its figure.

Issue 16: a clinical lead must be able to go from each threshold to a named
source, a section or page, and an address (or a stated reason why none is
public), and read the source's own short wording or the reason it is not
quoted. The loader enforces the shape; these tests pin it for every shipped
set, check the refusals, and check the corrections the issue asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from audit.cli import app
from audit.errors import InputRefused
from audit.prescribing.guidelines import available, load_guideline

SHIPPED = available()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_rule_has_a_source_a_place_and_an_address_or_a_reason(name):
    guideline = load_guideline(name)
    assert guideline.rules
    for rule in guideline.rules:
        assert rule.citations, rule.id
        for c in rule.citations:
            assert c.source.title.strip(), rule.id
            assert c.section.strip(), rule.id
            assert (c.source.url or "").startswith(("http://", "https://")) or (c.source.no_url or "").strip(), rule.id
        # the source's own wording, or a stated reason it is not quoted
        assert any(c.quote for c in rule.citations) or rule.note, rule.id
        assert rule.confidence in {"high", "medium-high", "medium", "low-medium", "low"}, rule.id


@pytest.mark.parametrize("name", SHIPPED)
def test_quotes_are_short(name):
    for rule in load_guideline(name).rules:
        for c in rule.citations:
            assert c.quote is None or len(c.quote.split()) <= 30, rule.id


def _write_set(tmp_path: Path, source: dict, citation: dict, note: str | None = None) -> str:
    rule = {"id": "X-1", "title": "t", "medications": ["methadone"], "when": {"all": [{"field": "DOSE_MG", "op": ">", "value": 1}]},
            "severity": "warning", "lowered_by_note": True, "location": "DOSE_MG", "message": "m", "citation": citation,
            "confidence": "low"}
    if note:
        rule["note"] = note
    path = tmp_path / "local-test.yaml"
    path.write_text(yaml.safe_dump({"id": "local-test", "title": "t", "sources": {"s": source}, "rules": [rule]}))
    return str(path)


GOOD_SOURCE = {"title": "A document", "publisher": "P", "year": 2020, "url": "https://example.org/doc"}


def test_a_well_formed_set_loads(tmp_path):
    rule = load_guideline(_write_set(tmp_path, GOOD_SOURCE, {"source": "s", "page": "p. 12", "quote": "as it says"})).rules[0]
    assert rule.section == "p. 12" and rule.quote == "as it says"
    assert "https://example.org/doc" in rule.citation and "p. 12" in rule.citation


@pytest.mark.parametrize(("source", "citation", "note", "words"), [
    ({"title": "A", "publisher": "P", "year": 2020}, {"source": "s", "section": "1", "quote": "q"}, None, "no_url"),
    ({"title": "A", "publisher": "P", "year": 2020, "url": "https://x", "no_url": "why"}, {"source": "s", "section": "1", "quote": "q"},
     None, "not both"),
    ({"title": "", "publisher": "P", "year": 2020, "url": "https://x"}, {"source": "s", "section": "1", "quote": "q"}, None, "title"),
    (GOOD_SOURCE, {"source": "s", "quote": "q"}, None, "section or page"),
    (GOOD_SOURCE, {"source": "other", "section": "1", "quote": "q"}, None, "known source"),
    (GOOD_SOURCE, {"source": "s", "section": "1", "also": [{"source": "s"}]}, "n", "section or page"),
    (GOOD_SOURCE, {"source": "s", "section": "1"}, None, "quote the source"),
])
def test_the_loader_refuses_a_citation_that_cannot_be_followed(tmp_path, source, citation, note, words):
    with pytest.raises(InputRefused, match=words):
        load_guideline(_write_set(tmp_path, source, citation, note))


def test_a_source_without_an_address_says_why(tmp_path):
    no_url = dict(GOOD_SOURCE, url=None, no_url="an internal protocol")
    rule = load_guideline(_write_set(tmp_path, no_url, {"source": "s", "section": "1", "quote": "q"})).rules[0]
    assert "no public address: an internal protocol" in rule.citation


# --- the corrections issue 16 asked for ------------------------------------------

UK = load_guideline("uk-2017")


def test_no_24_mg_maximum_for_sublingual_buprenorphine():
    assert "BUP-ABOVE-LICENSED" not in {r.id for r in UK.rules}
    bup_max = UK.rule("BUP-ABOVE-MAX")
    assert "32" in bup_max.message and "24 mg is the US label" in bup_max.note


def test_120_mg_is_an_optimal_range_never_a_maximum():
    rule = UK.rule("MET-ABOVE-USUAL")
    assert "not a maximum" in rule.message and "maximum" not in rule.title
    assert "optimal" in rule.quote and "not a ceiling" in rule.note
    assert UK.dose_bands["methadone"]["maximum"] is None


def test_methadone_start_cites_the_summary_that_states_10_30_and_says_summaries_disagree():
    rule = UK.rule("MET-START-HIGH")
    assert rule.source.key == "methadone-5mg-spc" and "10-30 mg" in rule.quote
    assert "disagree" in rule.note and "10 - 20mg" in rule.note


def test_titration_rule_says_what_it_cannot_check():
    rule = UK.rule("MET-STEP-HIGH")
    assert "30 mg a week" in rule.quote and "cannot be computed" in rule.note


def test_ecg_rule_cites_current_problems_and_calls_the_interval_a_convention():
    rule = UK.rule("MET-ECG-DUE")
    assert "Current Problems in Pharmacovigilance" in rule.source.title and rule.source.year == 2006
    assert "drug-safety-update" not in rule.citation
    assert "convention" in rule.note and "convention" in rule.message
    assert rule.confidence == "low-medium"


def test_provider_withdrawn_cites_the_cohort_evidence():
    rule = UK.rule("DISCHARGE-PROVIDER-WITHDRAWN")
    assert rule.source.key == "cornish-2010" and "weeks 1-2 after treatment stopped" in rule.quote
    assert "acmd" not in {c.source.key for c in rule.citations}


@pytest.mark.parametrize(("rule_id", "source"), [
    ("REVIEW-OVERDUE", "methadone-1mg-spc"), ("HCV-NOT-OFFERED", "nice-ph43"),
    ("NAL-NOT-SUPPLIED", "mat-standards"), ("REDUCTION-WHILE-USING", "local-practice"),
])
def test_the_four_practice_rules_have_a_source_or_are_marked_local(rule_id, source):
    rule = UK.rule(rule_id)
    assert rule.source.key == source
    if source == "local-practice":
        assert rule.confidence == "low" and "Local good practice" in rule.note


def test_rules_command_shows_quotes_notes_and_every_source():
    runner = CliRunner()
    data = json.loads(runner.invoke(app, ["rules", "--format", "json"]).stdout)["rules"]
    start = next(r for r in data if r["id"] == "MET-START-HIGH")
    assert "10-30 mg" in start["quote"] and "disagree" in start["note"]
    assert [s["source"] for s in start["sources"]] == ["methadone-5mg-spc", "rcgp-substitute-prescribing"]
    ecg = next(r for r in data if r["id"] == "MET-ECG-DUE")
    assert ecg["sources"][0]["url"] is None and "Web Archive" in ecg["sources"][0]["no_url"]
    text = runner.invoke(app, ["rules"], terminal_width=250).stdout
    assert "Product summaries disagree" in text and "https://www.bmj.com/content/341/bmj.c5475" in text


def test_guideline_sources_doc_is_fresh():
    from audit.prescribing.guidelines import sources_markdown

    committed = (Path(__file__).resolve().parent.parent / "docs" / "guideline-sources.md").read_text(encoding="utf-8")
    assert committed == sources_markdown(), "run `python -m audit.docs` to regenerate docs/guideline-sources.md"
    assert all(f"`{r.id}`" in committed for r in UK.rules)
