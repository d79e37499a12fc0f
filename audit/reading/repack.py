"""Hand the reader a package rebuilt from checked parts only.

calamine never opens the provider's file. For each sheet it parses, it gets
a small zip made here: a workbook part and relationships written here, that
list one sheet under a fixed name; the styles and shared strings (their
compressed bytes as the safety check read and verified them); and the one
sheet, stored, whose every byte the far-cell scan has seen. The provider's
workbook part and relationships never reach calamine: where its reading of
them would differ from ours (an `id` attribute in another namespace, two
sheets of one name, a relationship id written with a character reference),
it would parse a sheet the scan never saw. Here there is no other sheet to
find, and no name to match but ours.
"""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from audit.reading.safety import inflating
from audit.reading.ziplayout import Part

Piece = bytes | bytearray | memoryview


@dataclass(frozen=True)
class Member:
    """A part to write: its name, compression method, CRC, inflated size and data (as stored, in pieces)."""

    name: str
    method: int
    crc: int
    size: int
    pieces: Sequence[Piece]

    @classmethod
    def raw(cls, path: Path, part: Part) -> Member:
        """A checked part as it is in the file: its compressed bytes, which the check inflated and verified."""
        with path.open("rb") as fh:
            fh.seek(part.data_offset)
            data = fh.read(part.compressed)
        return cls(part.name, part.method, part.crc, part.size, [data])

    @classmethod
    def stored(cls, name: str, pieces: Sequence[Piece]) -> Member:
        crc = 0
        for piece in pieces:
            crc = inflating.crc32(piece, crc)
        return cls(name, zipfile.ZIP_STORED, crc, sum(len(p) for p in pieces), pieces)


SHEET_NAME = "S"  # the one sheet's name in the rebuilt package: what the reader is asked for
SHEET_PART = "xl/worksheets/sheet1.xml"
READER_PARTS = ("xl/styles.xml", "xl/sharedStrings.xml")  # the parts calamine reads beside a sheet, at these paths
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def book_members(date1904: bool) -> list[Member]:
    """The workbook part and its relationships, as we read them: one visible sheet, SHEET_NAME at SHEET_PART,
    and the workbook's date system (the one setting of the workbook part a cell's value depends on)."""
    system = '<workbookPr date1904="1"/>' if date1904 else ""
    book = (f'<workbook xmlns={quoteattr(MAIN)} xmlns:r={quoteattr(RELATIONSHIPS)}>{system}<sheets>'
            f'<sheet name={quoteattr(SHEET_NAME)} sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type={quoteattr(RELATIONSHIPS + "/worksheet")} Target="/{SHEET_PART}"/></Relationships>')
    package = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'  # how a reader
               f'<Relationship Id="rId1" Type={quoteattr(RELATIONSHIPS + "/officeDocument")} Target="xl/workbook.xml"/>'
               '</Relationships>')  # knows the package for an xlsx
    return [Member.stored("_rels/.rels", [package.encode()]), Member.stored("xl/workbook.xml", [book.encode()]),
            Member.stored("xl/_rels/workbook.xml.rels", [rels.encode()])]


def zip_pieces(members: Sequence[Member]) -> list[Piece]:
    """A zip of `members`, as pieces to write one after another: no data descriptors, names in UTF-8, zip32 sizes."""
    out: list[Piece] = []
    central: list[bytes] = []
    offset = 0
    for m in members:
        name = m.name.encode("utf-8")
        packed = sum(len(p) for p in m.pieces)
        fields = (20, 0x800, m.method, 0, 0x21, m.crc, packed, m.size, len(name))
        out += [struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name, *m.pieces]
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + name)
        offset += 30 + len(name) + packed
    directory = b"".join(central)
    out += [directory, struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), offset, 0)]
    return out


class Source:
    """A rebuilt package as the reader takes it: an anonymous in-memory file on Linux, else bytes.

    fastexcel copies bytes it is given before parsing but reads a file as it
    goes; at 100,000 clients that copy is 90 MB of fresh memory. The anonymous
    file never touches a disk and is closed as soon as the sheet is parsed.
    """

    def __init__(self, pieces: Sequence[Piece]) -> None:
        self.fd: int | None = None
        if sys.platform == "linux" and hasattr(os, "memfd_create"):
            self.fd = os.memfd_create("ost-audit-sheet")  # close-on-exec: compare's workers never see it
            try:
                for piece in pieces:
                    view = memoryview(piece)
                    while view:
                        view = view[os.write(self.fd, view):]
            except BaseException:
                self.close()
                raise
            self.source: str | bytes = f"/proc/self/fd/{self.fd}"
        else:
            self.source = b"".join(pieces)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
