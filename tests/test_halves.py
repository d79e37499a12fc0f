"""The reader's input: a package rebuilt from checked parts (repack), a big sheet parsed in two halves (halves),
and what either gives equals what parsing the provider's file whole gives."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from pathlib import Path

import fastexcel
import polars as pl
import pytest
from builders import client, write_return
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook as OpenpyxlWorkbook

from audit.errors import InputRefused
from audit.reading import halves, repack
from audit.reading import workbook as workbook_module
from audit.reading.workbook import Workbook, column_letter
from audit.returns.validate import validate_return

OST_PART = "xl/worksheets/sheet2.xml"  # openpyxl: Submission is sheet1, OST sheet2


def _whole(path: Path, name: str = "OST") -> tuple[pl.DataFrame, tuple[str, ...]]:
    """The sheet as fastexcel reads the provider's own file."""
    sheet = fastexcel.read_excel(str(path)).load_sheet_by_name(name, header_row=None, skip_rows=0, dtypes="string")
    return sheet.to_polars(), tuple(column_letter(c.absolute_index) for c in sheet.available_columns())


@pytest.fixture
def cut_everything(monkeypatch):
    return _cut_everything(monkeypatch)


def _cut_everything(monkeypatch) -> list[bool]:
    """Every sheet is cut (not only big ones); the join's verdicts are recorded."""
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 0)
    verdicts: list[bool] = []
    join = workbook_module.join_frames
    monkeypatch.setattr(workbook_module, "join_frames", lambda *a: verdicts.append((j := join(*a)) is not None) or j)
    return verdicts


def _read(path: Path, name: str = "OST") -> tuple[pl.DataFrame, tuple[str, ...]]:
    sheet = Workbook(path).sheet(name)
    return sheet.frame, sheet.letters


def _sheet_xml(rows: str) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + rows.encode() + b"</sheetData></worksheet>")


def _with_sheet_xml(tmp_path: Path, xml: bytes) -> Path:
    """A workbook whose OST sheet is exactly `xml` (for row layouts no writer makes)."""
    source = write_return(tmp_path / "source.xlsx", [client(1)])
    path = tmp_path / "hand.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, xml if item.filename == OST_PART else zin.read(item.filename))
    return path


def _row(r: int | None, cells: dict[str, str]) -> str:
    number = f' r="{r}"' if r is not None else ""
    return f"<row{number}>" + "".join(f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>' for ref, v in cells.items()) + "</row>"


# --- the cut ------------------------------------------------------------------------------------------

def test_small_sheets_are_not_cut():
    xml = _sheet_xml("".join(_row(r, {f"A{r}": "x"}) for r in range(1, 101)))
    assert len(xml) < halves.SPLIT_MIN_BYTES and halves.find_cut(bytearray(xml)) is None


def test_the_cut_falls_before_a_numbered_row_near_the_share(monkeypatch):
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 0)
    xml = bytearray(_sheet_xml("".join(_row(r, {f"A{r}": f"v{r}"}) for r in range(1, 101))))
    cut = halves.find_cut(xml, share=0.5)
    assert cut is not None and xml[cut.at:].startswith(f'<row r="{cut.first_row}">'.encode())
    assert 45 <= cut.first_row <= 55
    first, second = (b"".join(bytes(p) for p in half) for half in cut.halves(xml))
    assert first == xml[:cut.at] + xml[cut.end:] and second == xml[:cut.start] + xml[cut.at:]
    assert first.endswith(b"</sheetData></worksheet>") and second.startswith(xml[:cut.start]) and xml[:cut.start].endswith(b"<sheetData>")


def test_the_cut_skips_rows_without_a_number_and_self_closing_rows(monkeypatch):
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 0)
    rows = [_row(r, {f"A{r}": "x"}) for r in range(1, 11)] + ['<row r="11" spans="1:1"/>', _row(None, {"A12": "y"})]
    rows += [_row(r, {f"A{r}": "x"}) for r in range(13, 16)]
    xml = bytearray(_sheet_xml("".join(rows)))
    start, end = xml.index(b"<sheetData>") + len(b"<sheetData>"), xml.index(b"</sheetData>")
    cut = halves.find_cut(xml, share=(xml.index(b'<row r="11"') - start) / (end - start))
    assert cut is not None and cut.first_row == 13


