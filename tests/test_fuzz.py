"""Fuzzing: mutated workbooks and contracts give exit 0, 1 or 2, never a crash.

An unexpected exception would still exit 2 (the CLI's last guard), so the
tests also require that every refusal is a reasoned one: the guard's
"could not finish" sentence, which marks a bug, must never appear.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import tempfile
import zipfile
from pathlib import Path

import docx as python_docx
import zipcraft
from builders import client, write_return
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from audit.cli import app

runner = CliRunner()
FUZZ = settings(max_examples=int(os.environ.get("OST_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@functools.cache
def seeds() -> dict[str, bytes]:
    """Valid inputs to mutate (made once; not a fixture, so Hypothesis does not print them)."""
    tmp = Path(tempfile.mkdtemp(prefix="ost-fuzz-"))
    book = write_return(tmp / "r.xlsx", [client(1), client(2, DOSE_MG="60mg"), client(3, NALOXONE="N")])
    document = python_docx.Document()
    document.add_heading("Schedule 5 - Payment", level=1)
    document.add_paragraph("5.1 Ten per cent of the contract value is paid on successful completions.")
    document.add_paragraph("5.2 OST will not be time-limited.")
    document.save(tmp / "c.docx")
    from audit.samples.sample_contracts import SPECS, write_pdf

    write_pdf(SPECS[1], tmp / "c.pdf")
    return {"xlsx": book.read_bytes(), "docx": (tmp / "c.docx").read_bytes(), "pdf": (tmp / "c.pdf").read_bytes()}


mutations = st.lists(st.tuples(st.floats(0, 1, allow_nan=False), st.integers(0, 255)), min_size=1, max_size=8)


def flip(data: bytes, edits: list[tuple[float, int]], cut: float | None) -> bytes:
    buf = bytearray(data)
    for where, value in edits:
        buf[int(where * (len(buf) - 1))] = value
    return bytes(buf[: max(1, int(cut * len(buf)))] if cut is not None else buf)


def mutate_member(data: bytes, suffix: str, edits: list[tuple[float, int]]) -> bytes:
    """Change bytes inside one XML part and zip it again, so the parsers behind the zip layer are reached."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in src.namelist() if n.endswith(suffix)]
    target = names[0] if names else src.namelist()[0]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            body = src.read(name)
            dst.writestr(name, flip(body, edits, None) if name == target else body)
    return out.getvalue()


def check(result) -> None:
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output and "could not finish" not in result.stderr, result.stderr
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1


@FUZZ
@given(edits=mutations, cut=st.one_of(st.none(), st.floats(0.05, 0.99)), inner=st.booleans(), command=st.sampled_from(["validate", "doses"]))
def test_mutated_workbooks(tmp_path, edits, cut, inner, command):
    path = tmp_path / "fuzz.xlsx"
    data = mutate_member(seeds()["xlsx"], "sheet2.xml", edits) if inner else flip(seeds()["xlsx"], edits, cut)
    path.write_bytes(data)
    check(runner.invoke(app, [command, str(path)]))
    assert path.read_bytes() == data


@FUZZ
@given(edits=mutations, cut=st.one_of(st.none(), st.floats(0.05, 0.99)), kind=st.sampled_from(["docx", "docx-inner", "pdf"]))
def test_mutated_contracts(tmp_path, edits, cut, kind):
    suffix = "pdf" if kind == "pdf" else "docx"
    path = tmp_path / f"fuzz.{suffix}"
    data = mutate_member(seeds()["docx"], "document.xml", edits) if kind == "docx-inner" else flip(seeds()[suffix], edits, cut)
    path.write_bytes(data)
    check(runner.invoke(app, ["contracts", str(path)]))
    assert Path(path).read_bytes() == data


# --- structure-aware mutations: zip records and cell references ---------------------------------------

