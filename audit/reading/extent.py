"""How far a worksheet's cells reach, read from its XML before the reader sees it.

calamine allocates the whole rectangle from A1 to the last cell with a value:
one legal cell at XFD1048576 asks for 549 GB and aborts the process, one at
A1048576 beside a return's columns costs over a gigabyte, and a row number past
2^32 wraps round to row 1. So, before a sheet is handed to the reader, its
XML (exactly the bytes the reader will parse: see repack) is scanned here for
the last row and column any cell can take.

Fast path (what spreadsheet programs write): the sheet states its used range
in `<dimension ref=...>` (or, without one, as openpyxl's write-only mode
writes, a range is guessed from its first rows' width and the budget), and one
pass of a linear regex (Rust's, through polars) counts row and cell tags whose
reference is missing, malformed or outside that range. None: the range is the
extent. Otherwise (or when the stated range is itself over the budget) the
slow path pulls out every row and cell tag and counts positions as calamine
does (a cell without a reference follows the one before it), over whole
columns; still linear. When the fast path hands over midway, the range it had
vouched for counts as reached: an upper bound, so an odd but honest file may
be refused, never a far cell let through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
BATCH = 2 << 20  # XML bytes handed to the regex at a time: as fast as bigger batches, and polars keeps less memory (8 MB: +90 MB)
GUESS = 64 << 10  # bytes of the first rows that say how wide a sheet without a stated range is
GUESS_COLUMNS = 26
HEAD = 256  # bytes kept between chunks before `sheetData`: enough for a cut `<dimension ref=...>` tag
CELL = re.compile(rb"([A-Z]{1,3})([1-9][0-9]{0,6})$")
DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref="([^"]*)"')
ODD = b"<!"  # comments and CDATA; `!` is rare, so it is looked for first (memchr), `<` is everywhere
FIRST_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
# A row or cell tag (any namespace prefix), or the end of a row; attribute values may hold `>`.
TAG_RX = r"""<(?:[A-Za-z_][\w.\-]*:)?(?:row|c)(?:\s(?:[^>"']|"[^"]*"|'[^']*')*)?/?>|</(?:[A-Za-z_][\w.\-]*:)?row\s*>"""
R_RX = r"""\sr\s*=\s*["']([^"']*)["']"""


@dataclass(frozen=True)
class Extent:
    """The last row and column (1-based) a cell of the sheet can take; `rows`/`columns` 0 for an empty sheet."""

    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def column_number(letters: str | bytes) -> int:
    """A -> 1, Z -> 26, AA -> 27."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def parse_ref(ref: bytes) -> tuple[int, int] | None:
    """`XFD1048576` -> (1048576, 16384); None for anything that is not a plain cell reference."""
    m = CELL.match(ref)
    return (int(m.group(2)), column_number(m.group(1))) if m else None


def measure(pieces: Sequence[bytes | bytearray | memoryview], slow_above: int) -> Extent | None:
    """The extent of the sheet whose XML is `pieces` (in order); None when it is not a worksheet."""
    watcher = ExtentWatcher(slow_above)
    for piece in pieces:
        view = memoryview(piece)
        for at in range(0, len(view), BATCH):
            watcher.feed(bytes(view[at:at + BATCH]))
    return watcher.result()


class ExtentWatcher:
    """Fed an XML part's inflated bytes as the safety check inflates them; `result()` is its Extent, or None
    for a part that is not a worksheet (no `sheetData`).

    `slow_above` is the number of cells above which a stated range is not
    trusted but counted (the caller refuses sheets bigger than it can afford).
    """

    def __init__(self, slow_above: int) -> None:
        self.slow_above = slow_above
        self.head = b""  # before `sheetData`: the last bytes seen, where a tag may be cut
        self.corner: tuple[int, int] | None = None
        self.pending: bytes | None = None  # after `sheetData`: bytes not yet scanned
        self.stated: Extent | None = None
        self.bad_pattern: str | None = None
        self.slow: _Walk | None = None

    def feed(self, chunk: bytes) -> None:
        if self.pending is None:
            self._preamble(chunk)
        else:
            self.pending += chunk
        if self.pending is not None and len(self.pending) >= BATCH:
            self._scan(final=False)

    def result(self) -> Extent | None:
        if self.pending is None:
            return None
        self._scan(final=True)
        return self.slow.extent() if self.slow is not None else self.stated

    def _preamble(self, chunk: bytes) -> None:
        """Look for the stated range (`<dimension ref=...>`) until `sheetData` begins; keep nothing else."""
        text = self.head + chunk
        at = text.find(b"sheetData")
        before = text if at < 0 else text[:at]
        if b"dimension" in before and (m := DIMENSION.search(before)):
            self.corner = parse_ref(m.group(1).split(b":")[-1])
        if at < 0:
            self.head = text[-HEAD:]
            return
        lt = text.rfind(b"<", 0, at)
        self.pending = text[lt if lt >= 0 else at:]
        corner = self.corner or self._guess(self.pending[:GUESS])
        if corner[0] * corner[1] > self.slow_above:
            self.slow = _Walk(None)
        else:
            self.stated = Extent(*corner)
            self.bad_pattern = _bad_pattern(*corner)

    def _guess(self, start: bytes) -> tuple[int, int]:
        """Without a stated range (openpyxl's write-only mode writes none): the columns the first rows use
        (at least A-Z), and as many rows as the budget allows at that width."""
        columns = max([column_number(m) for m in FIRST_COLUMNS.findall(start)] + [GUESS_COLUMNS])
        return max(1, self.slow_above // columns), columns

    def _scan(self, final: bool) -> None:
        # Whole tags only: cut before the last `<` (every tag starts with one, and no UTF-8 sequence holds it).
        assert self.pending is not None
        cut = len(self.pending) if final else self.pending.rfind(b"<")
        if cut <= 0:
            return
        text, self.pending = self.pending[:cut], self.pending[cut:]
        if self.slow is not None:
            self.slow.walk(text)
        elif (b"!" in text and ODD in text) or _count(text, self.bad_pattern):
            # Something the fast path cannot vouch for: walk the rest, from the furthest point the part so far could reach.
            self.slow = _Walk(self.stated)
            self.slow.walk(text)


class _Walk:
    """The slow path: every row and cell tag, positions counted as calamine counts them.

    A row tag with `r` sets the row and the end of a row moves to the next; a
    cell with `r` is where it says, a cell without follows the one before it in
    its row. Tags are pulled out batch by batch (Rust regex) and the positions
    worked out at the end over whole columns: even this path is linear and
    never loops in Python over cells.
    """

    def __init__(self, start: Extent | None) -> None:
        self.start = start  # what the fast path vouched for before it handed over
        self.batches: list = []

    def walk(self, text: bytes) -> None:
        import polars as pl

        tag = pl.col("tag")
        self.batches.append(_guarded(lambda: pl.DataFrame({"xml": pl.Series([text], dtype=pl.Binary)}).lazy().select(
            pl.col("xml").cast(pl.String).str.extract_all(TAG_RX).explode().alias("tag")
        ).drop_nulls().select(
            end=tag.str.starts_with("</"),
            row=tag.str.contains(r"^</?(?:[A-Za-z_][\w.\-]*:)?row"),
            empty=tag.str.ends_with("/>"),
            refs=tag.str.count_matches(R_RX),
            ref=tag.str.extract(R_RX, 1),
        ).collect()))

    def extent(self) -> Extent:
        import polars as pl

        start = self.start or Extent(0, 0)
        tags = pl.concat(self.batches) if self.batches else pl.DataFrame()
        if tags.is_empty():
            return start
        row_start = pl.col("row") & ~pl.col("end")
        has_ref = pl.col("ref").is_not_null()
        # A reference that is not plain (or one of two on a tag) is placed past every limit.
        odd = has_ref & ((pl.col("refs") > 1) | ~pl.col("ref").str.contains(r"^[A-Z]{0,3}[1-9][0-9]{0,9}$"))
        ended = (pl.col("end") | (row_start & pl.col("empty"))).cast(pl.Int64)
        anchored = row_start & pl.col("ref_row").is_not_null()
        positions = tags.lazy().with_columns(
            ends_before=ended.cum_sum() - ended,
            ref_row=pl.when(odd).then(EXCEL_ROWS + 1)
            .otherwise(pl.col("ref").str.extract(r"([0-9]+)$").cast(pl.Int64, strict=False)),
            ref_column=pl.when(odd).then(EXCEL_COLUMNS + 1).otherwise(
                pl.col("ref").str.extract(r"^([A-Z]+)").replace_strict(_column_numbers(), default=None, return_dtype=pl.Int64)),
        ).with_columns(
            anchor=pl.when(anchored).then(pl.col("ref_row")).forward_fill(),
            anchor_ends=pl.when(anchored).then(pl.col("ends_before")).forward_fill(),
        ).with_columns(  # before the first row reference, rows count on from where the fast path handed over
            current_row=pl.when(pl.col("anchor").is_null()).then(pl.col("ends_before") + 1 + start.rows)
            .otherwise(pl.col("anchor") + pl.col("ends_before") - pl.col("anchor_ends")),
        ).filter(~pl.col("row")).with_columns(
            index=pl.int_range(1, pl.len() + 1).over("ends_before"),
        ).with_columns(
            offset=pl.when(has_ref).then(pl.col("ref_column").fill_null(EXCEL_COLUMNS + 1) - pl.col("index")),
        ).with_columns(
            at_row=pl.when(has_ref).then(pl.col("ref_row").fill_null(EXCEL_ROWS + 1)).otherwise(pl.col("current_row")),
            at_column=pl.when(has_ref).then(pl.col("ref_column").fill_null(EXCEL_COLUMNS + 1))
            .otherwise(pl.col("index") + pl.col("offset").forward_fill().over("ends_before")
                       .fill_null(pl.when(pl.col("ends_before") == 0).then(start.columns).otherwise(0))),
        ).filter(~pl.col("empty")).select(pl.col("at_row").max(), pl.col("at_column").max()).collect()
        rows, columns = positions.row(0)
        return Extent(max(rows or 0, start.rows), max(columns or 0, start.columns))


@cache
def _column_numbers() -> dict[str, int]:
    """Every column name of one to three letters and its number (A -> 1, XFD -> 16384, ZZZ -> 18278)."""
    from audit.reading.workbook import column_letter

    return {column_letter(i): i + 1 for i in range(18_278)}


def _greater(bound: str, alphabet: str, first: str) -> str:
    """A regex for the strings over `alphabet` (first character from `first`) that come after `bound`:
    longer ones, or as long and later in order (the order of numbers, and of column letters)."""
    options = [f"[{first}][{alphabet}]{{{len(bound)},}}"]
    for i, ch in enumerate(bound):
        pool = first if i == 0 else alphabet
        later = "".join(c for c in _chars(pool) if c > ch)
        if later:
            rest = len(bound) - i - 1
            options.append(re.escape(bound[:i]) + f"[{later}]" + (f"[{alphabet}]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join(options) + ")"


def _chars(pool: str) -> str:
    return "".join(chr(c) for c in range(ord(pool[0]), ord(pool[-1]) + 1)) if "-" in pool else pool


def _bad_pattern(rows: int, columns: int) -> str:
    """Matches a row or cell tag the fast path cannot vouch for: no reference first, a malformed one, or one past
    the stated corner (`rows`, `columns`), or a prefixed one. Comments and CDATA are looked for apart (see ODD)."""
    from audit.reading.workbook import column_letter

    far_row = _greater(str(rows), "0-9", "1-9")
    far_column = _greater(column_letter(columns - 1), "A-Z", "A-Z")
    after_r = r'(?:[^A-Z]|[A-Z]{4}|' + far_column + r'[0-9]|[A-Z]+[^A-Z1-9]|[A-Z]+' + far_row + r'[^0-9]|[A-Z]+[1-9][0-9]*[^0-9"])'
    row_after_r = r'(?:[^1-9]|' + far_row + r'[^0-9]|[1-9][0-9]*[^0-9"])'
    no_r_first = r'[>/]|\s(?:[^r]|r[^=]|r=[^"])'
    prefixed = r':(?:c|row)[\s/>]'  # calamine reads `<x:c>` as a cell, whatever the prefix
    return r'<c(?:' + no_r_first + r'| r="' + after_r + r')|<row(?:' + no_r_first + r'| r="' + row_after_r + r')|' + prefixed


def _count(text: bytes, pattern: str | None) -> int:
    """Matches of `pattern` in `text`, counted by polars' Rust regex engine (linear time, GIL released)."""
    import polars as pl

    frame = pl.DataFrame({"xml": pl.Series([text], dtype=pl.Binary)}).lazy()
    return int(_guarded(lambda: frame.select(pl.col("xml").cast(pl.String).str.count_matches(pattern)).collect()).item() or 0)


def _guarded(query):
    """Run a polars query over sheet XML; XML that is not UTF-8 is refused (ValueError: the check says which part)."""
    import polars as pl

    try:
        return query()
    except pl.exceptions.ComputeError:
        raise ValueError("is not UTF-8 XML") from None
