"""Parsing a big sheet in two halves (audit/halves.py) gives exactly what parsing it whole gives."""

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

from audit import halves
from audit.safety import check_ooxml
from audit.validate import validate_return
from audit.workbook import Workbook, column_letter

OST_PART = "xl/worksheets/sheet2.xml"  # openpyxl: Submission is sheet1, OST sheet2


def _whole(path: Path, name: str = "OST") -> tuple[pl.DataFrame, tuple[str, ...]]:
    sheet = fastexcel.read_excel(str(path)).load_sheet_by_name(name, header_row=None, skip_rows=0, dtypes="string")
    return sheet.to_polars(), tuple(column_letter(c.absolute_index) for c in sheet.available_columns())


def _kept(path: Path, part: str = OST_PART) -> bytearray:
    return check_ooxml(path, kind="workbook", required_part="xl/workbook.xml", keep=lambda members: {part})[part]


def _joined(path: Path, name: str = "OST", part: str = OST_PART):
    started = halves.start(path, name, part, {part: _kept(path, part)})
    assert started is not None, "the sheet should have been cut"
    joined = started.join()
    return None if joined is None else (joined[0], tuple(column_letter(i) for i in joined[1]))


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


def _member(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.file_size = size
    return info


def test_only_the_biggest_worksheet_is_kept_and_only_when_worth_a_cut():
    mb = 1 << 20
    members = [_member("xl/sharedStrings.xml", 90 * mb), _member("xl/worksheets/sheet1.xml", 20 * mb),
               _member("xl/worksheets/sheet2.xml", 40 * mb)]
    assert halves.worth_splitting(members) == {"xl/worksheets/sheet2.xml"}
    assert halves.worth_splitting([_member("xl/worksheets/sheet1.xml", halves.SPLIT_MIN_BYTES - 1)]) == set()
    assert halves.worth_splitting([_member("xl/worksheets/sheet1.xml", halves.SPLIT_MAX_BYTES + 1)]) == set()


def test_a_sheet_bigger_than_its_directory_said_is_not_cut(tmp_path, monkeypatch):
    path = write_return(tmp_path / "r.xlsx", [client(i) for i in range(1, 60)])
    xml = _kept(path)
    monkeypatch.setattr(halves, "SPLIT_MAX_BYTES", len(xml) - 1)
    assert halves.start(path, "OST", OST_PART, {OST_PART: xml}) is None


# --- the cut ------------------------------------------------------------------------------------------

def test_the_cut_falls_before_a_numbered_row_near_the_share():
    xml = _sheet_xml("".join(_row(r, {f"A{r}": f"v{r}"}) for r in range(1, 101)))
    cut = halves.find_cut(xml, share=0.5)
    assert cut is not None and xml[cut.at:].startswith(f'<row r="{cut.first_row}">'.encode())
    assert 45 <= cut.first_row <= 55
    assert xml[:cut.start].endswith(b"<sheetData>") and xml[cut.end:].startswith(b"</sheetData>")


def test_the_cut_skips_rows_without_a_number_and_self_closing_rows():
    rows = [_row(r, {f"A{r}": "x"}) for r in range(1, 11)] + ['<row r="11" spans="1:1"/>', _row(None, {"A12": "y"})]
    rows += [_row(r, {f"A{r}": "x"}) for r in range(13, 16)]
    xml = _sheet_xml("".join(rows))
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
def test_sheets_not_plain_enough_are_not_cut(xml):
    assert halves.find_cut(xml) is None


def test_a_second_sheet_data_is_read_as_calamine_reads_it(tmp_path):
    """calamine stops at the first `</sheetData>`: rows after it are not in the sheet, cut or not."""
    rows = "".join(_row(r, {f"A{r}": f"a{r}"}) for r in range(1, 61))
    more = "".join(_row(r, {f"A{r}": f"late{r}"}) for r in range(61, 70))
    # a second block after the cut: the second half stops where the whole sheet stops
    path = _with_sheet_xml(tmp_path, _sheet_xml(rows + "</sheetData><sheetData>" + more))
    frame, letters = _joined(path)
    assert frame.equals(_whole(path)[0]) and frame.height == 60
    # a block ending before the cut point: not cut at all
    first_few = "".join(_row(r, {f"A{r}": "x"}) for r in range(1, 6))
    assert halves.find_cut(_sheet_xml(first_few + "</sheetData><sheetData>" + more)) is None


def test_the_half_workbooks_are_valid_zips_holding_each_half(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(i) for i in range(1, 60)])
    xml = bytes(_kept(path))
    cut = halves.find_cut(xml)
    first, second = halves.workbooks(path, OST_PART, xml, cut)
    with zipfile.ZipFile(path) as original:
        names = sorted(original.namelist())
    for half, expected in ((first, xml[:cut.at] + xml[cut.end:]), (second, xml[:cut.start] + xml[cut.at:])):
        data = half.source if isinstance(half.source, bytes) else Path(half.source).read_bytes()
        half.close()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.testzip() is None  # every CRC right
            assert sorted(zf.namelist()) == names
            assert zf.read(OST_PART) == expected


def test_without_anonymous_files_the_halves_are_bytes_and_read_the_same(tmp_path, monkeypatch):
    path = write_return(tmp_path / "r.xlsx", [client(i, AGE=20 + i % 50) for i in range(1, 80)], origin=(3, 2))
    monkeypatch.delattr(halves.os, "memfd_create", raising=False)
    xml = _kept(path)
    cut = halves.find_cut(xml)
    pair = halves.workbooks(path, OST_PART, xml, cut)
    assert all(isinstance(half.source, bytes) for half in pair)
    frame, columns = halves.Halves("OST", list(pair), cut.first_row).join()
    whole_frame, whole_letters = _whole(path)
    assert frame.equals(whole_frame) and tuple(column_letter(i) for i in columns) == whole_letters


