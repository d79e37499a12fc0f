"""Read a return workbook once, as text, keeping every value's Excel cell.

fastexcel (calamine, in Rust) loads each sheet from A1 with every cell as
text, so frame row i is Excel row i + 1 and each column knows its absolute
index, whatever empty rows or columns lead the sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from audit.errors import InputRefused
from audit.safety import check_ooxml

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


class Workbook:
    """An untrusted workbook, checked by the safe-open layer and opened for reading.

    Sheets are parsed one at a time; parsing releases the GIL, so a caller can
    parse a big sheet on a thread and do other work meanwhile (see Sheet).
    """

    def __init__(self, path: Path) -> None:
        check_ooxml(path, kind=WORKBOOK_KIND, required_part=WORKBOOK_PART)
        import fastexcel

        self.path = path
        self._reader = self._guard(lambda: fastexcel.read_excel(str(path)))
        self._names = {name.strip().lower(): name for name in self._reader.sheet_names}

    def sheet(self, name: str) -> Sheet | None:
        """The sheet matched case-insensitively, parsed now and converted when first used; None when there is no such sheet."""
        actual = self._names.get(name.strip().lower())
        if actual is None:
            return None
        return Sheet(actual, self._whole(actual))

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
