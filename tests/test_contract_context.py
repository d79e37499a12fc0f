"""Contract scan, second layer: context carried from above a passage, stance with scope, the review tier,
verdicts, rendering of review apart from clear, and time linear in the text (hostile inputs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from audit.cli import app
from audit.contracts.detect import CLEAR, REVIEW, Context, judge
from audit.contracts.evaluate import evaluate, load_labelled
from audit.contracts.scan import scan_contract
from audit.reporting.area import audit_area
from audit.reporting.report import render_report

ROOT = Path(__file__).resolve().parent.parent
REAL_DEV = ROOT.parent / "shared" / "corpus" / "real-dev.jsonl"
runner = CliRunner()


def found(scan, category):
    return [f for f in scan.findings if f.extra.get("category") == category]


def write(tmp_path, text, name="spec.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the targets, on our own passages and (measured, never trained on) real ones --------------

@pytest.mark.parametrize("corpus", ["real-phrasing", "real-phrasing-holdout", "real-phrasing-2", "real-dev"])
def test_review_tier_targets(corpus):
    path = REAL_DEV if corpus == "real-dev" else ROOT / "tests" / "data" / f"contract-{corpus}.jsonl"
    if not path.exists():
        message = f"the shared real-dev corpus is not beside this checkout ({path}); CI always has it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    tiers = evaluate(load_labelled(path))["tiers"]
    pays, limits = tiers["missed_PAYS_FOR_COMPLETION"], tiers["missed_TIME_LIMIT"]
    assert pays["n"] * 10 <= pays["of"], pays
    assert limits["n"] * 6 <= limits["of"], limits
    assert tiers["clear_wrong"]["n"] * 10 <= tiers["clear_wrong"]["of"], tiers["clear_wrong"]
    assert tiers["clear_limit_on_no_limit"] == []
    assert tiers["neither_review"]["n"] * 5 <= tiers["neither_review"]["of"], tiers["neither_review"]


# --- context: payment set above a passage carries to it ---------------------------------------

def test_list_lead_in_carries_payment(tmp_path):
    text = "The outcome payments are made for the following:\n\n- successful completions\n- non re-presentation within six months\n"
    scan = scan_contract(write(tmp_path, text))
    pays = found(scan, "PAYS_FOR_COMPLETION")
    assert {f.rule for f in pays} == {"CON-PAY-LEAD-IN"} and {f.extra["certainty"] for f in pays} == {CLEAR}
    assert pays[0].extra["details"]["context"]["lead_in"].startswith("The outcome payments")
    assert scan.verdicts["pays_for_completion"] == "yes"


def test_lead_in_without_money_only_monitors(tmp_path):
    text = "The Provider will report the following each quarter:\n\n- successful completions\n- planned exits\n"
    scan = scan_contract(write(tmp_path, text))
    assert not found(scan, "PAYS_FOR_COMPLETION") and found(scan, "MONITORS_COMPLETION")
    assert scan.verdicts["pays_for_completion"] == "no-evidence"


def test_payment_heading_over_a_plain_paragraph_is_review(tmp_path):
    text = "# Service specification\n\n## Payment by Results\n\nSuccessful completions will be counted each quarter.\n"
    scan = scan_contract(write(tmp_path, text))
    [f] = found(scan, "PAYS_FOR_COMPLETION")
    assert (f.rule, f.extra["certainty"], f.severity.value) == ("CON-PAY-HEADING", REVIEW, "warning")
    assert 0 < f.extra["details"]["score"] <= 1 and "Payment by Results" in f.extra["details"]["context"]["heading"]
    assert scan.verdicts["pays_for_completion"] == "review"


def test_word_table_caption_carries_payment(tmp_path):
    document = docx.Document()
    document.add_heading("Service specification", level=1)
    document.add_heading("7. Outcomes", level=2)
    document.add_paragraph("Table 3 sets out how the outcome element of the price is earned.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Outcome", "Weight"
    cells = table.add_row().cells
    cells[0].text, cells[1].text = "Planned discharges", "half"
    path = tmp_path / "c.docx"
    document.save(path)
    [f] = found(scan_contract(path), "PAYS_FOR_COMPLETION")
    assert f.rule == "CON-PAY-TABLE-ROW" and f.extra["certainty"] == CLEAR
    assert f.extra["details"]["context"] == {"caption": "Table 3 sets out how the outcome element of the price is earned."}


def test_previous_paragraph_money_is_review_not_clear():
    context = Context(previous="Ten per cent of the contract value is paid by results.")
    [j] = judge("The measures are planned exits and sustained abstinence.", context)
    assert (j.category, j.certainty, j.rule) == ("PAYS_FOR_COMPLETION", REVIEW, "CON-PAY-PREVIOUS-PARAGRAPH")


def test_activity_money_elsewhere_in_the_passage_does_not_carry():
    [j] = judge("Improving completion of treatment is an aim. Pharmacies are paid £1.50 per supervised dose.")
    assert j.category == "MONITORS_COMPLETION"


# --- stance: negation, questions, reported speech, argument against ---------------------------

@pytest.mark.parametrize("text,expected", [
    ("Prescribing of methadone will be limited to a maximum of 12 months.", ("TIME_LIMIT", CLEAR)),
    ("There is no maximum period for which methadone may be prescribed.", ("NO_TIME_LIMIT", CLEAR)),
    ("Time limits on substitute prescribing do not apply in this borough.", ("NO_TIME_LIMIT", CLEAR)),
    ("Capping how long people stay on methadone would increase the risk of overdose.", None),
    ("A time limit on OST would increase the risk of relapse and is not recommended.", ("NO_TIME_LIMIT", CLEAR)),
    ("Officers were asked whether a time limit on OST should be introduced.", None),
    ("Is there a case for a maximum length of methadone treatment?", None),
    ("The minister proposed strict limits on how long people may stay on methadone.", ("TIME_LIMIT", REVIEW)),
    ("Ending open-ended prescribing is not the same as setting a time limit on treatment.", None),
    ("The service aims to end open-ended prescribing through regular care plan reviews.", None),
    # arguments against limits with no limit word, and rejected limits with no treatment word
    ("Restricting access to methadone leads to relapse and more overdose deaths.", ("NO_TIME_LIMIT", CLEAR)),
    ("Moving clients off their OST too early raises the number of deaths.", ("NO_TIME_LIMIT", CLEAR)),
    ("Imposing a time limit could lead to unintended consequences.", ("NO_TIME_LIMIT", CLEAR)),
    ("The board ruled out a cap on how long anyone can be prescribed buprenorphine.", ("NO_TIME_LIMIT", CLEAR)),
    ("Should OST be capped at two years? The council's answer is a clear no.", ("NO_TIME_LIMIT", CLEAR)),
    ("Should OST be capped at two years? Members will decide in March.", None),
    # restriction said, not argued: a person reads it; never a clear limit
    ("Access to substitute prescribing will be restricted after a second treatment episode.", ("TIME_LIMIT", REVIEW)),
    ("Councillors asked whether restricting access to methadone would save money.", None),
    # length follows the person, or no end is fixed
    ("People may stay on OAT for as long as it helps them.", ("NO_TIME_LIMIT", CLEAR)),
    ("Methadone treatment can last as long as it is clinically needed.", ("NO_TIME_LIMIT", CLEAR)),
    ("The length of OST will depend on the individual's needs.", ("NO_TIME_LIMIT", CLEAR)),
    ("Maintenance prescribing runs without a fixed end date.", ("NO_TIME_LIMIT", CLEAR)),
    # caps in hours; abbreviations name the treatment
    ("Methadone may be given for no more than 72 hours while a prescriber is found.", ("TIME_LIMIT", CLEAR)),
    ("Each MMT episode is capped at 18 months.", ("TIME_LIMIT", CLEAR)),
    ("Methadone prescribing must not exceed ninety (90) days.", ("TIME_LIMIT", CLEAR)),
    # a length stated for treatment that no rule settles is a review; minimums, findings and supervision are not
    ("Clients will receive a 12-week methadone reduction programme.", ("TIME_LIMIT", REVIEW)),
    ("Most clients had been prescribed methadone for ten years or more.", None),
    ("Prescribing must continue for at least three months before shared care starts.", None),
    ("Supervised consumption of methadone lasts for the first 8 weeks.", None),
])
def test_time_stance(text, expected):
    judgements = [(j.category, j.certainty) for j in judge(text) if j.category in ("TIME_LIMIT", "NO_TIME_LIMIT")]
    assert judgements == ([expected] if expected else [])


def test_negation_scope_is_the_clause_not_a_window():
    # the negation belongs to the first clause; the limit in the second clause stands
    [j] = judge("Naloxone is not rationed, but methadone prescribing is limited to a maximum of six months.")
    assert (j.category, j.certainty) == ("TIME_LIMIT", CLEAR)


def test_question_and_commentary_about_payment_are_review_or_monitoring():
    [asked] = judge("Does the contract pay the provider an incentive for each successful completion?")
    assert (asked.category, asked.certainty) == ("PAYS_FOR_COMPLETION", REVIEW)
    [near] = judge("The evaluation found that payment by results led to fewer successful completions.")
    assert (near.category, near.certainty) == ("PAYS_FOR_COMPLETION", REVIEW)  # a person reads it; never a clear yes
    [effect] = judge("The evaluation found that payment by results, which the eight pilot areas used for two years, "
                     "had been followed by fewer successful completions than elsewhere.")
    assert effect.category == "MONITORS_COMPLETION"


def test_every_finding_is_explained(tmp_path):
    text = ("The Provider receives a bonus for each client who completes treatment successfully.\n\n"
            "Commentators proposed limits on how long people may stay on methadone.\n")
    scan = scan_contract(write(tmp_path, text, "c.txt"))
    assert scan.findings
    for f in scan.findings:
        assert f.extra["certainty"] in (CLEAR, REVIEW) and f.extra["details"]["reasons"]
        assert "\u00ab" in f.extra["details"]["marked"] and f.extra["trigger"]
        assert (f.extra["certainty"] == REVIEW) == ("score" in f.extra["details"])


# --- verdicts and rendering -----------------------------------------------------------------

def test_review_verdict_and_severity_in_json(tmp_path):
    text = "Commentators proposed limits on how long people may stay on methadone.\n"
    result = runner.invoke(app, ["contracts", str(write(tmp_path, text, "c.txt")), "--format", "json", "--fail-on", "warning"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert data["contracts"][0]["verdicts"] == {"pays_for_completion": "no-evidence", "time_limits": "review"}
    [f] = data["findings"]
    assert (f["category"], f["certainty"], f["severity"]) == ("TIME_LIMIT", "review", "warning")
    assert {"category", "quote", "trigger", "certainty", "details"} <= set(f)


def test_clear_beats_review_and_review_beats_no(tmp_path):
    both = "OST is not time-limited.\n\nThe board proposed limits on how long people may stay on methadone.\n"
    assert scan_contract(write(tmp_path, both, "a.txt")).verdicts["time_limits"] == "review"
    clear = both + "\nMethadone prescribing shall not exceed 12 months.\n"
    assert scan_contract(write(tmp_path, clear, "b.txt")).verdicts["time_limits"] == "yes"


def test_text_output_and_report_show_review_apart(tmp_path):
    folder = tmp_path / "area"
    folder.mkdir()
    write(folder, "# Specification\n\n## Payment by Results\n\nSuccessful completions will be counted.\n\n"
                  "Methadone prescribing shall not exceed 12 months.\n", "spec.md")
    text = runner.invoke(app, ["contracts", str(folder)]).stdout
    assert "PAYS_FOR_COMPLETION, review, score" in text and "(1 to review)" in text
    assert text.index("TIME_LIMIT") < text.index("PAYS_FOR_COMPLETION, review")  # clear first, review after
    area = audit_area([folder])
    assert area.verdicts == {"pays_for_completion": "review", "time_limits": "yes"}
    html = render_report(area)
    assert "For review (1), most likely first" in html and "review: PAYS_FOR_COMPLETION" in html


# --- time: linear in the text, and a budget -------------------------------------------------

HOSTILE = {
    "pay": "pay ",
    "pay-completion": "payment for successful completion ",
    "limits-and-negators": "not time limited no maximum of 12 months methadone ",
    "negators-in-cues": "shall not exceed 12 months ",
    "sentences": "Payment by results applies. Successful completions are counted. ",
    "bullets": "\u2022 successful completion\n",
    "commas": "treatment, ",
}


def test_hostile_200kb_texts_finish(tmp_path):
    """A guard against hangs, not a speed target (bench/ measures speed): before the fix, 160 KB of
    "pay " never finished and 180 KB of cues took 20 s."""
    for name, unit in HOSTILE.items():
        path = tmp_path / f"{name}.txt"
        path.write_text((unit * (200_000 // len(unit) + 1))[:200_000], encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "audit", "contracts", str(tmp_path), "--format", "json", "--fail-on", "never"],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert len(data["contracts"]) == len(HOSTILE) and all(c["complete"] for c in data["contracts"])


def test_budget_stops_the_scan_with_a_note(tmp_path):
    path = write(tmp_path, "Methadone prescribing shall not exceed 12 months.\n\nSuccessful completions are paid.\n", "c.txt")
    scan = scan_contract(path, budget=-1)
    assert not scan.complete and [f.rule for f in scan.findings] == ["CON-SCAN-STOPPED"]
    assert "stopped" in scan.findings[0].message and scan.to_dict()["complete"] is False


def test_limit_subject_from_the_nearest_heading_only():
    [j] = judge("The maximum period is 12 months.", Context(headings=["Specification", "4. Substitute prescribing"]))
    assert (j.category, j.certainty, j.context) == ("TIME_LIMIT", REVIEW, {"heading": "4. Substitute prescribing"})
    title = Context(headings=["Drug Treatment Service Specification", "9. Complaints"])
    assert judge("Complaints stay open for a maximum of 3 months.", title) == []


def test_abbreviations_are_whole_words():
    # "cost", "post" and "report" hold the letters of OST and ORT, but name no treatment: no subject, no limit
    assert judge("Costs are capped at a maximum of 12 months of the grant.") == []
    assert judge("The report is due no more than 12 weeks after the quarter ends.") == []
