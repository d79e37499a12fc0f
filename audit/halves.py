"""Parse a big sheet as two halves of its rows, one on each core.

calamine parses a sheet on one core: a second for 100,000 clients, most of
a run. So a big sheet's XML (handed over by the safe-open check, which
inflated it anyway) is cut at a row boundary, each half becomes a small
in-memory workbook (the other parts copied as they are, still compressed),
and the halves are parsed at once, on two threads (calamine needs no GIL).
While the second half is still parsing, the caller converts the first.

The frames are joined by Excel row and column, and checked to be what the
whole sheet gives: when a half holds a row on the wrong side of the cut (rows
out of order), the XML has comments or CDATA, or anything else is unusual,
`join` returns None and the caller parses the whole sheet. A cut can cost
time, never correctness.
"""

from __future__ import annotations

import os
import re
import struct
import sys
import threading
import zipfile
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audit.safety import data_offset, inflating

if TYPE_CHECKING:
    import polars as pl

SPLIT_MIN_BYTES = 16 << 20  # sheet XML below this (about 18,000 rows) parses in well under 0.2 s: not worth a cut
SPLIT_MAX_BYTES = 256 << 20  # above (about 290,000 rows), the copies a cut makes cost more memory than the time it saves
FIRST_SHARE = 0.45  # the first half is smaller: it is converted while the second still parses
WORKSHEETS = "xl/worksheets/"
ROW_R = re.compile(rb'\sr="([0-9]+)"')


def worth_splitting(members: list[zipfile.ZipInfo]) -> set[str]:
    """The largest worksheet part, when it is big enough to be worth parsing in halves."""
    sheets = [m for m in members if m.filename.startswith(WORKSHEETS) and m.filename.endswith(".xml")]
    biggest = max(sheets, key=lambda m: m.file_size, default=None)
    return {biggest.filename} if biggest is not None and SPLIT_MIN_BYTES <= biggest.file_size <= SPLIT_MAX_BYTES else set()


@dataclass(frozen=True)
class Cut:
    """Where the sheet XML is cut: `<sheetData>` content is [start, at) and [at, end); the second half's first row."""

    start: int
    at: int
    end: int
    first_row: int  # Excel row number of the first row after the cut


def find_cut(xml: bytes | bytearray, share: float = FIRST_SHARE) -> Cut | None:
    """A cut before a `<row>` that carries its row number, or None when the sheet is not plain enough to cut."""
    open_tag, close_tag = b"<sheetData>", b"</sheetData>"
    start = xml.find(open_tag)
    end = xml.rfind(close_tag)
    if start < 0 or end < start:
        return None
    start += len(open_tag)
    # comments and CDATA could hide a `<row` that is not one; Excel never writes them in a sheet
    if b"!" in xml and b"<!" in xml:
        return None
    at = xml.find(b"<row ", start + int((end - start) * share), end)
    for _ in range(8):  # the first rows after the point may be self-closing or unnumbered
        if at < 0:
            return None
        tag_end = xml.find(b">", at, end)
        if tag_end < 0:
            return None
        number = ROW_R.search(xml, at, tag_end)
        if number is not None and xml[tag_end - 1:tag_end] != b"/" and at > start:
            # calamine stops at the first `</sheetData>`: one before the cut would end the whole sheet there,
            # not the first half only (one after it ends the second half where it ends the whole)
            return Cut(start, at, end, int(number.group(1))) if xml.find(close_tag, start, at) < 0 else None
        at = xml.find(b"<row ", tag_end, end)
    return None


def sheet_part(path: Path, name: str) -> str | None:
    """The zip member holding sheet `name`, from the workbook part and its relationships."""
    from defusedxml.ElementTree import fromstring

    with zipfile.ZipFile(path) as zf:
        try:
            workbook = fromstring(zf.read("xl/workbook.xml"))
            rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        except KeyError:
            return None
    rid = next((_attr(e, "id") for e in workbook.iter() if _local(e.tag) == "sheet" and e.get("name") == name), None)
    target = next((e.get("Target") for e in rels.iter() if _local(e.tag) == "Relationship" and e.get("Id") == rid), None)
    if rid is None or not target:
        return None
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element, local: str) -> str | None:
    """An attribute by its local name, whatever namespace (transitional or strict OOXML) it is in."""
    return next((v for k, v in element.attrib.items() if _local(k) == local), None)


def start(path: Path, name: str, part: str, inflated: dict[str, bytes | bytearray]) -> Halves | None:
    """Begin parsing sheet `name` (zip member `part`, taken from `inflated`) in two halves; None when it cannot be cut.

    The sheet's XML is let go before the halves parse: each half holds its own rows.
    """
    xml = inflated.pop(part)
    cut = find_cut(xml) if len(xml) <= SPLIT_MAX_BYTES else None  # the size in the zip's directory may lie
    pair = workbooks(path, part, xml, cut) if cut is not None else None
    del xml
    return Halves(name, list(pair), cut.first_row) if pair is not None else None


