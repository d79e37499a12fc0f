"""The reader's own parts, bounded and rebuilt: shared strings counted across chunk edges, styles checked, the
workbook part written by us (with the workbook's date system), and a Rust panic made an ordinary error."""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path

import pytest
from builders import client, write_return
from defusedxml.ElementTree import fromstring
from hypothesis import given
from hypothesis import strategies as st

from audit.errors import InputRefused
from audit.reading import repack, rust
from audit.reading.bookparts import StringCounter, check_styles
from audit.reading.workbook import Workbook


@given(text=st.lists(st.sampled_from([b"<si>", b"<x:si/>", b"<s", b"i", b":", b"<", b"si", b"t", b"</si>"]), max_size=60),
       cuts=st.lists(st.integers(0, 400), max_size=6))
def test_shared_strings_are_counted_the_same_whatever_the_chunks(text, cuts):
    import re

    data = b"".join(text)
    counter = StringCounter(Path("r.xlsx"), 10_000)
    edges = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    for start, end in zip(edges, edges[1:]):
        counter(data[start:end])
    counter.finish()
    assert counter.count == data.count(b"<si") + data.count(b":si")
    gaps = [len(g) for g in re.split(rb"[<:]si", data)]
    assert max(gaps) <= counter.longest <= max(gaps) + 2  # at most the two bytes looked at again at an edge


def test_too_many_shared_strings_are_refused_as_they_come(tmp_path):
    counter = StringCounter(tmp_path, 3)
    counter(b"<sst><si/><si/><s")
    with pytest.raises(InputRefused, match="more than 3 shared strings"):
        counter(b"i/><si/>")


def test_the_styles_excel_writes_pass_and_absurd_ones_do_not(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1)])
    with zipfile.ZipFile(path) as zf:
        styles = zf.read("xl/styles.xml")
    check_styles(path, styles)
    with pytest.raises(InputRefused, match="cell styles"):
        check_styles(path, styles.replace(b"</cellXfs>", b"<x:xf/>" * 200_001 + b"</cellXfs>"))
    with pytest.raises(InputRefused, match="a value of 5,[0-9]{3} bytes"):
        check_styles(path, styles.replace(b'formatCode="yyyy-mm-dd"', b'formatCode="' + b"y" * 4_986 + b'"'))


def test_the_rebuilt_workbook_part_lists_one_sheet_and_the_date_system():
    for date1904 in (False, True):
        book, rels = (fromstring(b"".join(bytes(p) for p in m.pieces)) for m in repack.book_members(date1904)[1:])
        sheets = [e for e in book.iter() if e.tag.endswith("}sheet")]
        assert [s.get("name") for s in sheets] == [repack.SHEET_NAME]
        assert [r.get("Target") for r in rels] == ["/" + repack.SHEET_PART]
        assert any(e.get("date1904") == "1" for e in book.iter()) == date1904


def test_a_1904_workbook_reads_its_dates_as_excel_shows_them(tmp_path):
    """The workbook part is ours, so its date system must be carried over: a 1904 file's dates are not 4 years early."""
    from openpyxl import load_workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    path = write_return(tmp_path / "r.xlsx", [client(1, OST_START=dt.date(2022, 1, 17))])
    book = load_workbook(path)
    book.epoch = CALENDAR_MAC_1904
    book.save(path)
    with zipfile.ZipFile(path) as zf:
        assert b"date1904" in zf.read("xl/workbook.xml")
    sheet = Workbook(path).sheet("OST")
    column = sheet.letters.index("I")  # OST_START
    assert "2022-01-17" in str(sheet.frame.row(1)[column])


class PanicException(BaseException):
    """Stands for pyo3's, which no `except Exception` stops."""


def test_a_panic_in_the_reader_is_an_ordinary_error_and_stderr_comes_back():
    before = os.fstat(2)

    def panics():
        assert os.path.samefile(f"/proc/self/fd/{2}", os.devnull)  # silenced while the reader runs
        raise PanicException("TimeDelta::milliseconds out of bounds\nstack backtrace: ...")

    with pytest.raises(rust.ReaderPanicked, match="^TimeDelta::milliseconds out of bounds$"):
        rust.call(panics)
    assert (os.fstat(2).st_dev, os.fstat(2).st_ino) == (before.st_dev, before.st_ino)
    with pytest.raises(KeyboardInterrupt):  # anything else is let through
        rust.call(lambda: (_ for _ in ()).throw(KeyboardInterrupt()))


def test_text_is_measured_in_characters_not_bytes(tmp_path):
    """Excel's limit is 32,767 characters a cell: 20,000 two-byte characters are fine, 32,768 one-byte ones are not."""
    import polars as pl

    from audit.reading.workbook import _check_text

    _check_text(tmp_path, pl.DataFrame({"a": ["é" * 20_000, None], "b": [None, None]}))
    _check_text(tmp_path, pl.DataFrame({"a": [None]}))  # no text column at all
    with pytest.raises(InputRefused, match="32,768 characters"):
        _check_text(tmp_path, pl.DataFrame({"a": ["x", "y" * 32_768]}))


def test_the_workbook_part_is_streamed_in_document_order_whatever_the_namespaces():
    from audit.reading.workbook import _elements

    xml = (b'<w:workbook xmlns:w="urn:w" xmlns:r="urn:r"><w:workbookPr date1904="1"/><w:sheets><w:sheet name="A" r:id="1"/>'
           b'<x><w:sheet name="B"/></x></w:sheets><w:sheet name="C"/></w:workbook>')
    seen = [(local, attrib.get("name")) for local, attrib in _elements(xml, {"sheet", "workbookPr"})]
    assert seen == [("workbookPr", None), ("sheet", "A"), ("sheet", "B"), ("sheet", "C")]


def test_a_library_call_on_its_own_leaves_stderr_alone(monkeypatch):
    """Silencing stderr is the command line's choice (audit/settings.py), not every read's."""
    monkeypatch.setattr(rust, "_silence", False)
    seen = []
    assert rust.call(lambda: seen.append(os.path.samefile("/proc/self/fd/2", os.devnull)) or 1) == 1
    assert seen == [False] or not os.path.exists("/proc/self/fd/2")
    with pytest.raises(rust.ReaderPanicked):
        rust.call(lambda: (_ for _ in ()).throw(PanicException("boom")))
