"""Dose rules at their boundaries, written from uk-2017-ost-rules.md."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import PERIOD_END, client, write_return
from typer.testing import CliRunner

from audit.cli import app
from audit.prescribing.doses import audit_doses
from audit.prescribing.guidelines import load_guideline

D = dt.date
SPEC_RULE_IDS = {"MET-START-HIGH", "MET-STEP-HIGH", "MET-BELOW-OPTIMAL", "MET-ABOVE-USUAL", "MET-ECG-DUE",
                 "BUP-START-HIGH", "BUP-BELOW-OPTIMAL", "BUP-ABOVE-MAX", "BNX-ABOVE-MAX",
                 "LYO-BELOW-OPTIMAL", "LYO-ABOVE-MAX", "SUP-EARLY-UNSUPERVISED", "NAL-NOT-SUPPLIED",
                 "HCV-NOT-OFFERED", "REVIEW-OVERDUE", "REDUCTION-WHILE-USING", "DISCHARGE-PROVIDER-WITHDRAWN"}


def days_before_end(n: int) -> dt.date:
    return PERIOD_END - dt.timedelta(days=n)


def new_start(n: int) -> dict:
    start = days_before_end(n)
    return {"TRIAGED": start, "OST_START": start, "DOSE_DATE": start}


@pytest.fixture
def judge(tmp_path):
    def run(**overrides):
        audit = audit_doses(write_return(tmp_path / "r.xlsx", [client(1, **overrides)]))
        assert [f for f in audit.validated.findings if f.severity.value == "error"] == []
        return {(f.rule, f.severity.value) for f in audit.findings}
    return run


MET = {"OST_MEDICATION": "methadone"}
BUP = {"OST_MEDICATION": "buprenorphine"}
BNX = {"OST_MEDICATION": "buprenorphine-naloxone"}
LYO = {"OST_MEDICATION": "buprenorphine-lyophilisate"}

CASES = [
    # methadone maintenance: optimal 60-120
    ("met-59", dict(MET, DOSE_MG=59), {("MET-BELOW-OPTIMAL", "warning")}),
    ("met-60", dict(MET, DOSE_MG=60, PREV_DOSE_MG=60), set()),
    ("met-120", dict(MET, DOSE_MG=120, ECG_DATE=D(2024, 1, 5)), set()),
    ("met-121", dict(MET, DOSE_MG=121, ECG_DATE=D(2024, 1, 5)), {("MET-ABOVE-USUAL", "warning")}),
    ("met-59-using", dict(MET, DOSE_MG=59, OPIUSE=1), {("MET-BELOW-OPTIMAL", "error")}),
    ("met-59-not-using", dict(MET, DOSE_MG=59, OPIUSE=0), {("MET-BELOW-OPTIMAL", "warning")}),
    ("met-59-note", dict(MET, DOSE_MG=59, DOSE_NOTE="tapering at client request"), {("MET-BELOW-OPTIMAL", "info")}),
    ("met-59-using-note", dict(MET, DOSE_MG=59, OPIUSE=1, DOSE_NOTE="reason"), {("MET-BELOW-OPTIMAL", "warning")}),
    ("met-stabilisation-59", dict(MET, DOSE_MG=59, PHASE="stabilisation", PREV_DOSE_MG=55), {("MET-BELOW-OPTIMAL", "warning")}),
    ("met-reduction-40", dict(MET, DOSE_MG=40, PHASE="reduction"), set()),
    # methadone induction: 10-30, error above 40
    ("met-ind-30", dict(MET, DOSE_MG=30, PHASE="induction", PREV_DOSE_MG=None), set()),
    ("met-ind-31", dict(MET, DOSE_MG=31, PHASE="induction", PREV_DOSE_MG=None), {("MET-START-HIGH", "warning")}),
    ("met-ind-40", dict(MET, DOSE_MG=40, PHASE="induction", PREV_DOSE_MG=None), {("MET-START-HIGH", "warning")}),
    ("met-ind-41", dict(MET, DOSE_MG=41, PHASE="induction", PREV_DOSE_MG=None), {("MET-START-HIGH", "error")}),
    ("met-ind-41-note", dict(MET, DOSE_MG=41, PHASE="induction", PREV_DOSE_MG=None, DOSE_NOTE="tolerant"), {("MET-START-HIGH", "warning")}),
    # titration steps
    ("met-step-10", dict(MET, DOSE_MG=70, PREV_DOSE_MG=60, PHASE="stabilisation"), set()),
    ("met-step-11", dict(MET, DOSE_MG=71, PREV_DOSE_MG=60, PHASE="stabilisation"), {("MET-STEP-HIGH", "warning")}),
    ("met-step-maintenance", dict(MET, DOSE_MG=80, PREV_DOSE_MG=60, PHASE="maintenance"), set()),
    ("met-step-no-prev", dict(MET, DOSE_MG=80, PREV_DOSE_MG=None, PHASE="stabilisation"), set()),
    # ECG above 100 mg
    ("met-100-no-ecg", dict(MET, DOSE_MG=100), set()),
    ("met-101-no-ecg", dict(MET, DOSE_MG=101), {("MET-ECG-DUE", "warning")}),
    ("met-101-ecg-365", dict(MET, DOSE_MG=101, ECG_DATE=days_before_end(365)), set()),
    ("met-101-ecg-366", dict(MET, DOSE_MG=101, ECG_DATE=days_before_end(366)), {("MET-ECG-DUE", "warning")}),
    ("met-101-no-ecg-note", dict(MET, DOSE_MG=101, DOSE_NOTE="reason"), {("MET-ECG-DUE", "warning")}),
    # buprenorphine
    ("bup-11", dict(BUP, DOSE_MG=11, PREV_DOSE_MG=None), {("BUP-BELOW-OPTIMAL", "warning")}),
    ("bup-11-using", dict(BUP, DOSE_MG=11, PREV_DOSE_MG=None, OPIUSE=3), {("BUP-BELOW-OPTIMAL", "error")}),
    ("bup-12", dict(BUP, DOSE_MG=12, PREV_DOSE_MG=None), set()),
    ("bup-24", dict(BUP, DOSE_MG=24, PREV_DOSE_MG=None), set()),
    # 24 mg is no UK maximum for sublingual buprenorphine (BUP-ABOVE-LICENSED withdrawn): 25-32 mg is quiet
    ("bup-25", dict(BUP, DOSE_MG=25, PREV_DOSE_MG=None), set()),
    ("bup-32", dict(BUP, DOSE_MG=32, PREV_DOSE_MG=None), set()),
    ("bup-33", dict(BUP, DOSE_MG=33, PREV_DOSE_MG=None), {("BUP-ABOVE-MAX", "error")}),
    ("bup-33-note", dict(BUP, DOSE_MG=33, PREV_DOSE_MG=None, DOSE_NOTE="reason"), {("BUP-ABOVE-MAX", "warning")}),
    ("bup-ind-8", dict(BUP, DOSE_MG=8, PHASE="induction", PREV_DOSE_MG=None), set()),
    ("bup-ind-9", dict(BUP, DOSE_MG=9, PHASE="induction", PREV_DOSE_MG=None), {("BUP-START-HIGH", "warning")}),
    ("bnx-11", dict(BNX, DOSE_MG=11, PREV_DOSE_MG=None), {("BUP-BELOW-OPTIMAL", "warning")}),
    ("bnx-24", dict(BNX, DOSE_MG=24, PREV_DOSE_MG=None), set()),
    ("bnx-25", dict(BNX, DOSE_MG=25, PREV_DOSE_MG=None), {("BNX-ABOVE-MAX", "error")}),
    ("lyo-9", dict(LYO, DOSE_MG=9, PREV_DOSE_MG=None), {("LYO-BELOW-OPTIMAL", "warning")}),
    ("lyo-10", dict(LYO, DOSE_MG=10, PREV_DOSE_MG=None), set()),
    ("lyo-18", dict(LYO, DOSE_MG=18, PREV_DOSE_MG=None), set()),
    ("lyo-19", dict(LYO, DOSE_MG=19, PREV_DOSE_MG=None), {("LYO-ABOVE-MAX", "error")}),
    # supervised consumption for new starts
    ("sup-91", dict(new_start(91), SUPERVISED="N"), {("SUP-EARLY-UNSUPERVISED", "warning")}),
    ("sup-92", dict(new_start(92), SUPERVISED="N"), set()),
    ("sup-91-supervised", dict(new_start(91), SUPERVISED="Y"), set()),
    ("sup-91-note", dict(new_start(91), SUPERVISED="N", DOSE_NOTE="reason"), {("SUP-EARLY-UNSUPERVISED", "warning")}),
    ("sup-pr-exempt", dict(new_start(30), SUPERVISED="N", OST_MEDICATION="buprenorphine-pr-weekly", DOSE_MG=16, PREV_DOSE_MG=None), set()),
    ("sup-diamorphine-exempt", dict(new_start(30), SUPERVISED="N", OST_MEDICATION="diamorphine", DOSE_MG=300, PREV_DOSE_MG=None), set()),
    # naloxone, hepatitis C, reviews, reductions, discharges
    ("nal-n", dict(NALOXONE="N"), {("NAL-NOT-SUPPLIED", "warning")}),
    ("nal-n-using", dict(NALOXONE="N", OPIUSE=1), {("NAL-NOT-SUPPLIED", "error")}),
    ("nal-n-injecting", dict(NALOXONE="N", INJSTAT="C"), {("NAL-NOT-SUPPLIED", "error")}),
    ("nal-n-note", dict(NALOXONE="N", DOSE_NOTE="reason"), {("NAL-NOT-SUPPLIED", "warning")}),
    ("hcv-d-current", dict(HEPCSTAT="D", INJSTAT="C"), {("HCV-NOT-OFFERED", "warning")}),
    ("hcv-d-previous", dict(HEPCSTAT="D", INJSTAT="P"), {("HCV-NOT-OFFERED", "warning")}),
    ("hcv-d-never", dict(HEPCSTAT="D", INJSTAT="N"), set()),
    ("hcv-b-current", dict(HEPCSTAT="B", INJSTAT="C"), set()),
    ("review-91", dict(LAST_REVIEW=days_before_end(91)), set()),
    ("review-92", dict(LAST_REVIEW=days_before_end(92)), {("REVIEW-OVERDUE", "warning")}),
    ("review-discharged", dict(LAST_REVIEW=D(2023, 11, 1), DISD=D(2024, 1, 31), DISRSN="Incomplete - dropped out"), set()),
    ("review-discharged-92", dict(LAST_REVIEW=D(2023, 10, 31), DISD=D(2024, 1, 31), DISRSN="Incomplete - dropped out"),
     {("REVIEW-OVERDUE", "warning")}),
    ("reduction-using", dict(MET, DOSE_MG=40, PHASE="reduction", OPIUSE=1), {("REDUCTION-WHILE-USING", "warning")}),
    ("withdrawal-using", dict(MET, DOSE_MG=10, PHASE="withdrawal", OPIUSE=5), {("REDUCTION-WHILE-USING", "warning")}),
    ("reduction-not-using", dict(MET, DOSE_MG=40, PHASE="reduction", OPIUSE=0), set()),
    ("provider-withdrawn", dict(DISD=D(2024, 3, 1), DISRSN="Incomplete - treatment withdrawn by provider"),
     {("DISCHARGE-PROVIDER-WITHDRAWN", "warning")}),
]


@pytest.mark.parametrize("overrides,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_boundaries(judge, overrides, expected):
    assert judge(**overrides) == expected


def test_invalid_field_means_not_judged(tmp_path):
    clients = [client(1, DOSE_MG="50mg"), client(2, DOSE_MG=50), client(3, OST_MEDICATION="methadon", DOSE_MG=50)]
    audit = audit_doses(write_return(tmp_path / "r.xlsx", clients))
    assert {(f.rule, f.client) for f in audit.findings} == {("MET-BELOW-OPTIMAL", "TS000002")}
    not_judged = {n.rule: n for n in audit.not_judged}
    assert not_judged["MET-BELOW-OPTIMAL"].count == 2
    assert not_judged["MET-BELOW-OPTIMAL"].reasons == {"DOSE_MG": 1, "OST_MEDICATION": 1}
    methadone = next(i for i in audit.indicators if i.id == "methadone-optimal")
    assert (methadone.numerator, methadone.denominator) == (0, 1)


def test_a_missing_column_is_named_as_missing_not_as_failed(tmp_path):
    """A return without an OPIUSE column: nothing in it failed validation, so the reason says the column is missing."""
    from builders import COLUMNS
    columns = [c for c in COLUMNS if c != "OPIUSE"]
    audit = audit_doses(write_return(tmp_path / "r.xlsx", [client(1), client(2)], columns=columns))
    assert {n.rule: n.reasons for n in audit.not_judged}["NAL-NOT-SUPPLIED"] == {"OPIUSE (no column)": 2}
    result = CliRunner().invoke(app, ["doses", str(tmp_path / "r.xlsx")], env={"COLUMNS": "200"})
    assert "OPIUSE (no column) 2" in result.output and "or the sheet has no such column" in result.output


def test_a_blank_submission_value_is_shown_as_unknown_not_none(tmp_path):
    """A return straight from `ost-audit template` has the keys with blank values: the heading must not say "None"."""
    from builders import SUBMISSION
    blank = {**SUBMISSION, "LA_NAME": None, "PROVIDER_NAME": None, "PERIOD_START": None, "PERIOD_END": None}
    path = write_return(tmp_path / "r.xlsx", [client(1)], submission=blank)
    result = CliRunner().invoke(app, ["doses", str(path)], env={"COLUMNS": "200"})
    heading = result.output.splitlines()[0]
    assert "None" not in heading and "? / ?, ? to ?" in heading, heading


def test_findings_point_at_the_rule_cell_and_cite(tmp_path):
    audit = audit_doses(write_return(tmp_path / "r.xlsx", [client(1), client(2, DOSE_MG=45, NALOXONE="N")]))
    cells = {f.rule: f.location.cell for f in audit.findings}
    assert cells == {"MET-BELOW-OPTIMAL": "J3", "NAL-NOT-SUPPLIED": "R3"}
    assert all(f.citation for f in audit.findings)


def test_indicators_count_and_interval(tmp_path):
    clients = ([client(i, DOSE_MG=80) for i in range(1, 8)] + [client(i, DOSE_MG=50) for i in range(8, 11)]
               + [client(11, OST_MEDICATION="buprenorphine", DOSE_MG=16, PREV_DOSE_MG=None, NALOXONE="N")])
    audit = audit_doses(write_return(tmp_path / "r.xlsx", clients))
    ind = {i.id: i for i in audit.indicators}
    assert (ind["methadone-optimal"].numerator, ind["methadone-optimal"].denominator) == (7, 10)
    assert (ind["buprenorphine-optimal"].numerator, ind["buprenorphine-optimal"].denominator) == (1, 1)
    assert (ind["naloxone-supplied"].numerator, ind["naloxone-supplied"].denominator) == (10, 11)
    # Wilson 95% for 7/10: 0.3968 to 0.8922 (Newcombe 1998)
    assert ind["methadone-optimal"].ci_low == pytest.approx(0.3968, abs=5e-4)
    assert ind["methadone-optimal"].ci_high == pytest.approx(0.8922, abs=5e-4)


def test_rules_lists_all_17_rule_ids_with_citations():
    result = CliRunner().invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0
    import json

    rules = json.loads(result.stdout)["rules"]
    assert {r["id"] for r in rules} == SPEC_RULE_IDS
    assert all(r["citation"] and r["confidence"] for r in rules)
    text = CliRunner().invoke(app, ["rules"]).stdout
    assert all(rule_id in text for rule_id in SPEC_RULE_IDS)


def test_second_guideline_set_sits_beside_the_first():
    who = load_guideline("who-2009")
    assert who.id == "who-2009" and all(r.citation for r in who.rules)


def test_who_set_changes_the_verdict(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG=25, PHASE="induction", PREV_DOSE_MG=None)])
    assert not audit_doses(path).findings
    assert {f.rule for f in audit_doses(path, "who-2009").findings} == {"WHO-MET-START-HIGH"}


def test_unknown_guideline_is_exit_2(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1)])
    result = CliRunner().invoke(app, ["doses", str(path), "--guideline", "nope-2030"])
    assert result.exit_code == 2 and "not a guideline set" in result.stderr


def test_doses_json_equals_library(tmp_path):
    import io
    import json

    from audit.findings import write_findings_json

    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG=45, OPIUSE=2), client(2, SEX="q")])
    result = CliRunner().invoke(app, ["doses", str(path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    audit = audit_doses(path)
    library = io.BytesIO()
    write_findings_json(audit.findings_frame(), library)
    assert data["findings"] == json.loads(library.getvalue())
    assert [(f["rule"], f["severity"]) for f in data["findings"]] == [
        ("MET-BELOW-OPTIMAL", "error"), ("RET-CODE-NOT-ALLOWED", "error")]  # worst first, then by row
    assert data["summary"] == {"error": 2, "warning": 0, "info": 0}
    assert [{k: v for k, v in i.items() if k != "file"} for i in data["indicators"]] == [i.to_dict() for i in audit.indicators]
    assert {"id", "label", "numerator", "denominator", "value", "ci_low", "ci_high"} <= set(data["indicators"][0])


def test_findings_frame_says_what_the_objects_say(tmp_path):
    from audit.findings import worst_first

    clients = [client(1, DOSE_MG=45, OPIUSE=2, NALOXONE="N"), client(2, AGE=12), client(3, HEPCSTAT="D", INJSTAT="C")]
    audit = audit_doses(write_return(tmp_path / "r.xlsx", clients))
    objects = [f.to_dict() for f in worst_first(audit.all_findings)]
    rows = audit.findings_frame().to_dicts()
    assert len(rows) == len(objects) == 4
    assert rows == objects  # one shape: every key, nulls included


def test_invalid_discharge_date_means_review_not_judged(tmp_path):
    """REVIEW-OVERDUE counts from DISD for a discharged client: an unreadable DISD is not guessed as PERIOD_END."""
    clients = [client(1, LAST_REVIEW=days_before_end(120), DISD="next week", DISRSN="Incomplete - dropped out")]
    audit = audit_doses(write_return(tmp_path / "r.xlsx", clients))
    assert not [f for f in audit.findings if f.rule == "REVIEW-OVERDUE"]
    assert {n.rule: n.reasons for n in audit.not_judged}["REVIEW-OVERDUE"] == {"DISD": 1}


def test_doses_json_to_a_file_equals_stdout(tmp_path):
    import json

    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG=45), client(2, DOSE_MG=50, SEX="q"), client(3)])
    out = tmp_path / "out.json"
    to_file = CliRunner().invoke(app, ["doses", str(path), "--format", "json", "--output", str(out)])
    to_stdout = CliRunner().invoke(app, ["doses", str(path), "--format", "json"])
    assert to_file.exit_code == to_stdout.exit_code == 1
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(to_stdout.stdout)
    assert len(json.loads(to_stdout.stdout)["findings"]) == 3


def test_rules_compiled_once_per_guideline_object(tmp_path):
    """Compiled rules are reused for the same guideline, never for another with the same id."""
    from audit.prescribing.doses import judge
    from audit.prescribing.guidelines import load_guideline
    from audit.resources import data_dir
    from audit.returns.validate import validate_return

    text = (data_dir("schemas") / "guidelines" / "uk-2017.yaml").read_text(encoding="utf-8")
    stricter = tmp_path / "uk-2017-stricter.yaml"
    stricter.write_text(text.replace('{field: DOSE_MG, op: "<", value: 60}', '{field: DOSE_MG, op: "<", value: 70}'), encoding="utf-8")
    validated = validate_return(write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG=65)]))
    rules = [judge(validated, load_guideline("uk-2017")).hits["_key"].to_list() for _ in range(2)]
    other = judge(validated, load_guideline(str(stricter))).hits["_key"].to_list()
    assert rules[0] == rules[1] and "MET-BELOW-OPTIMAL" not in rules[0]
    assert "MET-BELOW-OPTIMAL" in other
