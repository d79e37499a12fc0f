"""Read a return workbook once, as text, keeping every value's Excel cell.

fastexcel (calamine, in Rust) loads each sheet from A1 with every cell as
text, so frame row i is Excel row i + 1 and each column knows its absolute
index, whatever empty rows or columns lead the sheet.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from audit.background import in_background, run_into
from audit.errors import InputRefused
from audit.reading import rust
from audit.reading.bookparts import STYLES_MAX_BYTES, StringCounter, check_string_copies, check_styles
from audit.reading.extent import EXCEL_COLUMNS, EXCEL_ROWS, Extent, measure
from audit.reading.halves import find_cut, join_frames
from audit.reading.repack import READER_PARTS, SHEET_NAME, SHEET_PART, Member, Source, book_members, zip_pieces
from audit.reading.safety import check_ooxml, inflate_part, watch_part
from audit.reading.ziplayout import Part

if TYPE_CHECKING:
    import polars as pl

log = logging.getLogger(__name__)
WORKBOOK_KIND = "Excel workbook (.xlsx)"
WORKBOOK_PART = "xl/workbook.xml"


class Sheet:
    """A sheet's cells as text: `frame` row i is Excel row i + 1; `letters` the Excel column of each frame column.

    Parsing (calamine) runs without the GIL, so it can go on a thread beside
    Python work. Converting the parsed cells to a polars frame needs the GIL
    throughout (0.35 s for 100,000 rows): beside a busy Python thread it ran
    several times slower, so it waits until `frame` (or `letters`) is first asked for.
    """

    def __init__(self, name: str, load: Callable[[], tuple[pl.DataFrame, tuple[str, ...]]]) -> None:
        self.name = name
        self._load: Callable[[], tuple[pl.DataFrame, tuple[str, ...]]] | None = load
        self._frame: pl.DataFrame | None = None
        self._letters: tuple[str, ...] = ()

    @property
    def frame(self) -> pl.DataFrame:
        self._resolve()
        return self._frame

    @property
    def letters(self) -> tuple[str, ...]:
        self._resolve()
        return self._letters

    def _resolve(self) -> None:
        if self._load is not None:
            (self._frame, self._letters), self._load = self._load(), None


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def normalise_header(text: str | None) -> str:
    """` Dose mg ` -> `DOSE_MG`: headers match however untidily they are typed."""
    if text is None:
        return ""
    return re.sub(r"[\s\-]+", "_", text.strip()).upper()


BOOK_PARTS = (WORKBOOK_PART, "xl/_rels/workbook.xml.rels")
STYLES, STRINGS = READER_PARTS
RELATIONSHIP_NAMESPACES = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                          "http://purl.oclc.org/ooxml/officeDocument/relationships")
BOOK_MAX_BYTES = 4 << 20  # the workbook part and its relationships, kept and read whole: Excel's are kilobytes
MAX_SHEETS = 10_000
EXCEL_CELL_CHARS = 32_767  # the most text Excel keeps in one cell
CELL_FLOOR = 4_000_000  # cells any sheet may reach (about 130 MB in the reader): 170,000 clients at the return's width
BYTES_PER_CELL = 8  # a cell with a value takes more XML than this, so a sheet of n bytes holds under n / 8 of them
COLUMN_MARGIN = 26  # columns a reader may use beyond a return's own (a provider's notes), before the sheet is absurd


@dataclass(frozen=True)
class SheetEntry:
    """A sheet as the workbook part lists it: its name, whether it is shown, and the zip part holding it."""

    name: str
    hidden: bool
    part: str | None


class Workbook:
    """An untrusted workbook, checked by the safe-open layer and opened for reading.

    Only visible sheets are read: a hidden sheet is never taken for the
    return, whatever its name. A sheet is parsed from a package rebuilt from
    checked parts (see repack), after its XML was scanned for how far its
    cells reach: a sheet that would cost far more memory than its bytes
    justify is refused before the reader allocates anything. A big sheet is
    parsed in two halves at once (see halves); parsing releases the GIL, so
    the caller's other threads run meanwhile.
    """

    def __init__(self, path: Path, max_columns: int = EXCEL_COLUMNS) -> None:
        package = check_ooxml(path, kind=WORKBOOK_KIND, required_part=WORKBOOK_PART, keep=lambda parts: _kept(path, parts))
        self.path = path
        self.max_columns = max_columns
        self.parts = {part.name: part for part in package.parts}
        self.sheets, self.date1904 = _sheet_entries(path, package.kept)
        self._inflated = package.kept  # the biggest sheet's XML, as the check inflated it: used once, then let go
        # what the reader needs beside a sheet (see repack: never the provider's workbook part or relationships)
        self.book_parts = [name for name in READER_PARTS if name in self.parts]
        if STYLES in package.kept:
            check_styles(path, package.kept.pop(STYLES))
        self.longest_string = 0
        if STRINGS in self.parts:
            sheet_bytes = sum(self.parts[e.part].size for e in self.sheets if e.part in self.parts)
            strings = StringCounter(path, _budget(sheet_bytes))
            watch_part(path, self.parts[STRINGS], strings)
            strings.finish()
            self.longest_string = strings.longest

    def _find(self, name: str, hidden: bool) -> list[SheetEntry]:
        wanted = name.strip().lower()
        return [e for e in self.sheets if e.hidden == hidden and e.name.strip().lower() == wanted]

    def sheet(self, name: str) -> Sheet | None:
        """The visible sheet matched case-insensitively (an exact name first), parsed now and converted when first
        used; None when no visible sheet has that name."""
        found = sorted(self._find(name, hidden=False), key=lambda e: e.name != name)
        if not found:
            return None
        entry = found[0]
        # Excel never writes two sheets of one name: which is meant? Compared without stripping, unlike `_find`, so a
        # hidden "ost " beside a visible "OST" stays a note (hidden_like) and only "OST" beside "ost" is refused.
        if sum(e.name.lower() == entry.name.lower() for e in self.sheets) > 1:
            raise InputRefused(self.path, f"has two sheets named {entry.name!r} (sheet names are unique in Excel)")
        part = self.parts.get(entry.part or "")
        if part is None:
            raise InputRefused(self.path, f"sheet {entry.name!r} points at a part the package does not have")
        return Sheet(entry.name, self._parsed(entry.name, part))

    def hidden_like(self, name: str) -> list[str]:
        """Hidden sheets whose name matches `name`: never read as the return, but worth a note."""
        return [e.name for e in self._find(name, hidden=True)]

    def _parsed(self, name: str, part: Part, split: bool = True) -> Callable[[], tuple[pl.DataFrame, tuple[str, ...]]]:
        """Parse the sheet now (in halves when big); the returned function converts it."""
        xml = self._inflated.pop(part.name, None) or inflate_part(self.path, part)
        if self.longest_string:
            check_string_copies(self.path, name, xml, self.longest_string)
        book = self._book
        cut = find_cut(xml) if split else None
        if cut is None:
            whole = [xml]
            del xml
            parsed = self._parse_piece(name, part, whole, book)
            return lambda: self._converted(parsed)
        pieces = cut.halves(xml)
        del xml  # held by the halves' views only until each is in its package
        halves = [Future(), in_background(self._parse_piece, name, part, pieces[1], book)]
        run_into(halves[0], self._parse_piece, name, part, pieces[0], book)
        del pieces

        def joined() -> tuple[pl.DataFrame, tuple[str, ...]]:
            try:
                frame_a, columns_a = self._converted(halves[0].result(), indexes=True)
                frame_b, columns_b = self._converted(halves[1].result(), indexes=True)
            except InputRefused as exc:  # said again by the whole sheet if it is the sheet's fault, not the cut's
                return self._whole_after(name, part, f"a half was refused ({exc.reason})")
            both = join_frames(frame_a, columns_a, frame_b, columns_b, cut.first_row)
            if both is None:
                return self._whole_after(name, part, f"rows lie on the wrong side of the cut before row {cut.first_row}")
            return both[0], tuple(column_letter(i) for i in both[1])
        return joined

    @cached_property
    def _book(self) -> list[Member]:
        """What the reader gets beside any sheet: our workbook part and relationships, and the provider's styles and
        shared strings as the check read them. Read from the file once, for every sheet parsed."""
        return [*book_members(self.date1904), *(Member.raw(self.path, self.parts[n]) for n in self.book_parts)]

    def _whole_after(self, name: str, part: Part, why: str) -> tuple[pl.DataFrame, tuple[str, ...]]:
        """The sheet parsed whole, when its halves could not stand for it: slower, never wrong (said under --debug)."""
        log.debug("%s: sheet %r read whole, not in halves: %s", self.path, name, why)
        return self._parsed(name, part, split=False)()

    def _parse_piece(self, name: str, part: Part, pieces: list, book: list[Member]):
        """Scan the sheet XML `pieces` for far cells, then parse them (fastexcel's ExcelSheet, None when empty).
        `pieces` is emptied once they are in the package, so the sheet's XML is let go as soon as it can be."""
        import fastexcel

        budget = _budget(part.size)
        try:
            extent = measure(pieces, budget) or Extent(0, 0)
        except ValueError as exc:  # the scan's reason, said of this part
            raise InputRefused(self.path, f"is corrupt (part {part.name} {exc})") from None
        _check_extent(self.path, name, extent, budget, self.max_columns)
        source = Source(zip_pieces([*book, Member.stored(SHEET_PART, pieces)]))
        pieces.clear()
        try:
            return self._guard(lambda: _parse(fastexcel.read_excel(source.source), SHEET_NAME))
        finally:
            source.close()

    def _converted(self, parsed, indexes: bool = False):
        """The parsed sheet as a frame (needs the GIL throughout) and its columns' letters (or absolute indexes)."""
        if parsed is None:  # an empty sheet
            return _empty_frame(), ()
        columns = tuple(c.absolute_index for c in parsed.available_columns())
        frame = self._guard(parsed.to_polars)
        _check_text(self.path, frame)
        return frame, columns if indexes else tuple(column_letter(i) for i in columns)

    def _guard(self, load):
        try:
            return rust.call(load)
        except InputRefused:
            raise
        except Exception as exc:  # fastexcel raises its own error types for bad files; a panic is ReaderPanicked
            reason = str(exc).strip().splitlines()[0][:150] if str(exc).strip() else type(exc).__name__
            raise InputRefused(self.path, f"could not be read as a workbook ({reason})") from None


def _kept(path: Path, parts: list[Part]) -> set[str]:
    """The parts the check keeps for us: the workbook part and its relationships, the styles to check (refused
    here, before they are inflated, when too big to keep), and the biggest worksheet (nearly always the return's
    clients), so the sheet read is not inflated twice (0.1 s at 100k)."""
    for part in parts:
        limit = STYLES_MAX_BYTES if part.name == STYLES else BOOK_MAX_BYTES if part.name in BOOK_PARTS else None
        if limit is not None and part.size > limit:
            raise InputRefused(path, f"has a part {part.name} of {part.size / (1 << 20):,.0f} MB, where Excel's own are "
                                     "kilobytes (a memory bomb?)")
    sheets = [p for p in parts if p.name.startswith("xl/worksheets/") and p.name.endswith(".xml")]
    biggest = {max(sheets, key=lambda p: p.size).name} if sheets else set()
    return {*BOOK_PARTS, STYLES, *biggest}


def _budget(part_size: int) -> int:
    """The cells a sheet of `part_size` XML bytes may reach: what its bytes could hold, or the floor."""
    return max(CELL_FLOOR, part_size // BYTES_PER_CELL)


def _check_extent(path: Path, sheet: str, extent: Extent, budget: int, max_columns: int) -> None:
    if extent.rows > EXCEL_ROWS or extent.columns > EXCEL_COLUMNS:
        raise InputRefused(path, f"sheet {sheet!r} has a cell reference beyond Excel's last cell (XFD1048576)")
    if extent.columns > max_columns:
        raise InputRefused(path, f"sheet {sheet!r} has cells up to column {column_letter(extent.columns - 1)}, "
                                 f"far beyond a return's columns (the limit is {column_letter(max_columns - 1)})")
    if extent.cells > budget:
        raise InputRefused(path, f"sheet {sheet!r} has cells as far as row {extent.rows:,} and column "
                                 f"{column_letter(extent.columns - 1)}, so reading it means filling {extent.cells:,} cells where "
                                 f"its size allows at most {budget:,} (stray cells far from the data?)")


def _check_text(path: Path, frame: pl.DataFrame) -> None:
    """No cell holds more text than Excel lets a cell hold: a 10 MB value cost the audit 930 MB and a 10 MB line on
    the terminal. Bytes first (column-wide, from the offsets), characters only if some value could be over."""
    import polars as pl

    def longest(length: pl.Expr) -> int:
        lengths = frame.select(length.max())
        return max((v for v in lengths.row(0) if v is not None), default=0) if lengths.width else 0

    if frame.is_empty() or longest(pl.col(pl.String).str.len_bytes()) <= EXCEL_CELL_CHARS:
        return
    chars = longest(pl.col(pl.String).str.len_chars())
    if chars > EXCEL_CELL_CHARS:
        raise InputRefused(path, f"has a cell of {chars:,} characters, where Excel holds at most {EXCEL_CELL_CHARS:,} in a cell")


def _sheet_entries(path: Path, kept: dict[str, bytearray]) -> tuple[list[SheetEntry], bool]:
    """The sheets the workbook part lists, in order, with the part each relationship points at (resolved as
    calamine resolves them: `/xl/...` and `xl/...` as they are, anything else under `xl/`), and whether the
    workbook counts dates from 1904."""
    try:
        targets = {attrib.get("Id"): _resolved(attrib.get("Target") or "")
                   for _, attrib in _elements(kept.get(BOOK_PARTS[1], b"<r/>"), {"Relationship"})}
        entries: list[SheetEntry] = []
        date1904 = False
        for local, attrib in _elements(kept.get(WORKBOOK_PART, b""), {"sheet", "workbookPr"}):
            if local == "workbookPr":
                date1904 = date1904 or (attrib.get("date1904") or "").strip() in ("1", "true")
                continue
            entries.append(SheetEntry(attrib.get("name") or "", (attrib.get("state") or "visible") != "visible",
                                      targets.get(_relationship_id(attrib) or "")))
            if len(entries) > MAX_SHEETS:
                raise InputRefused(path, f"lists more than {MAX_SHEETS:,} sheets")
    except InputRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - defusedxml and expat raise several kinds
        raise InputRefused(path, f"could not be read as a workbook (its workbook part is not readable XML: {exc})") from None
    return entries, date1904


def _elements(data: bytes | bytearray, wanted: set[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """The local name and attributes of each element called one of `wanted` (any namespace), in document order.
    Streamed, each element let go once seen: a workbook part of 50 million empty elements took 4.7 GB as a tree."""
    from defusedxml.ElementTree import iterparse

    open_elements = []
    for event, element in iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "start":
            open_elements.append(element)
            continue
        open_elements.pop()
        local = _local(element.tag)
        if local in wanted:
            yield local, dict(element.attrib)
        if open_elements:  # its parent's only child by now: the element and all it held are let go
            open_elements[-1].remove(element)


def _resolved(target: str) -> str:
    return target.lstrip("/") if target.startswith("/xl/") else target if target.startswith("xl/") else "xl/" + target.lstrip("/")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _relationship_id(attrib: dict[str, str]) -> str | None:
    """A sheet's relationship id: its `id` attribute in the relationships namespace (transitional or strict OOXML),
    as Excel reads it; an `id` in any other namespace, or in none, is not one."""
    return next((attrib[f"{{{ns}}}id"] for ns in RELATIONSHIP_NAMESPACES if f"{{{ns}}}id" in attrib), None)


def read_workbook(path: Path, wanted: tuple[str, ...]) -> dict[str, Sheet]:
    """Load the wanted sheets (matched case-insensitively); absent ones are left out."""
    book = Workbook(path)
    return {want: sheet for want in wanted if (sheet := book.sheet(want)) is not None}


def _parse(reader, name: str):
    """The sheet parsed from A1 with every cell as text (fastexcel's ExcelSheet), or None when it is empty."""
    try:
        return reader.load_sheet_by_name(name, header_row=None, skip_rows=0, dtypes="string")
    except Exception as exc:
        if "empty" in str(exc).lower() or "no data" in str(exc).lower():
            return None
        raise


def _empty_frame() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame()