@dataclass
class HalfWorkbook:
    """One half as a workbook in memory: an anonymous file where the system has them, else bytes.

    fastexcel copies bytes it is given before parsing, but reads a file as it
    goes: at 100,000 clients that copy (40 MB of fresh memory a half) cost
    about 0.1 s of a run already short of cores.
    """

    source: bytes | str
    fd: int | None = None

    @classmethod
    def of(cls, pieces: list) -> HalfWorkbook:
        if sys.platform != "linux" or not hasattr(os, "memfd_create"):  # the path below is Linux's
            return cls(b"".join(pieces))
        fd = os.memfd_create("ost-audit-half")  # close-on-exec: compare's workers never see it
        try:
            for piece in pieces:
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view):]
        except BaseException:
            os.close(fd)
            raise
        return cls(f"/proc/self/fd/{fd}", fd)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Halves:
    """Two halves of one sheet being parsed: the first on the caller's thread, the second on its own."""

    def __init__(self, name: str, workbooks: list[HalfWorkbook], first_row: int) -> None:
        """`workbooks` (first half, second half) is emptied: each half is held only while it parses."""
        self.first_row = first_row
        self._second: Future = Future()
        threading.Thread(target=_parse_into, args=(workbooks.pop(), name, self._second), name="ost-audit-half", daemon=True).start()
        self._first: Future = Future()
        _parse_into(workbooks.pop(), name, self._first)

    def join(self) -> tuple[pl.DataFrame, tuple[int, ...]] | None:
        """The whole sheet's frame (row i is Excel row i + 1) and its columns' absolute indexes; None to parse whole."""
        try:
            first = self._first.result()
            frame_a = first.to_polars()  # needs the GIL: done here, on the caller's thread, while the second parses
            second = self._second.result()
            frame_b = second.to_polars()
        except Exception:  # noqa: BLE001 - whatever a half could not do, the whole parse does or reports
            return None
        return join_frames(frame_a, _indexes(first), frame_b, _indexes(second), self.first_row)


def _parse_into(workbook: HalfWorkbook, name: str, future: Future) -> None:
    import fastexcel

    try:
        reader = fastexcel.read_excel(workbook.source)
        future.set_result(reader.load_sheet_by_name(name, header_row=None, skip_rows=0, dtypes="string"))
    except BaseException as exc:
        future.set_exception(exc)
    finally:
        workbook.close()


def _indexes(parsed) -> tuple[int, ...]:
    return tuple(c.absolute_index for c in parsed.available_columns())


def join_frames(first: pl.DataFrame, first_columns: tuple[int, ...], second: pl.DataFrame,
                second_columns: tuple[int, ...], first_row: int) -> tuple[pl.DataFrame, tuple[int, ...]] | None:
    """Both halves as one frame over the columns either has, or None when a half has rows on the wrong side of the cut.

    Each half comes from row 1 (fastexcel pads rows above a sheet's first), so
    the first must end before `first_row` and the second must be blank above it.
    """
    import polars as pl

    before = first_row - 1
    if first.height > before or second.height <= before:
        return None
    above = second.slice(0, before)
    if sum(above.null_count().row(0)) != above.height * above.width:
        return None
    columns = tuple(range(min(first_columns + second_columns), max(first_columns + second_columns) + 1))

    def aligned(frame: pl.DataFrame, indexes: tuple[int, ...]) -> pl.DataFrame:
        source = dict(zip(indexes, frame.columns))
        return frame.select([pl.col(source[i]).alias(f"__UNNAMED__{k}") if i in source
                             else pl.lit(None, dtype=pl.String).alias(f"__UNNAMED__{k}") for k, i in enumerate(columns)])

    top = aligned(first, first_columns)
    if top.height < before:
        top = top.extend(pl.DataFrame(schema=top.schema).clear(before - top.height))
    # one chunk: over a two-chunk frame polars 2.1 panicked (an index assertion) in a dose rule's message expression
    return pl.concat([top, aligned(second, second_columns).slice(before)], rechunk=True), columns


def workbooks(path: Path, part: str, xml: bytes | bytearray, cut: Cut) -> tuple[HalfWorkbook, HalfWorkbook]:
    """Two workbooks, each with one half of `part`'s rows and every other member as it is (sizes fit zip32)."""
    view = memoryview(xml)
    head, tail = view[:cut.start], view[cut.end:]
    with zipfile.ZipFile(path) as zf, path.open("rb") as fh:
        others = []
        for member in zf.infolist():
            if member.filename == part:
                continue
            fh.seek(data_offset(path, fh, member))
            others.append((member.filename, member.compress_type, member.CRC, member.file_size, [fh.read(member.compress_size)]))

    def workbook(sheet: list[memoryview]) -> HalfWorkbook:
        return HalfWorkbook.of(_zip([*others, (part, zipfile.ZIP_STORED, _crc(sheet), sum(map(len, sheet)), sheet)]))

    first = workbook([view[:cut.at], tail])
    try:
        return first, workbook([head, view[cut.at:]])
    except BaseException:
        first.close()
        raise


def _crc(pieces: Iterable[memoryview]) -> int:
    crc = 0
    for piece in pieces:
        crc = inflating.crc32(piece, crc)
    return crc


def _zip(entries: list[tuple[str, int, int, int, list]]) -> list:
    """The pieces of a zip of (name, method, CRC, size, data pieces): no data descriptors, names in UTF-8."""
    out: list = []
    central: list[bytes] = []
    offset = 0
    for name, method, crc, size, pieces in entries:
        encoded = name.encode("utf-8")
        packed = sum(len(p) for p in pieces)
        fields = (20, 0x800, method, 0, 0x21, crc, packed, size, len(encoded))
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + encoded
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + encoded)
        out += [local, *pieces]
        offset += len(local) + packed
    directory = b"".join(central)
    out += [directory, struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), offset, 0)]
    return out
