"""A big sheet parsed as two halves of its rows, one on each core.

calamine parses a sheet on one core: most of a run at 100,000 clients. The
sheet's XML is cut before a numbered row; each half (the sheet's head, its
rows on that side of the cut, its tail) becomes a package of its own (see
repack), is scanned for far cells and parsed on a thread of its own. The
frames are joined by Excel row and column and must be what the whole sheet
gives: when a half holds a row on the wrong side of the cut (rows out of
order) or anything is unusual, `join` says no and the whole sheet is parsed.
A cut can cost time, never correctness.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from audit.reading.repack import Piece

SPLIT_MIN_BYTES = 16 << 20  # sheet XML below this (about 18,000 rows) parses in well under 0.2 s: not worth a cut
FIRST_SHARE = 0.45  # the first half is smaller: it is converted while the second still parses
ROW_R = re.compile(rb'\sr="([0-9]+)"')
OPEN, CLOSE = b"<sheetData>", b"</sheetData>"


@dataclass(frozen=True)
class Cut:
    """Where the sheet XML is cut: `<sheetData>` content is [start, at) and [at, end); the second half's first row."""

    start: int
    at: int
    end: int
    first_row: int  # Excel row number of the first row after the cut

    def halves(self, xml: bytearray) -> tuple[list[Piece], list[Piece]]:
        """Each half's XML as pieces of `xml` (no copies): head, its rows, tail."""
        view = memoryview(xml)
        return [view[:self.at], view[self.end:]], [view[:self.start], view[self.at:]]


def find_cut(xml: bytearray, share: float = FIRST_SHARE) -> Cut | None:
    """A cut before a `<row>` that carries its row number, or None when the sheet is small or not plain enough."""
    if len(xml) < SPLIT_MIN_BYTES:
        return None
    start, end = xml.find(OPEN), xml.rfind(CLOSE)
    if start < 0 or end < start:
        return None
    start += len(OPEN)
    if b"!" in xml and b"<!" in xml:  # comments and CDATA could hide a `<row` that is not one; Excel writes none
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
            # calamine stops at the first `</sheetData>`: one before the cut would end the whole sheet there
            return Cut(start, at, end, int(number.group(1))) if xml.find(CLOSE, start, at) < 0 else None
        at = xml.find(b"<row ", tag_end, end)
    return None


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