ZIP_FIELDS = {"local": ["flags", "method", "crc", "csize", "usize", "name"], "central": ["flags", "method", "crc", "csize", "usize", "name", "offset", "disk"]}
SHORT = {"flags": 0xFFFF, "method": 0xFFFF, "disk": 0xFFFF, "count": 0xFFFF, "comment_length": 0xFFFF}  # two-byte fields
NUMBERS = st.one_of(st.sampled_from([0, 1, 8, 0x7FFF, 0xFFFF, 0xFFFFFFFF]), st.integers(0, 0xFFFF))
NAMES = st.sampled_from([b"xl/workbook.xml", b"XL/WORKBOOK.XML", b"xl\\workbook.xml", b"/xl/workbook.xml", b"../x", b"", b"xl//w.xml"])


@FUZZ
@given(where=st.sampled_from(["local", "central"]), which=st.integers(0, 20), what=st.sampled_from(ZIP_FIELDS["central"]),
       number=NUMBERS, name=NAMES, end=st.one_of(st.none(), st.sampled_from(["count", "size", "offset", "comment_length"])),
       end_value=NUMBERS, command=st.sampled_from(["validate", "doses"]))
def test_mutated_zip_records(tmp_path, where, which, what, number, name, end, end_value, command):
    """One field of one local header, directory entry or the end record changed: a reading or a reasoned refusal."""
    parts = zipcraft.entries_of(_seed_path())
    target = parts[which % len(parts)]
    if what in ZIP_FIELDS[where]:
        getattr(target, where)[what] = name if what == "name" else number & SHORT.get(what, 0xFFFFFFFF)
    path = tmp_path / "fuzz.xlsx"
    data = zipcraft.build(parts, end={end: end_value & SHORT.get(end, 0xFFFFFFFF)} if end else None)
    path.write_bytes(data)
    check(runner.invoke(app, [command, str(path)]))
    assert path.read_bytes() == data


REFERENCES = st.one_of(
    st.tuples(st.sampled_from(["A", "W", "Z", "AA", "XFD", "XFE", "ZZZZ", "", "a"]),
              st.sampled_from(["1", "0", "2", "1048576", "1048577", "4294967297", "99999999999", "", "-1"])).map("".join),
    st.text(alphabet="AZ09:-x ", max_size=8))


@FUZZ
@given(row=st.one_of(st.none(), REFERENCES.filter(lambda r: r.isdigit() or r == "")), cell=st.one_of(st.none(), REFERENCES),
       copies=st.integers(1, 3), drop_references=st.booleans(), command=st.sampled_from(["validate", "doses"]))
def test_mutated_cell_references(tmp_path, row, cell, copies, drop_references, command):
    """Rows and cells with references moved anywhere (or gone): read within bounds, or refused in one sentence."""
    def change(xml: bytes) -> bytes:
        if drop_references:
            xml = xml.replace(b' r="B2"', b"", 1).replace(b'<row r="3"', b"<row", 1)
        row_attr = "" if row is None else f' r="{row}"'
        cell_attr = "" if cell is None else f' r="{cell}"'
        extra = f'<row{row_attr}><c{cell_attr} t="inlineStr"><is><t>x</t></is></c></row>' * copies
        return xml.replace(b"</sheetData>", extra.encode() + b"</sheetData>")

    parts = [dataclasses.replace(e, data=change(e.data)) if e.name == zipcraft.OST_PART else e for e in zipcraft.entries_of(_seed_path())]
    path = tmp_path / "fuzz.xlsx"
    data = zipcraft.build(parts)
    path.write_bytes(data)
    check(runner.invoke(app, [command, str(path)]))
    assert path.read_bytes() == data


TAG_SPELLINGS = st.sampled_from(["plain", "prefix", "single-quotes", "newlines", "spaces-around-equals", "r-last",
                                  "r-in-another-namespace", "character-reference"])