@pytest.mark.parametrize("xml", [
    _sheet_xml(_row(1, {"A1": "a"}) + "<!-- a comment -->" + _row(2, {"A2": "b"}) + _row(3, {"A3": "c"})),
    _sheet_xml(_row(1, {"A1": "a"}) + _row(2, {"A2": "<![CDATA[x]]>"}) + _row(3, {"A3": "c"})),
    _sheet_xml(_row(1, {"A1": "a"})),  # one row: nothing to cut
    _sheet_xml("".join(_row(None, {f"A{r}": "a"}) for r in range(1, 30))),  # no row carries its number
    b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
    + "".join(f'<x:row r="{r}"><x:c r="A{r}"><x:v>1</x:v></x:c></x:row>' for r in range(1, 30)).encode()
    + b"</x:sheetData></x:worksheet>",  # prefixed elements: not searched for
])
def test_sheets_not_plain_enough_are_not_cut(monkeypatch, xml):
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 0)
    assert halves.find_cut(bytearray(xml)) is None


# --- the join -----------------------------------------------------------------------------------------

def test_a_return_read_in_halves_equals_it_read_whole(tmp_path, cut_everything):
    clients = [client(i, DOSE_MG=f" {i} mg " if i % 7 == 0 else i, DOSE_NOTE="note" if i % 5 == 0 else None)
               for i in range(1, 300)]
    path = write_return(tmp_path / "r.xlsx", clients, origin=(4, 3), blank_after={10, 200})
    frame, letters = _read(path)
    whole_frame, whole_letters = _whole(path)
    assert cut_everything == [True]
    assert letters == whole_letters and letters[0] == "C"
    assert frame.equals(whole_frame) and frame.n_chunks() == 1


def test_a_second_sheet_data_is_read_as_calamine_reads_it(tmp_path, cut_everything):
    """calamine stops at the first `</sheetData>`: rows after it are not in the sheet, cut or not."""
    rows = "".join(_row(r, {f"A{r}": f"a{r}"}) for r in range(1, 61))
    more = "".join(_row(r, {f"A{r}": f"late{r}"}) for r in range(61, 70))
    path = _with_sheet_xml(tmp_path, _sheet_xml(rows + "</sheetData><sheetData>" + more))
    frame, _ = _read(path)
    assert cut_everything == [True] and frame.equals(_whole(path)[0]) and frame.height == 60


def test_rows_out_of_order_are_not_joined_and_the_sheet_is_read_whole(tmp_path, cut_everything):
    rows = [_row(r, {f"A{r}": f"a{r}", f"B{r}": f"b{r}"}) for r in range(1, 41) if r != 3] + [_row(3, {"A3": "late"})]
    path = _with_sheet_xml(tmp_path, _sheet_xml("".join(rows)))
    frame, letters = _read(path)
    whole_frame, whole_letters = _whole(path)
    assert cut_everything == [False]  # row 3 sits after the cut
    assert frame.equals(whole_frame) and letters == whole_letters and frame.item(2, 0) == "late"


def test_the_fallback_is_said_under_debug_only(tmp_path, cut_everything):
    from typer.testing import CliRunner

    from audit.cli import app

    rows = [_row(r, {f"A{r}": f"a{r}"}) for r in range(1, 41) if r != 3] + [_row(3, {"A3": "late"})]
    path = _with_sheet_xml(tmp_path, _sheet_xml("".join(rows)))
    quiet = CliRunner().invoke(app, ["validate", str(path), "--fail-on", "never"])
    loud = CliRunner().invoke(app, ["validate", str(path), "--fail-on", "never", "--debug"])
    assert quiet.exit_code == loud.exit_code == 0
    assert "read whole" not in quiet.stderr
    assert "sheet 'OST' read whole, not in halves: rows lie on the wrong side of the cut" in loud.stderr
    assert loud.stdout == quiet.stdout


