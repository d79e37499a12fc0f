"""One JSON shape for a finding: every command's output validates against docs/finding.schema.json,
and the streamed findings frame gives exactly what Finding.to_dict gives."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from builders import client, write_return
from typer.testing import CliRunner

from audit import __version__
from audit.cli import app
from audit.findings import FINDING_KEYS, LOCATION_KEYS, Finding, Location, Severity, findings_frame, write_findings_json
from audit.prescribing.doses import audit_doses

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "docs" / "finding.schema.json").read_text(encoding="utf-8"))
TYPES = {"string": str, "integer": int, "object": dict, "null": type(None), "array": list, "boolean": bool}
runner = CliRunner()


def errors(instance: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """The keywords of JSON Schema that docs/finding.schema.json uses, checked: type, enum, required,
    properties, additionalProperties: false, and $ref into $defs."""
    if "$ref" in schema:
        return errors(instance, SCHEMA["$defs"][schema["$ref"].rsplit("/", 1)[1]], where)
    out = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(isinstance(instance, TYPES[t]) and not (t == "integer" and isinstance(instance, bool)) for t in types):
            out.append(f"{where}: {instance!r} is not {types}")
    if "enum" in schema and instance not in schema["enum"]:
        out.append(f"{where}: {instance!r} not in {schema['enum']}")
    if isinstance(instance, dict):
        out += [f"{where}: no {key}" for key in schema.get("required", []) if key not in instance]
        if schema.get("additionalProperties") is False:
            out += [f"{where}: unexpected {key}" for key in instance if key not in schema.get("properties", {})]
        for key, sub in schema.get("properties", {}).items():
            if key in instance:
                out += errors(instance[key], sub, f"{where}.{key}")
    return out


def a_finding(**changes: Any) -> dict[str, Any]:
    finding = Finding("RET-X", Severity.ERROR, "m", Location("f.xlsx", "OST", "A2", 2, "AGE"), "5", "TS1").to_dict()
    finding.update(changes)
    return finding


def test_the_validator_catches_what_the_schema_forbids():
    assert errors(a_finding(), SCHEMA) == []
    broken = a_finding()
    del broken["fix"]
    assert errors(broken, SCHEMA) == ["$: no fix"]
    assert errors(a_finding(extra=1), SCHEMA) == ["$: unexpected extra"]
    assert errors(a_finding(severity="fatal"), SCHEMA)
    assert errors(a_finding(value=5), SCHEMA)
    assert errors(a_finding(location={"file": "f"}), SCHEMA)
    assert errors(a_finding(location={**a_finding()["location"], "row": "2"}), SCHEMA)


def test_the_schema_lists_the_keys_the_code_writes():
    assert tuple(SCHEMA["required"]) == FINDING_KEYS == tuple(SCHEMA["properties"])
    assert tuple(SCHEMA["$defs"]["location"]["required"]) == LOCATION_KEYS


@pytest.fixture(scope="module")
def area(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("areas")
    for name, clients in (("east", [client(1, DOSE_MG="60mg"), client(2, PHASE="maintenance", DOSE_MG=20)]),
                          ("west", [client(i) for i in range(1, 6)])):
        (root / name).mkdir()
        write_return(root / name / "return.xlsx", clients)
    (root / "east" / "contract.txt").write_text(
        "SYNTHETIC contract. 3.2 The provider will be paid a bonus for each successful completion of treatment.\n"
        "3.3 Treatment is limited to a maximum of 12 months.\n", encoding="utf-8")
    return root


def _json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def quarters(tmp_path_factory) -> Path:
    from test_history import row, write_quarters

    folder = tmp_path_factory.mktemp("history") / "area"
    write_quarters(folder, [[row(0, "A1"), row(0, "B2", DOSE_MG=60)], [row(1, "A1", AGE=5)]])
    return folder


@pytest.mark.parametrize("command", ["validate", "doses", "contracts", "compare", "rules", "history"])
def test_every_command_writes_the_one_finding_shape(area, quarters, command):
    args = {"history": ["history", str(quarters)],
            "validate": ["validate", str(area / "east" / "return.xlsx")],
            "doses": ["doses", str(area / "east" / "return.xlsx"), str(area / "west" / "return.xlsx")],
            "contracts": ["contracts", str(area / "east")],
            "compare": ["compare", str(area), "-o", str(area.parent / "compare.html")],
            "rules": ["rules"]}[command]
    data = _json(args)
    assert {"tool", "version", "command", "inputs", "summary", "findings"} <= set(data)
    assert data["tool"] == "ost-audit" and data["version"] == __version__ and data["command"] == command
    assert set(data["summary"]) == {"error", "warning", "info"}
    if command not in ("rules", "history"):
        assert data["findings"], "the fixture is built to give findings"
    for finding in data["findings"]:
        assert list(finding) == list(FINDING_KEYS)
        assert errors(finding, SCHEMA) == [], finding
    if command == "contracts":
        paid = [f for f in data["findings"] if f["category"] == "PAYS_FOR_COMPLETION"]
        assert paid and paid[0]["quote"] and paid[0]["trigger"] and "marks" in paid[0]["details"]


def test_the_streamed_frame_is_finding_to_dict(area):
    audit = audit_doses(area / "east" / "return.xlsx")
    assert audit.validated.findings and audit.findings  # both kinds go through the frame
    buffer = io.BytesIO()
    write_findings_json(audit.findings_frame(), buffer)
    streamed = json.loads(buffer.getvalue())
    direct = [f.to_dict() for f in audit.all_findings]
    assert sorted(map(json.dumps, streamed)) == sorted(map(json.dumps, direct))  # json.dumps keeps key order


def test_a_frame_refuses_findings_with_details():
    finding = Finding("CON-X", Severity.INFO, "m", Location("c.txt", line=3), extra={"marks": [[0, 1]]})
    assert finding.to_dict()["details"] == {"marks": [[0, 1]]} and finding.to_dict()["location"]["line"] == 3
    with pytest.raises(ValueError):
        findings_frame([finding])
    nested = Finding("CON-X", Severity.WARNING, "m", Location("c.txt"),
                     extra={"certainty": "review", "details": {"score": 0.7}, "marks": []}).to_dict()
    assert nested["certainty"] == "review" and nested["details"] == {"score": 0.7, "marks": []}


def test_streamed_json_escapes_hidden_characters_and_keeps_the_text():
    hostile = Finding("RET-X", Severity.ERROR, "m\u202e\x85", Location("f\u2066.xlsx", "S\x1b"), "v\u200b", "c")
    buffer = io.BytesIO()
    write_findings_json(findings_frame([hostile, Finding("RET-Y", Severity.INFO, "plain é", Location("f.xlsx"))]), buffer)
    text = buffer.getvalue().decode("utf-8")
    assert not any(c in text for c in "\u202e\x85\u2066\x1b\u200b") and "é" in text
    assert json.loads(text)[0] == hostile.to_dict()


def test_streamed_json_escapes_delete_in_ascii_only_findings():
    """DEL is ASCII yet hidden: a frame of ASCII text with one still has it escaped, as `to_json` does."""
    finding = Finding("RET-X", Severity.ERROR, "m\x7f", Location("f.xlsx"), "v\x7f")
    buffer = io.BytesIO()
    write_findings_json(findings_frame([finding]), buffer)
    text = buffer.getvalue().decode("utf-8")
    assert "\x7f" not in text and json.loads(text)[0] == finding.to_dict()
