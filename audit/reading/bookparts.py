"""Bounds on the two parts calamine reads beside a sheet: the styles and the shared strings.

They reach the reader as the provider wrote them (see repack), and each costs
calamine more than its bytes. Every shared string is a Rust `String` (24
bytes) even when empty, so 300 MB of `<si/>` became 1.5 GB of memory, twice
over when a sheet is read in halves. Every cell style (`xf`) is matched
against its number format's code, so 20,000 styles pointing at one 1 MB
format code kept a core busy for two minutes from a file of a few kilobytes.
And every cell pointing at a shared string gets its own copy of it: 40,000
cells pointing at one 30,000-character string aborted a 226 KB file. What Excel
itself writes stays far inside these bounds: at most 64,000 cell styles, format
codes of 255 characters, no more strings than cells.
"""

from __future__ import annotations

import re
from pathlib import Path

from audit.errors import InputRefused

STYLES_MAX_BYTES = 32 << 20  # kept and checked whole; Excel's own are rarely over a megabyte
STYLES_MAX_RUN = 4096  # bytes between any two `<` or `>`: a format code of 255 characters written as entities fits
STYLES_MAX_XF = 200_000  # cell styles (Excel allows about 64,000) plus cell style formats
TEXT_BUDGET = 1 << 30  # shared-string text the reader may copy into a sheet's cells (it is copied once more into the frame)
SI = re.compile(rb"[<:]si")


def check_styles(path: Path, data: bytes | bytearray) -> None:
    """Refuse a styles part whose work for the reader is out of proportion: too many styles or too long a value."""
    styles = _count(data, b"xf")
    if styles > STYLES_MAX_XF:
        raise InputRefused(path, f"lists {styles:,} cell styles in xl/styles.xml, far more than Excel allows")
    run = max(map(len, re.split(rb"[<>]", data)), default=0)
    if run > STYLES_MAX_RUN:
        raise InputRefused(path, f"has a value of {run:,} bytes in xl/styles.xml, where Excel writes at most a few hundred")


class StringCounter:
    """Counts the shared strings (`<si>` elements, any prefix) as the part is inflated, across chunk edges, and
    the most bytes between two of them: more than the longest string's text (entities only shrink it). Refuses
    the part as soon as there are more than `budget` (the sheets' room for cells)."""

    def __init__(self, path: Path, budget: int) -> None:
        self.path, self.budget = path, budget
        self.count = 0
        self.longest = 0
        self.run = 0  # bytes since the last `<si`
        self.tail = b""

    def __call__(self, chunk: bytes) -> None:
        # a `<si` or `:si` cut by the chunk edge starts in the last two bytes before it: they are looked at again
        seen = self.tail + chunk
        pieces = SI.split(seen)
        if len(pieces) == 1:
            self.run += len(chunk)
        else:
            self.longest = max(self.longest, self.run + len(pieces[0]) - len(self.tail), max(map(len, pieces[1:-1]), default=0))
            self.run = len(pieces[-1])
        self.count += len(pieces) - 1
        self.tail = seen[-2:]  # from what came before too: a chunk may be a single byte
        if self.count > self.budget:
            raise InputRefused(self.path, f"lists more than {self.budget:,} shared strings, more than its sheets have room "
                                          "for: each costs the reader memory (a memory bomb?)")

    def finish(self) -> None:
        self.longest = max(self.longest, self.run)


def check_string_copies(path: Path, sheet: str, xml: bytes | bytearray, longest: int) -> None:
    """The reader gives every cell its own copy of the shared string it points at: a 226 KB file with 40,000 cells
    pointing at one 30,000-character string aborted the process asking for gigabytes. A cell points at a shared
    string only with `t="s"` (calamine compares the raw bytes), so the values `"s"` in the sheet, times the longest
    string, bound the text the reader will copy."""
    cells = xml.count(b'"s"') + xml.count(b"'s'")
    if cells * longest > TEXT_BUDGET:
        raise InputRefused(path, f"sheet {sheet!r} has up to {cells:,} cells that each get a copy of shared strings of up to "
                                 f"{longest:,} bytes: more than {TEXT_BUDGET >> 30} GB of text for the reader (a memory bomb?)")


def _count(data: bytes | bytearray, name: bytes) -> int:
    """Elements called `name`, with or without a prefix (an upper bound: `<sia` counts too)."""
    return data.count(b"<" + name) + data.count(b":" + name)
