"""Checks an untrusted file before any parser sees it.

Returns arrive by email from outside the council. A zip bomb, an
entity-expansion attack, a macro-bearing or password-protected workbook is
refused here with one sentence, in bounded time and memory, so the Rust and
XML parsers behind us only ever read files that passed.
"""

from __future__ import annotations

import threading
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import InputRefused
from audit.reading.ziplayout import Disagreement, Part, Truncated, read_layout

try:  # ISA-L inflates twice as fast as zlib, and the check inflates every byte of every part
    from isal import isal_zlib as inflating
except ImportError:  # a platform without isal's wheels keeps the standard library's zlib
    inflating = zlib

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
IN_CHUNK = 1 << 20  # compressed bytes read at a time
OUT_CHUNK = 4 << 20  # most inflated bytes per zlib call


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


@dataclass
class Package:
    """What the check learnt of a package: its parts in file order and the bytes of those it was asked to keep."""

    parts: list[Part]
    kept: dict[str, bytearray] = field(default_factory=dict)


def check_ooxml(path: Path, *, kind: str, required_part: str, limits: Limits = LIMITS,
                keep: Callable[[list[Part]], set[str]] | None = None) -> Package:
    """Refuse anything but a well-formed, macro-free Office Open XML package.

    `kind` names the format in messages ("Excel workbook (.xlsx)");
    `required_part` is the part that makes it that format ("xl/workbook.xml").
    The zip must have one reading only (see ziplayout), so every reader after
    us sees the parts checked here. Every part is inflated once, counting
    bytes as they come, never past the size its directory entry declares, so
    a bomb is stopped as soon as it exceeds a limit and memory stays bounded
    whatever the headers claim. `keep` picks parts whose inflated bytes are
    returned.
    """
    size = check_regular_file(path, limits)
    with path.open("rb") as fh:
        head = fh.read(8)
        if head == OLE_MAGIC:
            raise InputRefused(path, _ole_reason(path, kind))
        if not head.startswith(ZIP_MAGIC):
            raise InputRefused(path, f"is not an {kind}: it is not a zip package")
        try:
            parts = read_layout(fh, size, limits.max_members)
        except Truncated as exc:
            raise InputRefused(path, f"is corrupt or truncated ({exc})") from None
        except Disagreement as exc:
            raise InputRefused(path, f"is not a well-formed zip package: {exc}") from None
    names = {p.name for p in parts}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise InputRefused(path, "contains macros (a VBA project); save it as a macro-free .xlsx/.docx and send that")
    if required_part not in names:
        raise InputRefused(path, f"is not an {kind}: it has no {required_part}")
    if any(p.encrypted for p in parts):
        raise InputRefused(path, "is password-protected (encrypted zip parts)")
    for p in parts:
        if p.method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputRefused(path, f"part {p.name} uses a compression method Office files never use")
        if p.size > limits.ratio_floor_bytes and p.size > limits.max_ratio * max(p.compressed, 1):
            raise InputRefused(path, f"part {p.name} expands more than {limits.max_ratio} times (a zip bomb?)")
    total = sum(p.size for p in parts)
    if total > limits.max_inflated_bytes:
        raise InputRefused(path, f"inflates to more than {limits.max_inflated_bytes // (1024 ** 3)} GB (a zip bomb?)")
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * size:
        raise InputRefused(path, f"expands more than {limits.max_ratio} times (a zip bomb?)")
    package = Package(parts)
    _inflate_all(path, package, keep(parts) if keep else set())
    return package


def inflate_part(path: Path, part: Part) -> bytearray:
    """One part of a package that passed `check_ooxml`, inflated again (and its size and CRC checked again):
    cheaper than keeping every part the check inflated in case it is wanted."""
    kept = _inflate_one(path, part, True)
    assert kept is not None
    return kept


def watch_part(path: Path, part: Part, watch: Callable[[bytes], None]) -> None:
    """One part of a package that passed `check_ooxml`, inflated again and shown to `watch` chunk by chunk,
    never held whole."""
    _inflate_one(path, part, False, watch)


