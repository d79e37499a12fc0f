"""Writing workbooks with openpyxl, safely.

Text that starts with `=`, `+`, `-` or `@` is stored as a string cell, never
as a formula, so a hostile value copied from a return cannot run in Excel.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMULA_START = ("=", "+", "-", "@")
DATE_FORMAT = "dd/mm/yyyy"


def _fix(cell, value: Any) -> None:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
    elif isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = DATE_FORMAT


def set_value(cell, value: Any) -> None:
    """Assign a value; formula-like text stays text, dates look like dates."""
    cell.value = value
    _fix(cell, value)


def append_row(ws, values: list[Any]) -> None:
    """Append a row to a normal or write-only sheet, text kept as text."""
    if ws.__class__.__name__ == "WriteOnlyWorksheet":
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for value in values:
            cell = WriteOnlyCell(ws, value=value)
            _fix(cell, value)
            cells.append(cell)
        ws.append(cells)
        return
    ws.append(values)
    for cell, value in zip(ws[ws.max_row], values):
        _fix(cell, value)


def write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write beside the target then rename, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".ost-audit-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_atomic(wb, path: Path) -> None:
    write_atomic(path, lambda tmp: wb.save(tmp))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
