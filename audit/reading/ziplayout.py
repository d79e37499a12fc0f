"""The layout of an untrusted zip package, read strictly: one reading or a refusal.

Zip readers disagree on odd archives. Python's `zipfile` takes the central
directory that ends at the end record; the Rust reader behind calamine takes
the one the record's offset points to; a streaming reader walks the local
headers. If they can disagree, the safety check may inflate harmless parts
while the reader parses others. So a package is read here from the end record
down to the first byte and must tile the file exactly: local headers and data
in directory order, then the directory, then the end record; every local
header saying what its directory entry says; nothing between, over or outside
them; names plain and unique. Any reader then sees the parts checked, and
only those. The rules (what is refused and why) are in `Layout.read`.
"""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass, replace
from typing import BinaryIO

END = b"PK\x05\x06"
END_SIZE = 22
CENTRAL = b"PK\x01\x02"
CENTRAL_SIZE = 46
LOCAL = b"PK\x03\x04"
LOCAL_SIZE = 30
DESCRIPTOR = b"PK\x07\x08"
ZIP64_MARKERS = (b"PK\x06\x06", b"PK\x06\x07")  # the zip64 end record and its locator
MAX_COMMENT = 0xFFFF
FLAG_ENCRYPTED, FLAG_DESCRIPTOR, FLAG_STRONG, FLAG_UTF8, FLAG_MASKED = 0x1, 0x8, 0x40, 0x800, 0x2000
FLAGS_THAT_MUST_AGREE = FLAG_ENCRYPTED | FLAG_DESCRIPTOR | FLAG_STRONG | FLAG_UTF8 | FLAG_MASKED
# Extra fields that change what a reader takes a part to be: zip64 sizes, a second name, AES encryption.
INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}  # control, format (bidi overrides), separators, unassigned
EXTRA_REFUSED = {0x0001: "zip64 sizes", 0x7075: "a second (Unicode) name", 0x9901: "AES encryption"}


class Disagreement(Exception):
    """The package's structures can be read in more than one way; the message says where."""


class Truncated(Disagreement):
    """The package ends before its structures do."""


@dataclass(frozen=True)
class Part:
    """One member, as its directory entry and local header (which agree) describe it."""

    name: str
    method: int
    flags: int
    crc: int
    compressed: int
    size: int
    header_offset: int
    data_offset: int  # where its compressed bytes start

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & (FLAG_ENCRYPTED | FLAG_STRONG))

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


def read_layout(fh: BinaryIO, file_size: int, max_parts: int) -> list[Part]:
    """The parts of the zip in `fh`, in file order; raises Disagreement for any archive that could be read two ways."""
    end_at, count, directory_size, directory_at = _end_record(fh, file_size)
    if count > max_parts:
        raise Disagreement(f"it lists {count} parts, more than any real Office file")
    if directory_at + directory_size != end_at:
        raise Disagreement("its central directory does not end where the end record is")
    fh.seek(directory_at)
    directory = fh.read(directory_size)
    if len(directory) != directory_size:
        raise Truncated("its central directory is cut short")
    for marker in (END, *ZIP64_MARKERS):  # a second end record or a zip64 one inside the directory could be taken for the real one
        if marker in directory:
            raise Disagreement("its central directory holds a second end-of-archive record")
    return _tile(fh, _directory(directory, count), directory_at)


def _end_record(fh: BinaryIO, file_size: int) -> tuple[int, int, int, int]:
    """Where the end record is, the number of parts, and the directory's size and offset."""
    tail_size = min(file_size, END_SIZE + MAX_COMMENT)
    fh.seek(file_size - tail_size)
    tail = fh.read(tail_size)
    at = tail.rfind(END)
    if at < 0 or len(tail) - at < END_SIZE:
        raise Truncated("it has no end-of-archive record")
    (_, disk, directory_disk, on_disk, count, directory_size, directory_at, comment) = struct.unpack("<IHHHHIIH", tail[at:at + END_SIZE])
    if at + END_SIZE + comment != len(tail):
        raise Disagreement("its end-of-archive record is not at the end of the file (a comment or data after it)")
    if tail.count(END) != 1 or any(m in tail for m in ZIP64_MARKERS):
        raise Disagreement("it has more than one end-of-archive record")
    if 0xFFFF in (on_disk, count) or 0xFFFFFFFF in (directory_size, directory_at):
        raise Disagreement("it uses zip64 records, which no return under the size limit needs")
    if disk or directory_disk or on_disk != count:
        raise Disagreement("it claims to span several disks")
    return file_size - tail_size + at, count, directory_size, directory_at


