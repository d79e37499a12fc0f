"""Zip archives built by hand, field by field, so tests can make every structure disagree with another.

`Entry` is one part; `build` lays out local headers, data, the central
directory and the end record, each field overridable, so an attack is a small
change to a valid package (see `attacks`).
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass
class Entry:
    name: str
    data: bytes  # what the part inflates to
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0x800
    local: dict = field(default_factory=dict)  # overrides of local header fields
    central: dict = field(default_factory=dict)  # overrides of central directory fields
    local_extra: bytes = b""
    central_extra: bytes = b""

    def packed(self) -> bytes:
        if self.method == zipfile.ZIP_STORED:
            return self.data
        squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
        return squeeze.compress(self.data) + squeeze.flush()


def entries_of(path: Path) -> list[Entry]:
    """The parts of a real package, as entries to change."""
    with zipfile.ZipFile(path) as zf:
        return [Entry(i.filename, zf.read(i.filename)) for i in zf.infolist()]


def local_header(e: Entry, packed: bytes) -> bytes:
    f = {"flags": e.flags, "method": e.method, "crc": zlib.crc32(e.data), "csize": len(packed), "usize": len(e.data),
         "name": e.name.encode(), **e.local}
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, f["flags"], f["method"], 0, 0x21, f["crc"], f["csize"], f["usize"],
                       len(f["name"]), len(e.local_extra)) + f["name"] + e.local_extra


def central_entry(e: Entry, packed: bytes, offset: int) -> bytes:
    f = {"flags": e.flags, "method": e.method, "crc": zlib.crc32(e.data), "csize": len(packed), "usize": len(e.data),
         "name": e.name.encode(), "offset": offset, "disk": 0, **e.central}
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, f["flags"], f["method"], 0, 0x21, f["crc"], f["csize"],
                       f["usize"], len(f["name"]), len(e.central_extra), 0, f["disk"], 0, 0, f["offset"]) + f["name"] + e.central_extra


def end_record(count: int, size: int, offset: int, comment: bytes = b"", over: dict | None = None) -> bytes:
    f = {"count": count, "size": size, "offset": offset, "comment_length": len(comment), **(over or {})}
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, f["count"], f["count"], f["size"], f["offset"], f["comment_length"]) + comment


def build(entries: list[Entry], *, comment: bytes = b"", prefix: bytes = b"", gap: bytes = b"", end: dict | None = None,
          between: bytes = b"") -> bytes:
    """A zip of `entries`: `prefix` before the first part, `gap` after each part's data, `between` after the
    last part and before the directory; `end` overrides end-record fields."""
    out = bytearray(prefix)
    central = bytearray()
    for e in entries:
        packed = e.packed()
        offset = len(out)
        out += local_header(e, packed) + packed + gap
        central += central_entry(e, packed, offset)
    out += between
    at = len(out)
    out += central
    out += end_record(len(entries), len(central), at, comment, end)
    return bytes(out)


def two_directories(harmless: list[Entry], planted: list[Entry]) -> bytes:
    """Python's zipfile reads the directory that ends at the end record (the harmless parts); a reader that follows
    the record's offset reads the planted one. Both sets of parts are in the file."""
    out = bytearray()
    offsets = []
    for e in harmless + planted:
        packed = e.packed()
        offsets.append(len(out))
        out += local_header(e, packed) + packed
    planted_dir = b"".join(central_entry(e, e.packed(), o) for e, o in zip(planted, offsets[len(harmless):]))
    planted_at = len(out)
    out += planted_dir
    harmless_dir = b"".join(central_entry(e, e.packed(), o) for e, o in zip(harmless, offsets))
    out += harmless_dir
    out += end_record(len(harmless), len(harmless_dir), planted_at)
    return bytes(out)


def overlapping_bomb(base: list[Entry], copies: int, size: int = 4 << 20) -> bytes:
    """`copies` directory entries that all point at one compressed run of `size` zero bytes (each inflates in full)."""
    bomb = Entry("xl/media/bomb.bin", b"\0" * size)
    body = build([*base, bomb])
    packed = bomb.packed()
    bomb_at = body.index(local_header(bomb, packed))
    count_end = len(body) - 22
    directory_at, = struct.unpack("<I", body[count_end + 16:count_end + 20])
    directory = bytearray(body[directory_at:count_end])
    extra = b"".join(central_entry(replace(bomb, central={"name": f"xl/media/b{i}.bin".encode()}), packed, bomb_at)
                     for i in range(copies))
    directory += extra
    total = len(base) + 1 + copies
    return bytes(body[:directory_at] + directory + end_record(total, len(directory), directory_at))


OST_PART = "xl/worksheets/sheet2.xml"  # where tests/builders.py puts the OST sheet
WORKBOOK = "xl/workbook.xml"