def _inflate_all(path: Path, package: Package, keep: set[str]) -> None:
    """Inflate every part, two at a time (zlib releases the GIL), biggest first; stop at the first refusal.

    Parts are taken one by one from a shared queue, so at most two are being
    inflated at any moment and a refusal leaves nothing else running.
    """
    queue = iter(sorted(package.parts, key=lambda p: p.compressed, reverse=True))
    lock = threading.Lock()
    failed: list[BaseException] = []

    def work() -> None:
        while not failed:
            with lock:
                part = next(queue, None)
            if part is None:
                return
            try:
                kept = _inflate_one(path, part, part.name in keep)
                if kept is not None:
                    package.kept[part.name] = kept
            except BaseException as exc:  # handed to the caller below
                failed.append(exc)
                return

    helper = threading.Thread(target=work, name="ost-audit-inflate", daemon=True)
    helper.start()
    work()
    helper.join()
    if failed:
        raise failed[0]


def _inflate_one(path: Path, part: Part, keep: bool, watch: Callable[[bytes], None] | None = None) -> bytearray | None:
    """Inflate one part from its raw bytes in large slices, so zlib runs without the GIL; never more than
    its declared size plus one byte. Returns the bytes when asked to keep them."""
    inflater = inflating.decompressobj(-zlib.MAX_WBITS) if part.method == zipfile.ZIP_DEFLATED else None
    account = _Account(path, part, bytearray(part.size) if keep else None, watch)  # filled in place: no regrowing copies
    try:
        with path.open("rb") as fh:
            remaining = part.compressed
            fh.seek(part.data_offset)
            while remaining:
                data = fh.read(min(IN_CHUNK, remaining))
                if not data:
                    raise InputRefused(path, f"is corrupt or truncated (part {part.name} ends early)")
                remaining -= len(data)
                while data:
                    if inflater is None:
                        account.add(data)
                        break
                    account.add(inflater.decompress(data, min(OUT_CHUNK, part.size - account.inflated + 1)))
                    data = inflater.unconsumed_tail
        if inflater is not None:
            account.add(inflater.flush())
            if not inflater.eof:
                raise InputRefused(path, f"is corrupt or truncated (part {part.name} ends early)")
    except (zlib.error, inflating.error) as exc:
        raise InputRefused(path, f"is corrupt (part {part.name}: {_short(exc)})") from None
    if account.inflated != part.size:
        raise InputRefused(path, f"is corrupt (part {part.name} is not the size its directory entry says)")
    if account.crc != part.crc:
        raise InputRefused(path, f"is corrupt (part {part.name} fails its checksum)")
    return account.kept


class _Account:
    """Counts a part's inflated bytes against its declared size (checked against the limits), checks its CRC
    and looks for entity declarations."""

    def __init__(self, path: Path, part: Part, kept: bytearray | None, watch: Callable[[bytes], None] | None = None) -> None:
        self.path, self.part, self.kept, self.watch = path, part, kept, watch
        self.inflated, self.crc, self.tail = 0, 0, b""
        self.is_xml = part.name.endswith((".xml", ".rels", ".vml"))

    def add(self, chunk: bytes) -> None:
        if not chunk:
            return
        path, part = self.path, self.part
        self.inflated += len(chunk)
        if self.inflated > part.size:  # the declared sizes were checked against the limits before inflating
            raise InputRefused(path, f"part {part.name} inflates to more than its directory entry says (a zip bomb?)")
        # `<` is in every few bytes of XML, so searching for `<!` costs more than inflating;
        # `!` is rare and found with memchr: only chunks that hold one are searched further.
        if self.is_xml and (b"!" in chunk or b"!" in self.tail) and (b"<!" in chunk or b"<!" in self.tail + chunk[:16]):
            edge = self.tail + chunk
            if b"<!DOCTYPE" in edge or b"<!ENTITY" in edge:
                raise InputRefused(path, f"part {part.name} declares XML entities, which Office files never need "
                                         "(an entity-expansion attack?)")
        self.tail = chunk[-16:]
        self.crc = inflating.crc32(chunk, self.crc)
        if self.kept is not None:
            self.kept[self.inflated - len(chunk):self.inflated] = chunk
        if self.watch is not None:
            self.watch(chunk)


def _ole_reason(path: Path, kind: str) -> str:
    with path.open("rb") as fh:
        data = fh.read(LIMITS.max_file_bytes)
    if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data or "EncryptedPackage".encode("utf-16-le") in data:
        return "is password-protected; remove the password and send it again"
    return f"is an old binary Office file, not an {kind}; save it as .xlsx/.docx"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().rstrip(".") or type(exc).__name__
    return text.splitlines()[0][:120]