def test_the_half_files_are_closed_once_parsed(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(i) for i in range(1, 80)])
    xml = _kept(path)
    cut = halves.find_cut(xml)
    pair = list(halves.workbooks(path, OST_PART, xml, cut))
    held, fds = list(pair), [half.fd for half in pair]
    halves.Halves("OST", pair, cut.first_row).join()
    assert all(half.fd is None for half in held)
    for fd in filter(None, fds):  # the number may have been given to another file since, but not to a half
        try:
            assert "ost-audit-half" not in os.readlink(f"/proc/self/fd/{fd}")
        except FileNotFoundError:
            pass


def test_the_part_of_a_sheet_is_found_from_the_workbook_relationships(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1)])
    assert halves.sheet_part(path, "OST") == OST_PART
    assert halves.sheet_part(path, "Submission") == "xl/worksheets/sheet1.xml"
    assert halves.sheet_part(path, "Nope") is None


# --- the join ------------------------------------------------------------------------------------------

def test_a_return_read_in_halves_equals_it_read_whole(tmp_path):
    clients = [client(i, DOSE_MG=f" {i} mg " if i % 7 == 0 else i, DOSE_NOTE="note" if i % 5 == 0 else None)
               for i in range(1, 300)]
    path = write_return(tmp_path / "r.xlsx", clients, origin=(4, 3), blank_after={10, 200})
    frame, letters = _joined(path)
    whole_frame, whole_letters = _whole(path)
    assert letters == whole_letters and letters[0] == "C"
    assert frame.equals(whole_frame) and frame.n_chunks() == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grid=st.lists(st.lists(st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=6).filter(lambda t: not t.startswith("=")),
    st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(), st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1))), min_size=1, max_size=5), min_size=2, max_size=40),
    top=st.integers(0, 4), left=st.integers(0, 3), share=st.floats(0.05, 0.95))
def test_any_sheet_read_in_halves_equals_it_read_whole(tmp_path_factory, grid, top, left, share):
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
    whole = _whole(path)
    xml = _kept(path)
    cut = halves.find_cut(xml, share=share)
    assume(cut is not None)
    started = halves.Halves("OST", list(halves.workbooks(path, OST_PART, xml, cut)), cut.first_row)
    joined = started.join()  # openpyxl writes only rows with cells, so each half has some (empty strings aside: below)
    assert joined is not None
    assert joined[0].equals(whole[0])
    assert tuple(column_letter(i) for i in joined[1]) == whole[1]


def test_a_half_of_empty_strings_only_is_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "r.xlsx"
    wb = OpenpyxlWorkbook()
    wb.active.title = "Submission"
    ws = wb.create_sheet("OST")
    for r in range(1, 41):
        ws.cell(row=r, column=1, value=f"a{r}" if r <= 10 else "")
    wb.save(path)
    assert _joined(path) is None  # fastexcel finds no cells in the second half
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 0)
    sheet = Workbook(path).sheet("OST")
    whole_frame, whole_letters = _whole(path)
    assert sheet.frame.equals(whole_frame) and sheet.letters == whole_letters


def test_rows_out_of_order_are_not_joined_and_the_workbook_reads_them_whole(tmp_path, monkeypatch):
    rows = [_row(r, {f"A{r}": f"a{r}", f"B{r}": f"b{r}"}) for r in range(1, 41) if r != 3] + [_row(3, {"A3": "late"})]
    path = _with_sheet_xml(tmp_path, _sheet_xml("".join(rows)))
    assert _joined(path) is None  # row 3 sits after the cut
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 0)
    sheet = Workbook(path).sheet("OST")
    whole_frame, whole_letters = _whole(path)
    assert sheet.frame.equals(whole_frame) and sheet.letters == whole_letters
    assert sheet.frame.item(2, 0) == "late"


def test_a_row_numbered_past_the_cut_in_the_first_half_is_not_joined(tmp_path):
    rows = [_row(90, {"A90": "early but numbered late"})] + [_row(r, {f"A{r}": f"a{r}"}) for r in range(1, 41)]
    assert _joined(_with_sheet_xml(tmp_path, _sheet_xml("".join(rows)))) is None


def test_validation_of_a_return_cut_in_halves_matches_reading_it_whole(tmp_path, monkeypatch):
    clients = [client(i, DOSE_MG=45 if i % 3 == 0 else 80, SEX="q" if i == 250 else "M") for i in range(1, 400)]
    path = write_return(tmp_path / "r.xlsx", clients, origin=(2, 2))
    whole = validate_return(path)
    monkeypatch.setattr(halves, "SPLIT_MIN_BYTES", 0)
    joins = []
    join = halves.Halves.join
    monkeypatch.setattr(halves.Halves, "join", lambda self: joins.append(join(self)) or joins[-1])
    cut = validate_return(path)
    assert len(joins) == 1 and joins[0] is not None
    assert [(f.rule, f.location.cell, f.value) for f in cut.findings] == [(f.rule, f.location.cell, f.value) for f in whole.findings]
    assert cut.clients.equals(whole.clients)
    assert any(f.location.cell == "C252" for f in cut.findings)  # client 250's SEX, past the cut
