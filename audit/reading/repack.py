"""Hand the reader a package rebuilt from checked parts only.

calamine never opens the provider's file. For each sheet it parses, it gets
a small zip made here: the workbook's own parts (their compressed bytes as
the safety check read and verified them) and the one sheet, stored, whose
every byte the far-cell scan has seen. Whatever a crafted archive or a
crafted relationship would make another reader do, calamine can only read
what was checked; a sheet it resolves elsewhere is simply not there.
"""

from __future__ import annotations

import os
import struct
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
