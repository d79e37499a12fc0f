"""Checks an untrusted file before any parser sees it.

Returns arrive by email from outside the council. A zip bomb, an
entity-expansion attack, a macro-bearing or password-protected workbook is
refused here with one sentence, in bounded time and memory, so the Rust and
XML parsers behind us only ever read files that passed.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from audit.errors import InputRefused

try:  # ISA-L inflates twice as fast as zlib, and the check inflates every byte of every part
    from isal import isal_zlib as inflating
except ImportError:  # a platform without isal's wheels keeps the standard library's zlib
    inflating = zlib

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
IN_CHUNK = 1 << 20  # compressed bytes read at a time
OUT_CHUNK = 4 << 20  # most inflated bytes per zlib call
LOCAL_HEADER_SIZE = 30


@dataclass(frozen=True)
class Limits:
    """Bounds on what a single input may cost to open."""

    max_file_bytes: int = 200 * 1024 * 1024
    max_inflated_bytes: int = 2 * 1024 * 1024 * 1024
    max_ratio: int = 200
    ratio_floor_bytes: int = 10 * 1024 * 1024
    max_members: int = 10_000
    max_pdf_pages: int = 2_000


LIMITS = Limits()


def check_regular_file(path: Path, limits: Limits = LIMITS) -> int:
    """The file exists, is a file, is not empty and not too large; returns its size."""
    if not path.exists():
        raise InputRefused(path, "no such file")
    if not path.is_file():
        raise InputRefused(path, "is not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputRefused(path, "is empty")
    if size > limits.max_file_bytes:
        raise InputRefused(path, f"is {size // (1024 * 1024)} MB, over the {limits.max_file_bytes // (1024 * 1024)} MB limit")
    return size


def check_ooxml(path: Path, *, kind: str, required_part: str, limits: Limits = LIMITS,
                keep: Callable[[list[zipfile.ZipInfo]], set[str]] | None = None) -> dict[str, bytearray]:
    """Refuse anything but a well-formed, macro-free Office Open XML package.

    `kind` names the format in messages ("Excel workbook (.xlsx)");
    `required_part` is the part that makes it that format ("xl/workbook.xml").
    Every member is inflated once, counting bytes as they come, so a bomb is
    stopped as soon as it exceeds a limit whatever its headers claim.
    `keep` picks members whose inflated bytes are returned (checked, so the
    caller need not inflate them again).
    """
    check_regular_file(path, limits)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        raise InputRefused(path, _ole_reason(path, kind))
    if not head.startswith(ZIP_MAGIC):
        raise InputRefused(path, f"is not an {kind}: it is not a zip package")
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if len(members) > limits.max_members:
                raise InputRefused(path, f"has {len(members)} parts, more than any real {kind}")
            names = {m.filename for m in members}
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise InputRefused(path, "contains macros (a VBA project); save it as a macro-free .xlsx/.docx and send that")
            if required_part not in names:
                raise InputRefused(path, f"is not an {kind}: it has no {required_part}")
            if any(m.flag_bits & 0x1 for m in members):
                raise InputRefused(path, "is password-protected (encrypted zip parts)")
            return _inflate_all(path, members, limits, keep(members) if keep else set())
    except InputRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, inflating.error, struct.error, EOFError, OSError, ValueError, KeyError, NotImplementedError,
            RuntimeError) as exc:
        raise InputRefused(path, f"is corrupt or truncated ({_short(exc)})") from None


def _inflate_all(path: Path, members: list[zipfile.ZipInfo], limits: Limits, keep: set[str]) -> dict[str, bytearray]:
    """Inflate every member, big ones on parallel threads (zlib releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    budget = _Budget(limits.max_inflated_bytes)
    big = sorted(members, key=lambda m: m.compress_size, reverse=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {m.filename: pool.submit(_inflate_one, path, m, limits, budget, m.filename in keep) for m in big}
        return {name: kept for name, future in futures.items() if (kept := future.result()) is not None}


class _Budget:
    """Total inflated bytes across threads."""

    def __init__(self, limit: int) -> None:
        import threading

        self.limit, self.used, self.lock = limit, 0, threading.Lock()

    def spend(self, n: int) -> bool:
        with self.lock:
            self.used += n
            return self.used <= self.limit


def _inflate_one(path: Path, member: zipfile.ZipInfo, limits: Limits, budget: _Budget, keep: bool) -> bytearray | None:
    """Inflate one part from its raw bytes in large slices, so zlib runs without the GIL
    (zipfile's reader takes the GIL back every few kilobytes). Returns the bytes when asked to keep them."""
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise InputRefused(path, f"part {member.filename} uses a compression method Office files never use")
    inflater = inflating.decompressobj(-zlib.MAX_WBITS) if member.compress_type == zipfile.ZIP_DEFLATED else None
    account = _Account(path, member, limits, budget, bytearray() if keep else None)
    with path.open("rb") as fh:
        remaining = member.compress_size
        fh.seek(data_offset(path, fh, member))
        while remaining:
            data = fh.read(min(IN_CHUNK, remaining))
            if not data:
                raise InputRefused(path, f"is corrupt or truncated (part {member.filename} ends early)")
            remaining -= len(data)
            while data:
                if inflater is None:
                    account.add(data)
                    break
                account.add(inflater.decompress(data, OUT_CHUNK))
                data = inflater.unconsumed_tail
    if inflater is not None:
        account.add(inflater.flush())
        if not inflater.eof:
            raise InputRefused(path, f"is corrupt or truncated (part {member.filename} ends early)")
    if account.crc != member.CRC:
        raise InputRefused(path, f"is corrupt (part {member.filename} fails its checksum)")
    return account.kept


def data_offset(path: Path, fh, member: zipfile.ZipInfo) -> int:
    """Where a part's compressed bytes start: after its local header, name and extra field."""
    fh.seek(member.header_offset)
    header = fh.read(LOCAL_HEADER_SIZE)
    if len(header) != LOCAL_HEADER_SIZE or not header.startswith(ZIP_MAGIC):
        raise InputRefused(path, f"is corrupt or truncated (no local header for part {member.filename})")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return member.header_offset + LOCAL_HEADER_SIZE + name_length + extra_length


class _Account:
    """Counts a part's inflated bytes against the limits, checks its CRC and looks for entity declarations."""

    def __init__(self, path: Path, member: zipfile.ZipInfo, limits: Limits, budget: _Budget, kept: bytearray | None) -> None:
        self.path, self.member, self.limits, self.budget, self.kept = path, member, limits, budget, kept
        self.inflated, self.crc, self.tail = 0, 0, b""
        self.is_xml = member.filename.endswith((".xml", ".rels", ".vml"))

    def add(self, chunk: bytes) -> None:
        if not chunk:
            return
        path, member, limits = self.path, self.member, self.limits
        self.inflated += len(chunk)
        if not self.budget.spend(len(chunk)):
            raise InputRefused(path, f"inflates to more than {limits.max_inflated_bytes // (1024 ** 3)} GB (a zip bomb?)")
        if self.inflated > limits.ratio_floor_bytes and self.inflated > limits.max_ratio * max(member.compress_size, 1):
            raise InputRefused(path, f"part {member.filename} expands more than {limits.max_ratio} times (a zip bomb?)")
        # `<` is in every few bytes of XML, so searching for `<!` costs more than inflating;
        # `!` is rare and found with memchr: only chunks that hold one are searched further.
        if self.is_xml and (b"!" in chunk or b"!" in self.tail) and (b"<!" in chunk or b"<!" in self.tail + chunk[:16]):
            edge = self.tail + chunk
            if b"<!DOCTYPE" in edge or b"<!ENTITY" in edge:
                raise InputRefused(path, f"part {member.filename} declares XML entities, which Office files never need "
                                         "(an entity-expansion attack?)")
        self.tail = chunk[-16:]
        self.crc = inflating.crc32(chunk, self.crc)
        if self.kept is not None:
            self.kept += chunk


def _ole_reason(path: Path, kind: str) -> str:
    with path.open("rb") as fh:
        data = fh.read(LIMITS.max_file_bytes)
    if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data or "EncryptedPackage".encode("utf-16-le") in data:
        return "is password-protected; remove the password and send it again"
    return f"is an old binary Office file, not an {kind}; save it as .xlsx/.docx"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    return text.splitlines()[0][:120]