def _spelled(tag: str, ref: str, how: str) -> str:
    """A `<row>` or `<c>` start tag for `ref`, spelled as XML allows and a scanner might not expect."""
    return {
        "plain": f'<{tag} r="{ref}"', "prefix": f'<x:{tag} xmlns:x="urn:x" r="{ref}"', "single-quotes": f"<{tag} r='{ref}'",
        "newlines": f'<{tag}\n\tr="{ref}"', "spaces-around-equals": f'<{tag} r = "{ref}"', "r-last": f'<{tag} s="0" r="{ref}"',
        "r-in-another-namespace": f'<{tag} xmlns:q="urn:q" q:r="A1" r="{ref}"', "character-reference": f'<{tag} r="&#{ord(ref[0])};{ref[1:]}"',
    }[how]


@FUZZ
@given(row=st.sampled_from(["4", "1048576", "4294967297"]), cell=REFERENCES, row_how=TAG_SPELLINGS, cell_how=TAG_SPELLINGS,
       command=st.sampled_from(["validate", "doses"]))
def test_mutated_tag_spellings(tmp_path, row, cell, row_how, cell_how, command):
    """A far cell hidden by how its tags are spelled (prefixes, quotes, whitespace, character references)."""
    end = "</x:row>" if row_how == "prefix" else "</row>"
    cell_end = "</x:c>" if cell_how == "prefix" else "</c>"
    extra = f'{_spelled("row", row, row_how)}>{_spelled("c", cell or "A4", cell_how)} t="inlineStr"><is><t>x</t></is>{cell_end}{end}'
    parts = [dataclasses.replace(e, data=e.data.replace(b"</sheetData>", extra.encode() + b"</sheetData>"))
             if e.name == zipcraft.OST_PART else e for e in zipcraft.entries_of(_seed_path())]
    path = tmp_path / "fuzz.xlsx"
    data = zipcraft.build(parts)
    path.write_bytes(data)
    check(runner.invoke(app, [command, str(path)]))
    assert path.read_bytes() == data


SHEET_ELEMENT = st.tuples(
    st.sampled_from(['name="OST"', 'name="ost"', 'name="OST "', 'name="Submission"']),
    st.sampled_from(["", 'state="hidden"', 'state="veryHidden"', 'state="odd"']),
    st.lists(st.sampled_from(['r:id="rId2"', 'r:id="rId1"', 'r:id="rId9"', 'id="rId1"', 'q:id="rId2"', 'id="rId9"']),
             min_size=1, max_size=3, unique_by=lambda a: a.split("=")[0]),
).map(lambda t: [t[0], t[1], *t[2]])


@FUZZ
@example(first=['name="OST"', "", 'id="rId1"', 'r:id="rId9"'], second=None, command="validate")  # exit 134 before the rebuilt workbook part
@given(first=SHEET_ELEMENT, second=st.one_of(st.none(), SHEET_ELEMENT), command=st.sampled_from(["validate", "doses"]))
def test_mutated_sheet_lists(tmp_path, first, second, command):
    """The OST `<sheet>` element with its name, state and relationship ids mixed (and perhaps a second one), beside a
    relationship to a sheet with a far cell: a reading of a scanned sheet or a reasoned refusal, never the far sheet."""
    def sheet(attributes: list[str]) -> bytes:
        return f'<sheet xmlns:r="{zipcraft.R_NS}" xmlns:q="urn:q" sheetId="7" {" ".join(attributes)}/>'.encode()

    sheets = sheet(first) + (sheet(second) if second is not None else b"")
    parts = zipcraft._sheet_variant(zipcraft.entries_of(_seed_path()), sheets)
    path = tmp_path / "fuzz.xlsx"
    data = zipcraft.build(parts)
    path.write_bytes(data)
    check(runner.invoke(app, [command, str(path)]))
    assert path.read_bytes() == data


@functools.cache
def _seed_path() -> Path:
    path = Path(tempfile.mkdtemp(prefix="ost-fuzz-zip-")) / "seed.xlsx"
    path.write_bytes(seeds()["xlsx"])
    return path
