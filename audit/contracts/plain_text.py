"""Plain text and Markdown contracts: the encodings councils save, then passages by line.

Windows tools save "ANSI" (Windows-1252, where "£" is one byte), Notepad
and Excel save UTF-8 with a byte-order mark or UTF-16 with one, everything
else saves UTF-8. The encoding is detected from the bytes, in that order of
certainty: a byte-order mark, then valid UTF-8, then Windows-1252; a file
whose decoded text is mostly control characters is not text at all.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from pathlib import Path

from audit.contracts.budget import Budget
from audit.contracts.passages import Passage, clause_number, looks_like_heading, normalise_space
from audit.contracts.seen import as_seen
from audit.errors import InputRefused
from audit.reading.safety import check_regular_file

BULLET_RE = re.compile(r"^\s*([-*\u2022\u2013]|\([a-z0-9]{1,4}\)|[a-z]\)|\d{1,3}\.(\d{1,3}\.?)*)\s+")
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding name) of a text file's bytes; raises ValueError for bytes that are not text."""
    for bom, encoding in BOMS:  # UTF-32 LE's mark starts with UTF-16 LE's: longest first
        if raw.startswith(bom):
            return raw[len(bom):].decode(encoding, errors="replace"), encoding
    bare_utf16 = _bare_utf16(raw)
    if bare_utf16:
        return raw.decode(bare_utf16, errors="replace"), bare_utf16
    if b"\x00" in raw:
        raise ValueError("holds NUL bytes")
    text = raw.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    damaged = replaced - raw.count("\ufffd".encode())
    if not damaged:
        return text, "utf-8"
    if sum(ch > "\x7f" for ch in text) - replaced > 10 * damaged:  # mostly good UTF-8 with a few broken bytes
        return text, "utf-8"
    return raw.decode("cp1252", errors="replace"), "windows-1252"


def _bare_utf16(raw: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: mostly-ASCII text has a NUL in every other byte."""
    sample = raw[:4096]
    if len(sample) < 16 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.6 * half and even < 0.02 * half:
        return "utf-16-le"
    if even > 0.6 * half and odd < 0.02 * half:
        return "utf-16-be"
    return None


def read_text(path: Path, budget: Budget) -> list[Passage]:
    """Passages of a .txt or .md contract."""
    size = check_regular_file(path)
    budget.spend(characters=size // 4)  # no encoding takes more than 4 bytes a character: refuse before decoding
    try:
        text, _ = decode(path.read_bytes())
    except ValueError:
        raise InputRefused(path, "is not a text file") from None
    budget.spend(characters=len(text) - size // 4)
    if len(CONTROL_RE.findall(text[:65536])) > max(8, 0.01 * min(len(text), 65536)):
        raise InputRefused(path, "is not a text file")
    return text_passages([as_seen(line) for line in text.splitlines()], str(path))


def text_passages(lines: list[str], file: str) -> list[Passage]:
    """Paragraphs, list items and Markdown table rows, each with its first line number."""
    out: list[Passage] = []
    heading: str | None = None
    block: list[str] = []
    start = 0
    header: list[str] | None = None
    table = 0

    def flush() -> None:
        nonlocal block
        if block:
            text = normalise_space(" ".join(block))
            out.append(Passage(text, file, line=start, clause=clause_number(text), heading=heading,
                               kind="item" if BULLET_RE.match(block[0]) else "paragraph"))
        block = []

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue
            if header is None:
                header, table = cells, table + 1
                continue
            out.append(Passage(" | ".join(c for c in cells if c), file, line=number, table=table,
                               row=None, heading=heading, kind="row", extra={"header": " | ".join(header)}))
            continue
        header = None
        if not stripped:
            flush()
            continue
        if stripped.startswith("#"):
            flush()
            heading = stripped.lstrip("#").strip()
            out.append(Passage(heading, file, line=number, heading=heading, kind="heading"))
            continue
        if BULLET_RE.match(line) or (block and looks_like_heading(stripped) and not looks_like_heading(block[-1])):
            flush()
        if not block:
            start = number
            if looks_like_heading(stripped) and not BULLET_RE.match(line):
                heading = stripped
        block.append(stripped)
    flush()
    _number_rows(out)
    return out


def _number_rows(passages: list[Passage]) -> None:
    counts: Counter = Counter()
    for p in passages:
        if p.kind == "row":
            counts[p.table] += 1
            p.row = counts[p.table]