def _directory(directory: bytes, count: int) -> list[Part]:
    parts: list[Part] = []
    seen: dict[str, str] = {}
    pos = 0
    for _ in range(count):
        if directory[pos:pos + 4] != CENTRAL or len(directory) - pos < CENTRAL_SIZE:
            raise Disagreement("its central directory has fewer entries than its end record says")
        (_, _, _, flags, method, _, _, crc, compressed, size, name_len, extra_len, comment_len, disk, _, _,
         header_offset) = struct.unpack("<IHHHHHHIIIHHHHHII", directory[pos:pos + CENTRAL_SIZE])
        raw = directory[pos + CENTRAL_SIZE:pos + CENTRAL_SIZE + name_len]
        extra = directory[pos + CENTRAL_SIZE + name_len:pos + CENTRAL_SIZE + name_len + extra_len]
        pos += CENTRAL_SIZE + name_len + extra_len + comment_len
        if pos > len(directory) or len(raw) != name_len:
            raise Disagreement("an entry of its central directory runs past the directory's end")
        name = _name(raw, flags)
        if 0xFFFFFFFF in (compressed, size, header_offset) or disk:
            raise Disagreement(f"part {name!r} uses zip64 or multi-disk fields")
        _extra_fields(extra, name)
        folded = name.casefold()
        if folded in seen:
            raise Disagreement(f"it has two parts named {seen[folded]!r} and {name!r}")
        seen[folded] = name
        parts.append(Part(name, method, flags, crc, compressed, size, header_offset, 0))
    if pos != len(directory):
        raise Disagreement("its central directory holds more than the entries its end record counts")
    return parts


def _name(raw: bytes, flags: int) -> str:
    """The part name, decoded as zip readers do; refused unless it is a plain relative path."""
    try:
        name = raw.decode("utf-8") if flags & FLAG_UTF8 else raw.decode("cp437")
    except UnicodeDecodeError:
        raise Disagreement("a part name is not valid UTF-8") from None
    shown = name[:80]  # the output layer shows control and bidi characters escaped
    if not name or any(unicodedata.category(ch) in INVISIBLE for ch in name):
        raise Disagreement(f"a part name is empty or holds control or formatting characters ('{shown}')")
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise Disagreement(f"part name '{shown}' is not a relative path with forward slashes")
    segments = name.split("/")
    if any(s in ("", ".", "..") for s in (segments[:-1] if name.endswith("/") else segments)):
        raise Disagreement(f"part name '{shown}' has an empty, '.' or '..' segment")
    return name


def _extra_fields(extra: bytes, name: str) -> None:
    pos = 0
    while pos < len(extra):
        if len(extra) - pos < 4:
            raise Disagreement(f"part {name!r} has a malformed extra field")
        kind, length = struct.unpack("<HH", extra[pos:pos + 4])
        pos += 4 + length
        if pos > len(extra):
            raise Disagreement(f"part {name!r} has a malformed extra field")
        if kind in EXTRA_REFUSED:
            raise Disagreement(f"part {name!r} carries {EXTRA_REFUSED[kind]}, which Office files never need")


def _tile(fh: BinaryIO, parts: list[Part], directory_at: int) -> list[Part]:
    """Each local header matches its entry, and headers with their data follow each other from byte 0 to the directory."""
    expected = 0
    tiled: list[Part] = []
    for part in sorted(parts, key=lambda p: p.header_offset):
        if part.header_offset != expected:
            kind = "overlap" if part.header_offset < expected else "leave unexplained bytes between them"
            raise Disagreement(f"its parts {kind} (at byte {min(part.header_offset, expected)})")
        fh.seek(part.header_offset)
        header = fh.read(LOCAL_SIZE)
        if len(header) != LOCAL_SIZE or header[:4] != LOCAL:
            raise (Truncated if len(header) < LOCAL_SIZE else Disagreement)(f"part {part.name!r} has no local header where the directory says")
        (_, _, flags, method, _, _, crc, compressed, size, name_len, extra_len) = struct.unpack("<IHHHHHIIIHH", header)
        raw = fh.read(name_len)
        extra = fh.read(extra_len)
        if len(extra) != extra_len or _name(raw, flags) != part.name:
            raise Disagreement(f"part {part.name!r} has another name in its local header")
        _extra_fields(extra, part.name)
        if method != part.method or (flags ^ part.flags) & FLAGS_THAT_MUST_AGREE:
            raise Disagreement(f"part {part.name!r} has another compression method or flags in its local header")
        described = (crc, compressed, size)
        if not (part.flags & FLAG_DESCRIPTOR and described == (0, 0, 0)) and described != (part.crc, part.compressed, part.size):
            raise Disagreement(f"part {part.name!r} has other sizes or checksum in its local header")
        data_offset = part.header_offset + LOCAL_SIZE + name_len + extra_len
        expected = data_offset + part.compressed
        if part.flags & FLAG_DESCRIPTOR:
            expected += _descriptor(fh, part, expected)
        tiled.append(replace(part, data_offset=data_offset))
    if expected != directory_at:
        raise Disagreement("bytes lie between its last part and its central directory" if expected < directory_at
                           else "its last part runs into its central directory")
    return tiled


def _descriptor(fh: BinaryIO, part: Part, at: int) -> int:
    """The length of the data descriptor after a part's data, which must repeat the directory's checksum and sizes."""
    fh.seek(at)
    raw = fh.read(16)
    body = raw[4:16] if raw[:4] == DESCRIPTOR else raw[:12]
    if len(body) != 12 or struct.unpack("<III", body) != (part.crc, part.compressed, part.size):
        raise Disagreement(f"part {part.name!r} has a data descriptor that disagrees with the directory")
    return 16 if raw[:4] == DESCRIPTOR else 12