def test_a_row_numbered_past_the_cut_in_the_first_half_is_not_joined(tmp_path, cut_everything):
    rows = [_row(90, {"A90": "early but numbered late"})] + [_row(r, {f"A{r}": f"a{r}"}) for r in range(1, 41)]
    path = _with_sheet_xml(tmp_path, _sheet_xml("".join(rows)))
    frame, _ = _read(path)
    assert cut_everything == [False] and frame.equals(_whole(path)[0])


def test_a_half_of_empty_strings_only_is_read_whole(tmp_path, cut_everything):
    path = tmp_path / "r.xlsx"
    wb = OpenpyxlWorkbook()
    wb.active.title = "Submission"
    ws = wb.create_sheet("OST")
    for r in range(1, 41):
        ws.cell(row=r, column=1, value=f"a{r}" if r <= 10 else "")
    wb.save(path)
    frame, letters = _read(path)
    assert cut_everything == [False]  # fastexcel finds no cells in the second half
    assert frame.equals(_whole(path)[0]) and letters == _whole(path)[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grid=st.lists(st.lists(st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6).filter(lambda t: not t.startswith("=")),
    st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1))), min_size=1, max_size=5), min_size=2, max_size=40),
    top=st.integers(0, 4), left=st.integers(0, 3), share=st.floats(0.05, 0.95))
def test_any_sheet_read_in_halves_equals_it_read_whole(tmp_path_factory, monkeypatch, grid, top, left, share):
    path = tmp_path_factory.mktemp("h") / "r.xlsx"
    wb = OpenpyxlWorkbook()
    wb.active.title = "Submission"
    ws = wb.create_sheet("OST")
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(row=top + i + 1, column=left + j + 1, value=value)
    wb.save(path)
    assume(any(v is not None for row in grid for v in row))
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(halves, "FIRST_SHARE", share)
    frame, letters = _read(path)
    whole_frame, whole_letters = _whole(path)
    assert frame.equals(whole_frame) and letters == whole_letters


def test_validation_of_a_return_cut_in_halves_matches_reading_it_whole(tmp_path, monkeypatch):
    clients = [client(i, DOSE_MG=45 if i % 3 == 0 else 80, SEX="q" if i == 250 else "M") for i in range(1, 400)]
    path = write_return(tmp_path / "r.xlsx", clients, origin=(2, 2))
    whole = validate_return(path)  # small: read whole
    verdicts = _cut_everything(monkeypatch)
    cut = validate_return(path)
    assert verdicts == [True, True]  # the Submission sheet and the OST sheet
    assert [(f.rule, f.location.cell, f.value) for f in cut.findings] == [(f.rule, f.location.cell, f.value) for f in whole.findings]
    assert cut.clients.equals(whole.clients)
    assert any(f.location.cell == "C252" for f in cut.findings)  # client 250's SEX, past the cut


# --- the rebuilt package ------------------------------------------------------------------------------

@pytest.fixture
def packages(monkeypatch):
    """The packages handed to the reader, as bytes."""
    seen: list[bytes] = []
    real = repack.Source.__init__

    def spy(self, pieces):
        seen.append(b"".join(bytes(p) for p in pieces))
        real(self, pieces)
    monkeypatch.setattr(repack.Source, "__init__", spy)
    return seen


def test_the_reader_gets_our_workbook_part_the_styles_and_the_one_sheet_only(tmp_path, packages):
    path = write_return(tmp_path / "r.xlsx", [client(i) for i in range(1, 30)])
    Workbook(path).sheet("OST")
    assert len(packages) == 1
    with zipfile.ZipFile(io.BytesIO(packages[0])) as zf, zipfile.ZipFile(path) as original:
        assert zf.testzip() is None  # every CRC right
        assert set(zf.namelist()) == {"_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
                                      repack.SHEET_PART}
        assert zf.read(repack.SHEET_PART) == original.read(OST_PART) and zf.read("xl/styles.xml") == original.read("xl/styles.xml")
        book = zf.read("xl/workbook.xml")
        assert book.count(b"<sheet ") == 1 and b'name="S"' in book and book != original.read("xl/workbook.xml")


