"""Read a return workbook once, as text, keeping every value's Excel cell.

fastexcel (calamine, in Rust) loads each sheet from A1 with every cell as
text, so frame row i is Excel row i + 1 and each column knows its absolute
index, whatever empty rows or columns lead the sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audit.errors import InputRefused
from audit.reading.extent import EXCEL_COLUMNS, EXCEL_ROWS, Extent, ExtentWatcher
from audit.reading.safety import check_ooxml
from audit.reading.ziplayout import Part

if TYPE_CHECKING:
    import polars as pl

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

    Sheets are parsed one at a time; parsing releases the GIL, so a caller can
    parse a big sheet on a thread and do other work meanwhile (see Sheet).
    Only visible sheets are read: a hidden sheet is never taken for the
    return, whatever its name. Every sheet's extent (how far its cells reach)
    is known before the reader parses anything, and a sheet that would cost
    far more memory than its bytes justify is refused.
    """

    def __init__(self, path: Path, max_columns: int = EXCEL_COLUMNS) -> None:
        package = check_ooxml(path, kind=WORKBOOK_KIND, required_part=WORKBOOK_PART,
                              keep=lambda parts: set(BOOK_PARTS), watch=_watch_sheet)
        import fastexcel

        self.path = path
        self.max_columns = max_columns
        self.sheets = _sheet_entries(path, package.kept)
        self._extents: dict[str, Extent] = {part: extent for part, extent in package.watched.items() if extent is not None}
        named = {entry.part: entry.name for entry in self.sheets}
        sizes = {part.name: part.size for part in package.parts}
        for part, extent in self._extents.items():
            _check_extent(path, named.get(part, part), extent, _budget(sizes[part]))
        self._reader = self._guard(lambda: fastexcel.read_excel(str(path)))

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
        extent = self._extents.get(entry.part or "")
        if extent is not None and extent.columns > self.max_columns:
            raise InputRefused(self.path, f"sheet {entry.name!r} has cells up to column {column_letter(extent.columns - 1)}, "
                                          f"far beyond a return's columns (the limit is {column_letter(self.max_columns - 1)})")
        return Sheet(entry.name, self._whole(entry.name))

    def hidden_like(self, name: str) -> list[str]:
        """Hidden sheets whose name matches `name`: never read as the return, but worth a note."""
        return [e.name for e in self._find(name, hidden=True)]

    def _whole(self, name: str) -> Callable[[], tuple[pl.DataFrame, tuple[str, ...]]]:
        """Parse the sheet now; the returned function converts it."""
        parsed = self._guard(lambda: _parse(self._reader, name))
        if parsed is None:  # an empty sheet
            return lambda: (_empty_frame(), ())
        letters = tuple(column_letter(c.absolute_index) for c in parsed.available_columns())
        return lambda: (self._guard(parsed.to_polars), letters)

    def _guard(self, load):
        try:
            return load()
        except InputRefused:
            raise
        except Exception as exc:  # fastexcel raises its own error types for bad files
            reason = str(exc).strip().splitlines()[0][:150] if str(exc).strip() else type(exc).__name__
            raise InputRefused(self.path, f"could not be read as a workbook ({reason})") from None


def _budget(part_size: int) -> int:
    """The cells a sheet of `part_size` XML bytes may reach: what its bytes could hold, or the floor."""
    return max(CELL_FLOOR, part_size // BYTES_PER_CELL)


def _watch_sheet(part: Part) -> ExtentWatcher | None:
    """Every XML part is watched (a worksheet is whatever the workbook's relationships point at); the watcher
    tells worksheets (they have `sheetData`) from the rest."""
    return ExtentWatcher(_budget(part.size)) if part.name.endswith(".xml") else None


def _check_extent(path: Path, sheet: str, extent: Extent, budget: int) -> None:
    if extent.rows > EXCEL_ROWS or extent.columns > EXCEL_COLUMNS:
        raise InputRefused(path, f"sheet {sheet!r} has a cell reference beyond Excel's last cell (XFD1048576)")
    if extent.cells > budget:
        raise InputRefused(path, f"sheet {sheet!r} has cells as far as row {extent.rows:,} and column "
                                 f"{column_letter(extent.columns - 1)}, so reading it means filling {extent.cells:,} cells where "
                                 f"its size allows at most {budget:,} (stray cells far from the data?)")


def _sheet_entries(path: Path, kept: dict[str, bytearray]) -> list[SheetEntry]:
    """The sheets the workbook part lists, in order, with the part each relationship points at
    (resolved as calamine resolves it: `/xl/...` and `xl/...` as they are, anything else under `xl/`)."""
    from defusedxml.ElementTree import fromstring

    try:
        book = fromstring(bytes(kept.get(WORKBOOK_PART, b"")))
        rels = fromstring(bytes(kept[BOOK_PARTS[1]])) if BOOK_PARTS[1] in kept else None
    except Exception as exc:  # noqa: BLE001 - defusedxml and expat raise several kinds
        raise InputRefused(path, f"could not be read as a workbook (its workbook part is not readable XML: {exc})") from None
    targets = {} if rels is None else {e.get("Id"): e.get("Target") or "" for e in rels.iter() if _local(e.tag) == "Relationship"}
    entries = []
    for e in book.iter():
        if _local(e.tag) != "sheet":
            continue
        target = targets.get(_attr(e, "id"))
        part = None if target is None else (target.lstrip("/") if target.startswith("/xl/") else
                                            target if target.startswith("xl/") else "xl/" + target.lstrip("/"))
        entries.append(SheetEntry(e.get("name") or "", (e.get("state") or "visible") != "visible", part))
    return entries


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element, local: str) -> str | None:
    """An attribute by its local name, whatever namespace (transitional or strict OOXML) it is in."""
    return next((v for k, v in element.attrib.items() if _local(k) == local), None)


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
