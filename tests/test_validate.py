"""validate: one test per rule of ost-return-v1.md, each at its exact cell."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from builders import COLUMNS, SUBMISSION, cell_of, client, write_return

from audit.returns.validate import validate_return


def errors(result):
    return {(f.location.sheet, f.location.cell, f.rule) for f in result.findings if f.severity.value == "error"}


def by_rule(result, rule):
    return [f for f in result.findings if f.rule == rule]


@pytest.fixture
def check(tmp_path):
    """Validate one client with overrides; return the result."""
    def run(clients, **kw):
        return validate_return(write_return(tmp_path / "r.xlsx", clients, **kw))
    return run


def test_clean_return_has_no_errors_or_warnings(check):
    result = check([client(i) for i in range(1, 6)])
    assert [f for f in result.findings if f.severity.value != "info"] == []
    assert result.clients.height == 5


@pytest.mark.parametrize("column,value,rule", [
    ("DOSE_MG", "60mg", "RET-NUMBER-WITH-UNIT"),
    ("DOSE_MG", "sixty", "RET-NOT-A-NUMBER"),
    ("AGE", 41.5, "RET-NOT-AN-INTEGER"),
    ("AGE", 17, "RET-OUT-OF-RANGE"),
    ("AGE", 101, "RET-OUT-OF-RANGE"),
    ("OPIUSE", 29, "RET-OUT-OF-RANGE"),
    ("DOSE_MG", 0, "RET-OUT-OF-RANGE"),
    ("PREV_DOSE_MG", -5, "RET-OUT-OF-RANGE"),
    ("SEX", "Male", "RET-CODE-NOT-ALLOWED"),
    ("PHASE", "maintainance", "RET-CODE-NOT-ALLOWED"),
    ("SUPERVISED", "maybe", "RET-CODE-NOT-ALLOWED"),
    ("LA", "E0600002", "RET-PATTERN"),
    ("CLIENTID", "TS 0001", "RET-PATTERN"),
    ("CLIENTID", "A" * 21, "RET-PATTERN"),
    ("DOSE_NOTE", "x" * 501, "RET-TOO-LONG"),
    ("TRIAGED", "03/25/2023", "RET-DATE-US-ORDER"),
    ("TRIAGED", "next tuesday", "RET-NOT-A-DATE"),
    ("TRIAGED", "2023-02-30", "RET-NOT-A-DATE"),
    ("SEX", None, "RET-REQUIRED"),
    ("LAST_REVIEW", None, "RET-REQUIRED"),
    ("CLIENTID", "9434765919", "RET-NHS-NUMBER"),
])
def test_each_cell_rule_is_reported_at_its_cell(check, column, value, rule):
    result = check([client(1), client(2, **{column: value}), client(3)])
    assert errors(result) == {("OST", cell_of(column, 1), rule)}


def test_unit_message_shows_the_number(check):
    [f] = by_rule(check([client(1, DOSE_MG="60 mg")]), "RET-NUMBER-WITH-UNIT")
    assert "did you mean 60?" in f.message and f.value == "60 mg"
    assert f.location.cell == "J2" and f.location.row == 2 and f.location.column == "DOSE_MG"


def test_misspelt_code_gets_did_you_mean(check):
    [f] = by_rule(check([client(1, PHASE="Maintainance")]), "RET-CODE-NOT-ALLOWED")
    assert "did you mean `maintenance`?" in f.message


def test_nhs_number_is_masked_in_findings(check):
    result = check([client(1, CLIENTID="9434765919")])
    text = " ".join(f"{f.message} {f.value} {f.client}" for f in result.findings)
    assert "9434765919" not in text


def test_not_an_nhs_number_passes(check):
    assert errors(check([client(1, CLIENTID="9434765918")])) == set()


def test_duplicate_clientid_reported_on_the_later_rows(check):
    result = check([client(1), client(2, CLIENTID="TS000001"), client(3), client(4, CLIENTID="TS000001")])
    assert errors(result) == {("OST", "A3", "RET-DUPLICATE-ID"), ("OST", "A5", "RET-DUPLICATE-ID")}
    assert all("row 2" in f.message for f in by_rule(result, "RET-DUPLICATE-ID"))


@pytest.mark.parametrize("column,value", [
    ("PHASE", "Maintenance"), ("PHASE", " maintenance "), ("PHASE", "MAINTENANCE"),
    ("NALOXONE", "Yes"), ("NALOXONE", "yes"), ("SUPERVISED", "no"), ("SUPERVISED", "No"),
    ("OST_MEDICATION", "Buprenorphine\u2013Naloxone"), ("DISRSN", "Incomplete \u2014 dropped out"),
    ("LAST_REVIEW", "20/02/2024"), ("LAST_REVIEW", "2024-02-20"), ("LAST_REVIEW", "05/02/2024"),
])
def test_accepted_variants_are_not_errors(check, column, value):
    extra = {"DISD": dt.date(2024, 3, 1)} if column == "DISRSN" else {}
    if column == "OST_MEDICATION":
        extra = {"DOSE_MG": 16}
    result = check([client(1, **{column: value}, **extra)])
    assert errors(result) == set()
    assert all(f.severity.value != "warning" for f in result.findings)


def test_normalised_codes_reported_once_per_column(check):
    result = check([client(i, PHASE="Maintenance") for i in range(1, 5)])
    notes = by_rule(result, "RET-CODE-NORMALISED")
    assert len(notes) == 1 and notes[0].severity.value == "info" and "4 value(s)" in notes[0].message
    assert result.clients["PHASE"].to_list() == ["maintenance"] * 4


def test_text_dates_accepted_with_a_note(check):
    result = check([client(1, LAST_REVIEW="20/02/2024"), client(2, LAST_REVIEW="2024-02-21")])
    [note] = by_rule(result, "RET-DATE-AS-TEXT")
    assert note.severity.value == "info"
    assert result.clients["LAST_REVIEW"].to_list() == [dt.date(2024, 2, 20), dt.date(2024, 2, 21)]


def test_ambiguous_dates_are_errors_when_the_column_has_us_dates(check):
    result = check([client(1, TRIAGED="03/25/2023"), client(2, TRIAGED="04/05/2023")])
    assert errors(result) == {("OST", "G2", "RET-DATE-US-ORDER"), ("OST", "G3", "RET-DATE-AMBIGUOUS")}


def test_excel_serial_number_in_a_date_column(check):
    [f] = by_rule(check([client(1, TRIAGED=45000)]), "RET-NOT-A-DATE")
    assert "2023-03-15" in f.message


@pytest.mark.parametrize("overrides,rule,column", [
    ({"DOSE_DATE": dt.date(2022, 1, 1)}, "RET-DOSE-DATE-BEFORE-START", "DOSE_DATE"),
    ({"DISD": dt.date(2024, 2, 1), "DISRSN": "Incomplete - dropped out", "TRIAGED": dt.date(2024, 2, 5),
      "OST_START": dt.date(2024, 2, 6), "DOSE_DATE": dt.date(2024, 2, 6)}, "RET-DISCHARGE-BEFORE-TRIAGE", "DISD"),
    ({"DISD": dt.date(2023, 12, 1), "DISRSN": "Incomplete - dropped out"}, "RET-DISCHARGE-OUTSIDE-PERIOD", "DISD"),
    ({"DISRSN": "Incomplete - dropped out"}, "RET-DISRSN-WITHOUT-DISD", "DISRSN"),
    ({"DISD": dt.date(2024, 3, 1)}, "RET-DISD-WITHOUT-DISRSN", "DISRSN"),
    ({"OPIUSE": None}, "RET-OPIUSE-MISSING", "OPIUSE"),
    ({"LAST_REVIEW": dt.date(2024, 4, 2)}, "RET-AFTER-PERIOD-END", "LAST_REVIEW"),
    ({"TRIAGED": dt.date(2024, 4, 2), "OST_START": dt.date(2024, 4, 3)}, "RET-AFTER-PERIOD-END", "TRIAGED"),
    ({"ECG_DATE": dt.date(2024, 4, 20)}, "RET-AFTER-SUBMITTED", "ECG_DATE"),
    ({"TRIAGED": dt.date(1989, 12, 31), "OST_START": dt.date(1989, 12, 31)}, "RET-DATE-TOO-EARLY", "TRIAGED"),
    ({"OST_MEDICATION": "methadone", "DOSE_MG": 450}, "RET-DOSE-IMPLAUSIBLE", "DOSE_MG"),
    ({"OST_MEDICATION": "buprenorphine", "DOSE_MG": 80}, "RET-DOSE-IMPLAUSIBLE", "DOSE_MG"),
    ({"OST_MEDICATION": "buprenorphine-pr-weekly", "DOSE_MG": 12}, "RET-DOSE-IMPLAUSIBLE", "DOSE_MG"),
    ({"OST_MEDICATION": "buprenorphine-pr-monthly", "DOSE_MG": 100}, "RET-DOSE-IMPLAUSIBLE", "DOSE_MG"),
])
def test_cross_field_errors(check, overrides, rule, column):
    result = check([client(1), client(2, **overrides)])
    assert ("OST", cell_of(column, 1), rule) in errors(result)
    assert all(f.location.row == 3 for f in result.findings if f.severity.value == "error")


@pytest.mark.parametrize("overrides,rule,column", [
    ({"OST_START": dt.date(2021, 12, 1)}, "RET-OST-BEFORE-TRIAGE", "OST_START"),
    ({"LA": "E08000012"}, "RET-OUT-OF-AREA", "LA"),
])
def test_cross_field_warnings(check, overrides, rule, column):
    result = check([client(1, **overrides)])
    assert errors(result) == set()
    [f] = by_rule(result, rule)
    assert f.severity.value == "warning" and f.location.cell == cell_of(column, 0)


def test_prolonged_release_strengths_accepted(check):
    clients = [client(1, OST_MEDICATION="buprenorphine-pr-weekly", DOSE_MG=24),
               client(2, OST_MEDICATION="buprenorphine-pr-monthly", DOSE_MG=128)]
    assert errors(check(clients)) == set()


def test_untidy_layout_maps_every_cell(tmp_path):
    """Shuffled lower-case headers, leading empty rows and columns, blank rows between clients."""
    rng = random.Random(7)
    columns = COLUMNS[:]
    rng.shuffle(columns)
    headers = [f"  {c.lower()} " for c in columns]
    clients = [client(i) for i in range(1, 21)]
    planted = {3: ("DOSE_MG", "60mg", "RET-NUMBER-WITH-UNIT"), 9: ("PHASE", "maintanance", "RET-CODE-NOT-ALLOWED"),
               14: ("SEX", None, "RET-REQUIRED"), 19: ("AGE", 12, "RET-OUT-OF-RANGE")}
    for i, (col, value, _) in planted.items():
        clients[i][col] = value
    clients[5]["NALOXONE"] = "yes"
    origin, blank_after = (4, 3), {2, 7, 8, 15}
    path = write_return(tmp_path / "untidy.xlsx", clients, columns=columns, headers=headers, origin=origin, blank_after=blank_after)
    result = validate_return(path)
    expected = {("OST", cell_of(col, i, columns=columns, origin=origin, blank_after=blank_after), rule)
                for i, (col, _, rule) in planted.items()}
    assert errors(result) == expected
    assert result.clients.height == 20


def test_missing_required_column_reported_once(check):
    columns = [c for c in COLUMNS if c != "PHASE"]
    result = check([client(1), client(2)], columns=columns)
    missing = by_rule(result, "RET-MISSING-COLUMN")
    assert [f.location.column for f in missing] == ["PHASE"]
    assert not by_rule(result, "RET-REQUIRED")


def test_missing_optional_column_is_fine(check):
    columns = [c for c in COLUMNS if c not in ("DOSE_NOTE", "ECG_DATE")]
    assert errors(check([client(1)], columns=columns)) == set()


def test_unknown_column_is_information(check):
    columns = COLUMNS + ["FAVOURITE_COLOUR"]
    result = check([client(1, FAVOURITE_COLOUR="blue")], columns=columns)
    [f] = by_rule(result, "RET-UNKNOWN-COLUMN")
    assert f.severity.value == "info" and f.location.cell == "X1"


def test_missing_ost_sheet(check):
    result = check([client(1)], ost_sheet="")
    assert {f.rule for f in result.findings if f.severity.value == "error"} == {"RET-MISSING-SHEET"}


@pytest.mark.parametrize("key,value,rule", [
    ("SCHEMA_VERSION", "ost-return-v2", "RET-CODE-NOT-ALLOWED"),
    ("PROVIDER_CODE", "TOO-LONG-CODE-XX", "RET-PATTERN"),
    ("LA_CODE", "W06000023", "RET-PATTERN"),
    ("PERIOD_START", "not a date", "RET-NOT-A-DATE"),
    ("PERIOD_END", dt.date(2023, 12, 1), "RET-PERIOD-ORDER"),
    ("PERIOD_START", dt.date(2022, 12, 1), "RET-PERIOD-TOO-LONG"),
    ("SUBMITTED_ON", dt.date(2024, 3, 1), "RET-SUBMITTED-BEFORE-END"),
    ("CONTACT_EMAIL", "not-an-email", "RET-PATTERN"),
    ("LA_NAME", None, "RET-REQUIRED"),
])
def test_submission_rules(check, key, value, rule):
    submission = dict(SUBMISSION, **{key: value})
    result = check([client(1)], submission=submission)
    sub_errors = {(f.rule, f.location.column) for f in result.findings if f.location.sheet == "Submission"}
    assert any(r == rule for r, _ in sub_errors), sub_errors


def test_submission_cell_is_named(check):
    result = check([client(1)], submission=dict(SUBMISSION, LA_CODE="X1"))
    [f] = [f for f in result.findings if f.location.sheet == "Submission"]
    assert f.location.cell == "B5" and f.location.column == "LA_CODE"


def test_missing_submission_key(check):
    submission = {k: v for k, v in SUBMISSION.items() if k != "PERIOD_END"}
    result = check([client(1)], submission=submission)
    assert [f.location.column for f in by_rule(result, "RET-MISSING-KEY")] == ["PERIOD_END"]


def test_invalid_cells_are_marked_for_later_rules(check):
    result = check([client(1, DOSE_MG="60mg"), client(2)])
    assert result.invalid["DOSE_MG"].to_list() == [True, False]
    assert result.invalid["PHASE"].to_list() == [False, False]


def test_an_nhs_number_id_is_one_error_not_also_a_pattern_error(check):
    """'401 023 2137' breaks the id pattern too; the cell gets the finding that says what it is, once."""
    result = check([client(1), client(2, CLIENTID="401 023 2137")])
    at_cell = [f for f in result.findings if f.location.cell == "A3" and f.severity.value == "error"]
    assert [f.rule for f in at_cell] == ["RET-NHS-NUMBER"]
    assert "2137" not in at_cell[0].message  # masked


def test_a_renamed_column_is_named_as_what_it_may_be(tmp_path):
    """A renamed OPIUSE is ignored, and every rule that needs it with it: the note says which column is missing."""
    columns = [c for c in COLUMNS]
    headers = ["Opiate use (days)" if c == "OPIUSE" else c for c in columns]
    path = write_return(tmp_path / "r.xlsx", [client(1)], columns=columns, headers=headers)
    [note] = [f for f in validate_return(path).findings if f.rule == "RET-UNKNOWN-COLUMN"]
    assert note.message.endswith("ignored; the return has no OPIUSE column: is it one of those?")
    assert note.location.column is None and note.value == "Opiate use (days)"


@pytest.mark.parametrize("column,typed,suggested", [
    ("SEX", "Male", "(did you mean `M`, male?)"),
    ("INJSTAT", "currently injecting", "(did you mean `C`, currently injecting?)"),
    ("DISRSN", "drug free", "(did you mean `Treatment completed - drug free`?)"),
])
def test_a_code_written_as_its_meaning_is_suggested(check, column, typed, suggested):
    extra = {"DISD": dt.date(2024, 3, 1)} if column == "DISRSN" else {}
    result = check([client(1, **{column: typed}, **extra)])
    [f] = [f for f in result.findings if f.rule == "RET-CODE-NOT-ALLOWED" and f.location.column == column]
    assert f.message.endswith(suggested)


def test_a_long_value_is_cut_in_the_message_and_kept_whole_as_the_value(check):
    """A cell may hold 32,767 characters; a message shows the first hundred and says how long it is."""
    long_id = "A" * 300
    [f] = [f for f in check([client(1, CLIENTID=long_id)]).findings if f.rule == "RET-PATTERN"]
    assert f.value == long_id
    assert "A" * 99 + "… (300 characters)" in f.message and "A" * 100 not in f.message


def test_a_missing_column_that_rows_need_is_an_error_at_the_header(tmp_path):
    """Without an OPIUSE column, the rule 'OPIUSE is required when TOPDATE is given' still holds: one error, not silence."""
    columns = [c for c in COLUMNS if c != "OPIUSE"]
    path = write_return(tmp_path / "r.xlsx", [client(1), client(2, TOPDATE=None), client(3)], columns=columns)
    [f] = [f for f in validate_return(path).findings if f.rule == "RET-COLUMN-NEEDED"]
    assert (f.severity.value, f.location.column, f.location.row) == ("error", "OPIUSE", 1)
    assert "2 row(s) need it (first at row 2: OPIUSE is required when TOPDATE is given)" in f.message
    kept = write_return(tmp_path / "all.xlsx", [client(1)])
    assert not [f for f in validate_return(kept).findings if f.rule == "RET-COLUMN-NEEDED"]


def test_a_pattern_error_says_the_pattern_not_the_columns_every_rule(check):
    [f] = [f for f in check([client(1, CLIENTID="a b")]).findings if f.rule == "RET-PATTERN"]
    assert f.message == "CLIENTID must be 1 to 20 letters, digits, hyphens or underscores; 'a b' is not"