def _with(entries: list[Entry], name: str, change) -> list[Entry]:
    return [replace(e, data=change(e.data)) if e.name == name else e for e in entries]


def _planted(entries: list[Entry]) -> list[Entry]:
    """The same package with a client the harmless copy does not have."""
    return [replace(e, name=e.name) for e in _with(entries, OST_PART, lambda d: d.replace(b"TS000001", b"PLANTED1"))]


ZIP_ATTACKS = ("two-directories", "overlapping-bomb", "local-name-differs", "local-method-differs", "local-sizes-differ",
               "local-crc-differs", "bytes-before-first-part", "bytes-between-parts", "bytes-before-directory", "duplicate-name",
               "duplicate-name-other-case", "backslash-name", "absolute-name", "dot-dot-name", "control-in-name",
               "unicode-path-extra", "zip64-extra", "zip64-end-record", "comment-with-end-record", "data-after-end",
               "count-too-high", "directory-offset-off", "multi-disk", "declared-size-lies")
SHEET_ATTACKS = ("cell-at-XFD1048576", "cell-at-A1048576", "row-past-2-to-the-32", "cell-in-row-1-far-down",
                 "columns-without-references", "rows-without-references", "wide-sheet", "second-reference-attribute")


def zip_attacks(good: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes of a package whose zip structures disagree, words the refusal must contain)."""
    parts = entries_of(good)
    first, rest = parts[0], parts[1:]
    unicode_path = struct.pack("<HHB", 0x7075, 5 + len(b"xl/evil.xml"), 1) + b"\0\0\0\0" + b"xl/evil.xml"
    zip64_extra = struct.pack("<HHQQ", 0x0001, 16, 1, 1)
    valid = build(parts)
    end_at = len(valid) - 22
    zip64_locator = struct.pack("<IIQI", 0x07064B50, 0, 0, 1)
    return {
        "two-directories": (two_directories(parts, _planted(parts)), "central directory"),
        "overlapping-bomb": (overlapping_bomb(parts, 2000), "well-formed zip"),
        "local-name-differs": (build([replace(first, local={"name": b"xl/other.xml"}), *rest]), "another name"),
        "local-method-differs": (build([replace(first, local={"method": 0}), *rest]), "compression method or flags"),
        "local-sizes-differ": (build([replace(first, local={"usize": 1}), *rest]), "other sizes or checksum"),
        "local-crc-differs": (build([replace(first, local={"crc": 1}), *rest]), "other sizes or checksum"),
        "bytes-before-first-part": (build(parts, prefix=b"PK\x03\x04" + b"\0" * 60), "unexplained bytes"),
        "bytes-between-parts": (build(parts, gap=b"\0" * 16), "unexplained bytes"),
        "bytes-before-directory": (build(parts, between=b"PK\x03\x04" + b"\0" * 40), "between its last part"),
        "duplicate-name": (build([*parts, replace(first)]), "two parts named"),
        "duplicate-name-other-case": (build([*parts, replace(first, name=first.name.upper())]), "two parts named"),
        "backslash-name": (build([*parts, Entry("xl\\worksheets\\sheet9.xml", b"<x/>")]), "forward slashes"),
        "absolute-name": (build([*parts, Entry("/xl/evil.xml", b"<x/>")]), "forward slashes"),
        "dot-dot-name": (build([*parts, Entry("xl/../../evil.xml", b"<x/>")]), "'..'"),
        "control-in-name": (build([*parts, Entry("xl/\x1b[2Jevil.xml", b"<x/>")]), "control or formatting characters"),
        "unicode-path-extra": (build([*parts, Entry("xl/fine.xml", b"<x/>", central_extra=unicode_path)]), "second (Unicode) name"),
        "zip64-extra": (build([*parts, Entry("xl/fine.xml", b"<x/>", central_extra=zip64_extra)]), "zip64"),
        "zip64-end-record": (valid[:end_at] + zip64_locator + valid[end_at:], "end-of-archive"),
        "comment-with-end-record": (build(parts, comment=valid[end_at:]), "more than one end-of-archive"),
        "data-after-end": (valid + b"\0" * 100, "not at the end of the file"),
        "count-too-high": (build(parts, end={"count": len(parts) + 1}), "fewer entries"),
        "directory-offset-off": (build(parts, end={"offset": 0}), "does not end where"),
        "multi-disk": (build([replace(first, central={"disk": 1}), *rest]), "multi-disk"),
        "declared-size-lies": (build([replace(first, central={"usize": 10}, local={"usize": 10})]
                                     + rest), "more than its directory entry says"),
    }


def _ost(entries: list[Entry], rows: bytes) -> list[Entry]:
    """The OST sheet with `rows` added at the end of its data."""
    return _with(entries, OST_PART, lambda d: d.replace(b"</sheetData>", rows + b"</sheetData>"))


def _cell(ref: str, text: str = "x") -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def hidden_twin(good: Path, state: str = "veryHidden") -> bytes:
    """A hidden sheet named "ost " (listed first) beside the visible OST, holding a client the visible one lacks."""
    parts = entries_of(good)
    ost = next(e for e in parts if e.name == OST_PART)
    twin = Entry("xl/worksheets/sheet3.xml", ost.data.replace(b"TS000001", b"HIDDEN01"))
    rel = (b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
           b'Target="/xl/worksheets/sheet3.xml" Id="rId9"/></Relationships>')
    sheet = (f'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="ost " '
             f'sheetId="3" state="{state}" r:id="rId9"/>').encode()
    parts = _with(parts, "xl/_rels/workbook.xml.rels", lambda d: d.replace(b"</Relationships>", rel))
    parts = _with(parts, WORKBOOK, lambda d: d.replace(b"<sheets>", b"<sheets>" + sheet))
    return build([*parts, twin])


def sheet_attacks(good: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes of a package with a sheet whose cells reach absurdly far, words the refusal must contain)."""
    parts = entries_of(good)
    return {
        "cell-at-XFD1048576": (build(_ost(parts, b'<row r="1048576">' + _cell("XFD1048576") + b"</row>")), "XFD"),
        "cell-at-A1048576": (build(_ost(parts, b'<row r="1048576">' + _cell("A1048576") + b"</row>")), "1,048,576"),
        "row-past-2-to-the-32": (build(_ost(parts, b'<row r="4294967297">' + _cell("A4294967297") + b"</row>")), "beyond Excel"),
        "cell-in-row-1-far-down": (build(_ost(parts, b'<row r="4">' + _cell("B900000") + b"</row>")), "900,000"),
        "columns-without-references": (build(_ost(parts, b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 20_000
                                                     + b"</row>")), "beyond Excel"),
        "rows-without-references": (build(_ost(parts, b"<row/>" * 1_100_000 + b"<row>" + _cell("A1").replace(b' r="A1"', b"")
                                                  + b"</row>")), "beyond Excel"),
        "wide-sheet": (build(_ost(parts, b'<row r="5">' + _cell("CZ5") + b"</row>")), "column CZ"),
        "second-reference-attribute": (build(_ost(parts, b'<row r="5"><c r="A5" x=">" r="XFD1048576" t="inlineStr"><is><t>x'
                                                         b"</t></is></c></row>")), "sheet 'OST'"),
    }


