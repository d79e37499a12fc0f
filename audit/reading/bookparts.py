"""Bounds on the two parts calamine reads beside a sheet: the styles and the shared strings.

They reach the reader as the provider wrote them (see repack), and each costs
calamine more than its bytes. Every shared string is a Rust `String` (24
bytes) even when empty, so 300 MB of `<si/>` became 1.5 GB of memory, twice
over when a sheet is read in halves. Every cell style (`xf`) is matched
against its number format's code, so 20,000 styles pointing at one 1 MB
format code kept a core busy for two minutes from a file of a few kilobytes.
What Excel itself writes stays far inside these bounds: at most 64,000 cell
styles, format codes of 255 characters, and no more strings than cells.
"""

from __future__ import annotations

import re
from pathlib import Path

from audit.errors import InputRefused

STYLES_MAX_BYTES = 32 << 20  # kept and checked whole; Excel's own are rarely over a megabyte
STYLES_MAX_RUN = 4096  # bytes between any two `<` or `>`: a format code of 255 characters written as entities fits
STYLES_MAX_XF = 200_000  # cell styles (Excel allows about 64,000) plus cell style formats


def check_styles(path: Path, data: bytes | bytearray) -> None:
    """Refuse a styles part whose work for the reader is out of proportion: too many styles or too long a value."""
    styles = _count(data, b"xf")
    if styles > STYLES_MAX_XF:
        raise InputRefused(path, f"lists {styles:,} cell styles in xl/styles.xml, far more than Excel allows")
    run = max(map(len, re.split(rb"[<>]", data)), default=0)
    if run > STYLES_MAX_RUN:
        raise InputRefused(path, f"has a value of {run:,} bytes in xl/styles.xml, where Excel writes at most a few hundred")


class StringCounter:
    """Counts the shared strings (`<si>` elements, any prefix) as the part is inflated, across chunk edges."""

    def __init__(self) -> None:
        self.count = 0
        self.tail = b""

    def __call__(self, chunk: bytes) -> None:
        # a `<si` or `:si` cut by the chunk edge starts in the last two bytes before it and ends in the first two after
        self.count += _count(chunk, b"si") + _count(self.tail + chunk[:2], b"si")
        self.tail = chunk[-2:]


def check_shared_strings(path: Path, count: int, budget: int) -> None:
    if count > budget:
        raise InputRefused(path, f"lists {count:,} shared strings, more than its sheets have room for ({budget:,} cells): "
                                 "each costs the reader memory (a memory bomb?)")


def _count(data: bytes | bytearray, name: bytes) -> int:
    """Elements called `name`, with or without a prefix (an upper bound: `<sia` counts too)."""
    return data.count(b"<" + name) + data.count(b":" + name)
