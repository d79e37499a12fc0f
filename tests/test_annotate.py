"""The annotated copy: links that jump inside the workbook, readable columns, a frozen header, no raw control characters."""

from __future__ import annotations

import zipfile

import pytest
from builders import client, write_return
from libreoffice import needs_libreoffice, round_trip
from openpyxl import load_workbook

from audit.returns.annotate import annotate_return
from audit.returns.validate import validate_return
from audit.xlsx_write import visible


def _with_controls(path):
    """Put BEL, ESC and a right-to-left override into the note, as Excel stores them (`_x0007_` escapes)."""
    data = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data[name] = z.read(name)
    for name in [n for n in data if n.startswith("xl/worksheets/")]:
        data[name] = (data[name].decode().replace("BELL-HERE", "_x0007_").replace("ESC-HERE", "_x001B_")
                      .replace("RLO-HERE", "\u202e").encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in data.items():
            z.writestr(name, body)
    return path


@pytest.fixture
def annotated(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG="60mg", DOSE_NOTE="bellBELL-HERE andESC-HERE[2J clear RLO-HEREevil"),
                                              client(2, CLIENTID="LONGCLIENTID-0000017", AGE=16),
                                              client(3, DOSE_NOTE="NHS 943 476 5919 in a note")])
    _with_controls(path)
    out = tmp_path / "annotated.xlsx"
    annotate_return(validate_return(path), out)
    return out


def test_findings_link_to_the_cell_inside_the_workbook(annotated):
    listing = load_workbook(annotated)["Findings"]
    links = [c.hyperlink for c in listing["B"][1:] if c.hyperlink]
    assert links
    for link in links:
        assert link.target is None and link.location.startswith("'OST'!")  # a location, not an external "#" file link
    with zipfile.ZipFile(annotated) as z:
        rels = [n for n in z.namelist() if "worksheets/_rels" in n]
        assert not any("hyperlink" in z.read(n).decode() for n in rels)  # no external relationship for the links


def test_columns_wide_enough_and_header_frozen(annotated):
    wb = load_workbook(annotated)
    ost = wb["OST"]
    assert ost.freeze_panes == "A2" and wb["Findings"].freeze_panes == "A2"
    assert ost.column_dimensions["A"].width >= len("LONGCLIENTID-0000017")  # the whole id shows
    assert ost.column_dimensions["G"].width >= len("dd/mm/yyyy")  # TRIAGED: a date, not ####
    assert ost["G2"].number_format == "dd/mm/yyyy"


def test_control_characters_are_made_visible_never_written(annotated):
    with zipfile.ZipFile(annotated) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".vml")))
    assert not any(ch in xml for ch in "\x07\x1b\u202e")
    note = load_workbook(annotated)["OST"]["W2"].value
    assert note == "bell\\x07 and\\x1b[2J clear <U+202E>evil"  # as the terminal shows them (audit/printable.py)
    assert visible("tab\tand\nnewline") == "tab\tand\nnewline"  # legal whitespace stays


def test_nhs_numbers_are_masked_in_the_copy(annotated):
    wb = load_workbook(annotated)
    assert wb["OST"]["W4"].value == "NHS 94******19 in a note"


@needs_libreoffice
def test_libreoffice_opens_it_and_keeps_the_links(annotated, tmp_path):
    listing = load_workbook(round_trip(annotated, tmp_path))["Findings"]
    locations = [c.hyperlink.location for c in listing["B"][1:] if c.hyperlink]
    assert locations and all(loc.startswith("'OST'!") for loc in locations)  # LibreOffice read them as jumps within the file


def test_a_sheet_named_in_lower_case_is_annotated_under_its_own_name(tmp_path):
    """Validation matches sheet names whatever their case; the copy marks the cells of `ost` too."""
    path = write_return(tmp_path / "r.xlsx", [client(1, AGE=16)], ost_sheet="ost")
    out = annotate_return(validate_return(path), tmp_path / "out.xlsx")
    wb = load_workbook(out)
    assert "ost" in wb.sheetnames
    marked = [c.coordinate for row in wb["ost"].iter_rows() for c in row if c.comment is not None]
    assert marked and all(c.startswith("C") for c in marked)  # AGE is column C
    links = [c.hyperlink.location for c in wb["Findings"]["B"] if c.hyperlink is not None]
    assert links and all(link.startswith("'ost'!") for link in links)