def sheet_quirks(good: Path) -> dict[str, bytes]:
    """Packages with odd but harmless sheets that must be read as usual."""
    parts = entries_of(good)
    dimension = lambda d: d.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')  # noqa: E731
    return {
        "stated-range-everything": build(_with(parts, OST_PART, dimension)),
        "styled-empty-cell-far-away": build(_ost(parts, b'<row r="1048576"><c r="XFD1048576" s="0"/></row>')),
    }


# --- what the reader reads beside the sheet: the workbook part, its relationships, styles, shared strings --------

RELS = "xl/_rels/workbook.xml.rels"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OST_SHEET = f'<sheet xmlns:r="{R_NS}" name="OST" sheetId="2" state="visible" r:id="rId2"/>'.encode()
READER_ATTACKS = ("id-attribute-before-r-id", "id-in-another-namespace", "two-sheets-named-ost", "hidden-twin-of-the-same-name",
                  "sheets-differing-in-case", "styles-format-code-per-style", "styles-too-many-styles", "shared-strings-flood",
                  "date-serial-beyond-chrono", "cell-longer-than-excel-allows", "workbook-part-of-empty-elements",
                  "one-long-shared-string-in-many-cells")


def _far_sheet(entries: list[Entry]) -> Entry:
    """A copy of the OST sheet with a cell at XFD1048576, at a part name no sheet of ours points at."""
    ost = next(e for e in entries if e.name == OST_PART)
    return Entry("xl/worksheets/far.xml", ost.data.replace(b"</sheetData>", b'<row r="1048576">' + _cell("XFD1048576")
                                                           + b"</row></sheetData>"))


def _sheet_variant(entries: list[Entry], sheets: bytes) -> list[Entry]:
    """The package with the OST `<sheet>` element replaced by `sheets`, a relationship rId9 to the far sheet, and the far sheet."""
    rel = (f'<Relationship Type="{R_NS}/worksheet" Target="worksheets/far.xml" Id="rId9"/></Relationships>').encode()
    entries = _with(entries, RELS, lambda d: d.replace(b"</Relationships>", rel))
    return [*_with(entries, WORKBOOK, lambda d: d.replace(OST_SHEET, sheets)), _far_sheet(entries)]


