"""Returns in the codes case-management systems export for NDTMS (issue 16).

The same clients are written once with the return's labels and once with the
NDTMS codes the schema accepts (numbers in number cells, as exports hold
them); both must validate without errors or warnings and give the same dose
audit and the same indicators. Codes the schema does not list are refused,
and messages show both forms.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from builders import COLUMNS, client, write_return
from typer.testing import CliRunner

from audit.cli import app
from audit.findings import Severity
from audit.prescribing.doses import audit_doses
from audit.returns.codes import discharge_outcome
from audit.returns.schema import docs_table, load_schema
from audit.returns.validate import validate_return

SCHEMA = load_schema()


def _code_of(column: str, label: str | None) -> int | None:
    codes = {lab: code for code, lab in SCHEMA.column(column).aliases.items()}
    return None if label is None else int(codes[label])


def _clients() -> list[dict]:
    """Every coded value here has an NDTMS code in the schema: DRUG1 methadone, discharges alcohol free."""
    done = "Treatment completed - alcohol free"
    return [
        client(1, DRUG1="illicit-methadone"),
        client(2, DRUG1="illicit-methadone", DOSE_MG=45, OPIUSE=4),  # under-dosed, using on top
        client(3, DRUG1="illicit-methadone", DISD=dt.date(2024, 3, 1), DISRSN=done),
        client(4, DRUG1="illicit-methadone", OST_MEDICATION="buprenorphine", DOSE_MG=8, PREV_DOSE_MG=8,
               DISD=dt.date(2024, 2, 1), DISRSN=done, NALOXONE="N"),
        client(5, DRUG1="illicit-methadone", DOSE_MG=130, ECG_DATE=dt.date(2023, 1, 1)),
    ]


def _in_codes(rows: list[dict]) -> list[dict]:
    return [dict(r, DRUG1=_code_of("DRUG1", r["DRUG1"]), DISRSN=_code_of("DISRSN", r["DISRSN"])) for r in rows]


def _findings(audit) -> list[tuple]:
    return sorted((f.rule, f.severity.value, f.client, f.message) for f in audit.findings)


def _indicators(audit) -> list[tuple]:
    return [(i.id, i.numerator, i.denominator) for i in audit.indicators]


def test_a_return_in_ndtms_codes_validates_clean_and_audits_the_same(tmp_path):
    labels = write_return(tmp_path / "labels.xlsx", _clients())
    codes = write_return(tmp_path / "codes.xlsx", _in_codes(_clients()))

    validated = validate_return(codes)
    serious = [f for f in validated.findings if f.severity in (Severity.ERROR, Severity.WARNING)]
    assert serious == []
    notes = {f.location.column: f for f in validated.findings if f.rule == "RET-CODE-NDTMS"}
    assert set(notes) == {"DRUG1", "DISRSN"}
    assert "'81' = 'Treatment completed - alcohol free'" in notes["DISRSN"].message  # both forms in the message
    assert "2 NDTMS code(s)" in notes["DISRSN"].message
    assert validated.clients["DRUG1"].to_list() == ["illicit-methadone"] * 5

    by_labels, by_codes = audit_doses(labels), audit_doses(codes)
    assert _findings(by_codes) == _findings(by_labels) and _findings(by_labels)
    assert _indicators(by_codes) == _indicators(by_labels)
    successful = {i.id: (i.numerator, i.denominator) for i in by_codes.indicators}["discharges-successful"]
    assert successful == (2, 2)


def test_codes_typed_as_text_are_read_too(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1, DRUG1=" 1105 ", DISD=dt.date(2024, 3, 1), DISRSN="81")])
    validated = validate_return(path)
    assert validated.clients.select("DRUG1", "DISRSN").row(0) == ("illicit-methadone", "Treatment completed - alcohol free")


def test_an_unconfirmed_code_is_refused_and_the_message_lists_both_forms(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1, DISD=dt.date(2024, 3, 1), DISRSN=85)])
    errors = [f for f in validate_return(path).findings if f.rule == "RET-CODE-NOT-ALLOWED"]
    assert len(errors) == 1 and errors[0].location.column == "DISRSN"
    assert "'85' is not" in errors[0].message
    assert "`Treatment completed - alcohol free` (NDTMS `81`)" in errors[0].message


def test_labels_still_work_beside_codes(tmp_path):
    rows = [client(1, DISD=dt.date(2024, 3, 1), DISRSN="Incomplete - dropped out"),
            client(2, DISD=dt.date(2024, 3, 1), DISRSN=81)]
    validated = validate_return(write_return(tmp_path / "r.xlsx", rows))
    assert not [f for f in validated.findings if f.severity is Severity.ERROR]
    assert validated.clients["DISRSN"].to_list() == ["Incomplete - dropped out", "Treatment completed - alcohol free"]


def test_outcome_class_of_every_discharge_reason():
    field = SCHEMA.column("DISRSN")
    assert set(field.outcomes) == set(field.codes)  # every label has a class
    frame = pl.DataFrame({"DISRSN": [*field.codes, None, "nonsense"]})
    got = dict(zip(frame["DISRSN"], frame.select(discharge_outcome(pl.col("DISRSN")))["DISRSN"]))
    assert got["Treatment completed - drug free"] == "successful"
    assert got["Transferred - in custody"] == "neutral"
    assert got["Incomplete - treatment withdrawn by provider"] == "unsuccessful"
    assert got[None] is None and got["nonsense"] is None


def test_docs_list_both_forms_of_every_code_and_say_what_is_unconfirmed():
    table = docs_table()
    assert "| `Treatment completed - alcohol free` | `81` |" in table
    assert "| `illicit-methadone` | `1105` |" in table
    for f in SCHEMA.columns:
        if f.type == "code":
            assert f"### `{f.name}`" in table
            assert all(f"| `{label}` |" in table for label in f.codes)
            assert f.code_note, f.name  # every code list says what is known of its NDTMS codes
    assert "could not be confirmed" in SCHEMA.column("DISRSN").code_note


@pytest.mark.parametrize(("codes", "words"), [
    ({"a": {"meaning": "x", "ndtms": "1"}, "b": {"meaning": "y", "ndtms": "1"}}, "given twice"),
    ({"a": {"meaning": "x", "outcome": "great"}}, "outcome"),
    ({"1": "x", "b": {"meaning": "y", "ndtms": "1"}}, "given twice"),
])
def test_schema_refuses_an_ambiguous_code_list(codes, words):
    from audit.returns.schema import _field

    with pytest.raises(ValueError, match=words):
        _field({"name": "X", "type": "code", "required": False, "description": "d", "codes": codes})



# --- --columns: a provider's own headers, mapped once --------------------------------------

EXPORT = {"CLIENTID": "Client Ref", "DRUG1": "Primary Drug", "DISD": "Discharge Date", "DISRSN": "Discharge Reason",
          "DOSE_MG": "Daily dose (mg)"}
MAPPING = "".join(f"{header}: {column}\n" for column, header in EXPORT.items())


def _export(tmp_path, rows):
    """The return as an export names its columns, and the mapping file for it."""
    path = write_return(tmp_path / "export.xlsx", rows, headers=[EXPORT.get(c, c) for c in COLUMNS])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return path, mapping


def test_columns_mapping_reads_an_export_as_the_return(tmp_path):
    rows = _in_codes(_clients())
    export, mapping = _export(tmp_path, rows)
    canonical = write_return(tmp_path / "canonical.xlsx", rows)
    runner = CliRunner()

    unmapped = json.loads(runner.invoke(app, ["validate", str(export), "--format", "json"]).stdout)
    assert {f["rule"] for f in unmapped["findings"]} >= {"RET-MISSING-COLUMN", "RET-UNKNOWN-COLUMN"}

    mapped = runner.invoke(app, ["validate", str(export), "--columns", str(mapping), "--format", "json"])
    assert mapped.exit_code == 0
    assert {f["severity"] for f in json.loads(mapped.stdout)["findings"]} <= {"info"}

    def doses(path, *extra):
        out = json.loads(runner.invoke(app, ["doses", str(path), "--format", "json", *extra]).stdout)
        return sorted((f["rule"], f["client"], f["message"]) for f in out["findings"]), out["indicators"]

    got, want = doses(export, "--columns", str(mapping)), doses(canonical)
    assert got[0] == want[0] and got[0]
    assert [(i["id"], i["numerator"], i["denominator"]) for i in got[1]] == \
        [(i["id"], i["numerator"], i["denominator"]) for i in want[1]]

    report = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(export), "--columns", str(mapping), "--output", str(report), "--quiet", "--fail-on", "never"])
    assert result.exit_code == 0 and "DOSE_MG" not in json.dumps(result.stderr)
    assert "MET-BELOW-OPTIMAL" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "words"), [
    ("Discharge Reason: DISCHARGE_REASON\n", "'Discharge Reason' to 'DISCHARGE_REASON', which is not a column of ost-return-v1"),
    ("Discharge Reason: DISRSN\nLeaving reason: disrsn\n", "maps both 'Discharge Reason' and 'Leaving reason' to DISRSN"),
    ("Discharge Reason: DISRSN\ndischarge-reason: DISD\n", "lists the header 'discharge-reason' twice"),
    ("- DISRSN\n", "is not a column mapping"),
    ("Discharge Reason: [DISRSN]\n", "both must be column names"),
    (": : :\n", "is not a YAML column mapping"),
])
def test_a_mapping_that_cannot_be_followed_is_refused_in_one_sentence(tmp_path, text, words):
    export = write_return(tmp_path / "r.xlsx", [client(1)])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(text, encoding="utf-8")
    for command in (["validate", str(export)], ["doses", str(export)],
                    ["report", str(export), "--output", str(tmp_path / "x.html")]):
        result = CliRunner().invoke(app, [*command, "--columns", str(mapping)])
        assert result.exit_code == 2, command
        assert words in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_a_missing_mapping_file_is_refused(tmp_path):
    export = write_return(tmp_path / "r.xlsx", [client(1)])
    result = CliRunner().invoke(app, ["validate", str(export), "--columns", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "cannot be read" in result.stderr