def test_each_half_package_holds_its_half(tmp_path, packages, cut_everything):
    path = write_return(tmp_path / "r.xlsx", [client(i) for i in range(1, 80)])
    assert Workbook(path).sheet("OST").frame.height == 80  # header and 79 clients
    with zipfile.ZipFile(path) as original:
        whole = original.read(OST_PART)
    first, second = (zipfile.ZipFile(io.BytesIO(p)).read(repack.SHEET_PART) for p in packages)
    body = whole[whole.index(b"<sheetData>") + len(b"<sheetData>"):whole.index(b"</sheetData>")]
    first_rows = first[first.index(b"<sheetData>") + 11:first.index(b"</sheetData>")]
    second_rows = second[second.index(b"<sheetData>") + 11:second.index(b"</sheetData>")]
    assert cut_everything == [True] and first_rows and second_rows
    assert body in (first_rows + second_rows, second_rows + first_rows)  # the halves are built at once, in either order


def test_without_anonymous_files_the_package_is_bytes_and_reads_the_same(tmp_path, monkeypatch):
    path = write_return(tmp_path / "r.xlsx", [client(i, AGE=20 + i % 50) for i in range(1, 80)], origin=(3, 2))
    monkeypatch.delattr(repack.os, "memfd_create", raising=False)
    sources = []
    real = repack.Source.__init__
    monkeypatch.setattr(repack.Source, "__init__", lambda self, pieces: (real(self, pieces), sources.append(self.source))[0])
    frame, letters = _read(path)
    assert sources and all(isinstance(s, bytes) for s in sources)
    assert (frame.equals(_whole(path)[0]), letters) == (True, _whole(path)[1])


def test_the_anonymous_files_are_closed_once_parsed(tmp_path, monkeypatch, cut_everything):
    path = write_return(tmp_path / "r.xlsx", [client(i) for i in range(1, 80)])
    made: list[repack.Source] = []
    real = repack.Source.__init__
    monkeypatch.setattr(repack.Source, "__init__", lambda self, pieces: (real(self, pieces), made.append(self))[0])
    assert Workbook(path).sheet("OST").frame.height == 80  # header and 79 clients
    assert len(made) == 2 and all(source.fd is None for source in made)
    names = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}")]
    assert not any("ost-audit-sheet" in n for n in names)


def test_a_sheet_whose_relationship_points_nowhere_is_refused(tmp_path):
    source = write_return(tmp_path / "source.xlsx", [client(1)])
    path = tmp_path / "nowhere.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"worksheets/sheet2.xml", b"worksheets/elsewhere.xml")
            zout.writestr(item.filename, data)
    with pytest.raises(InputRefused, match="points at a part the package does not have"):
        Workbook(path).sheet("OST")


def test_far_cells_in_a_sheet_never_read_do_not_stop_the_audit(tmp_path, packages):
    """A provider's own notes sheet reaching XFD1048576 is never parsed, so it costs nothing and is not refused."""
    from openpyxl import load_workbook

    source = write_return(tmp_path / "source.xlsx", [client(1), client(2)])
    book = load_workbook(source)
    book.create_sheet("Notes")["A1"] = "our own notes"
    book.save(tmp_path / "with-notes.xlsx")
    notes = "xl/worksheets/sheet3.xml"
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(tmp_path / "with-notes.xlsx") as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == notes:
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
            zout.writestr(name, data)
    assert b"XFD1048576" in zipfile.ZipFile(path).read(notes)
    result = validate_return(path)
    assert result.clients["CLIENTID"].to_list() == ["TS000001", "TS000002"]
    assert all(notes not in zipfile.ZipFile(io.BytesIO(p)).namelist() for p in packages)