def _with_styles(entries: list[Entry], change) -> list[Entry]:
    return _with(entries, "xl/styles.xml", change)


def reader_attacks(good: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (a package whose workbook part, relationships, styles or shared strings would make calamine read what
    was never checked, or spend without bound; words the refusal must contain)."""
    parts = entries_of(good)
    sheet = lambda attrs: f'<sheet xmlns:r="{R_NS}" xmlns:q="urn:q" name="OST" sheetId="2" {attrs}/>'.encode()  # noqa: E731
    formats = (b'<numFmt numFmtId="200" formatCode="' + b"0" * 200_000 + b'"/></numFmts>', b"<xf numFmtId=\"200\"></xf>" * 2_000)
    filler = b"<si><t>" + os.urandom(150_000).hex().encode() + b"</t></si>"  # enough to pass the zip-bomb ratio
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + filler + b"<si/>" * 5_000_000 + b"</sst>"
    dated = b'<row r="4"><c r="I4" s="1"><v>-1e300</v></c></row>'  # style 1 is a date format in the builders' workbooks
    return {
        # calamine takes `r:id` by its prefix; we took the first `id` of any namespace: the far sheet went unscanned (exit 134)
        "id-attribute-before-r-id": (build(_sheet_variant(parts, sheet('id="rId2" r:id="rId9"'))), "XFD"),
        "id-in-another-namespace": (build(_sheet_variant(parts, sheet('q:id="rId2" r:id="rId9"'))), "XFD"),
        "two-sheets-named-ost": (build(_sheet_variant(parts, sheet('r:id="rId9"') + OST_SHEET)), "two sheets named"),
        "hidden-twin-of-the-same-name": (build(_sheet_variant(parts, sheet('state="hidden" r:id="rId9"') + OST_SHEET)),
                                         "two sheets named"),
        "sheets-differing-in-case": (build(_sheet_variant(parts, OST_SHEET + sheet('r:id="rId9"').replace(b'"OST"', b'"ost"'))),
                                     "two sheets named"),
        "styles-format-code-per-style": (build(_with_styles(parts, lambda d: d.replace(b"</numFmts>", formats[0]).replace(
            b"</cellXfs>", formats[1] + b"</cellXfs>"))), "xl/styles.xml"),
        "styles-too-many-styles": (build(_with_styles(parts, lambda d: d.replace(b"</cellXfs>", b"<xf/>" * 250_000 + b"</cellXfs>"))),
                                   "cell styles"),
        "shared-strings-flood": (build([*parts, Entry("xl/sharedStrings.xml", strings)]),
                                 "shared strings"),
        "date-serial-beyond-chrono": (build(_ost(parts, dated)), "could not be read"),
        # a 10 MB value cost the audit 930 MB and went whole to the terminal
        # 1.9 MB of file, 50 million `<a/>` in the workbook part: 4.7 GB and 110 s as a tree
        "workbook-part-of-empty-elements": (build(_with(parts, WORKBOOK, lambda d: d.replace(b"<definedNames/>", (
            b'<definedNames><definedName name="x">' + os.urandom(40_000).hex().encode() + b"</definedName>" + b"<a/>" * 2_000_000
            + b"</definedNames>")))), "xl/workbook.xml"),
        # each cell gets its own copy of the string it points at: a 226 KB file asked for gigabytes (exit 134)
        "one-long-shared-string-in-many-cells": (build([*_ost(parts, b"".join(
            b'<row r="%d"><c r="W%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(4, 40_004))), Entry(
            "xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
            + os.urandom(15_000).hex().encode() + b"</t></si></sst>")]), "copy of shared strings"),
        "cell-longer-than-excel-allows": (build(_ost(parts, b'<row r="4">' + _cell("A4", os.urandom(20_000).hex()) + b"</row>")),
                                          "32,767"),
    }


def reader_quirks(good: Path) -> dict[str, bytes]:
    """Odd workbook parts that Excel reads as the plain return: read as usual, the same clients."""
    parts = entries_of(good)
    other_prefix = f'<sheet xmlns:q="{R_NS}" xmlns:r="urn:not-relationships" name="OST" sheetId="2" q:id="rId2"/>'.encode()
    return {
        "relationships-namespace-under-another-prefix": build(_with(parts, WORKBOOK, lambda d: d.replace(OST_SHEET, other_prefix))),
        "sheet-outside-sheets-element": build(_with(parts, WORKBOOK, lambda d: d.replace(OST_SHEET, b"").replace(
            b"</sheets>", b"</sheets>" + OST_SHEET))),
        "target-with-a-character-reference": build(_with(parts, RELS, lambda d: d.replace(
            b'Target="/xl/worksheets/sheet2.xml"', b'Target="worksheets/sheet&#50;.xml"'))),
    }
