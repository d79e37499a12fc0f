"""Writing workbooks with openpyxl, safely.

Text that starts with `=`, `+`, `-` or `@` is stored as a string cell, never
as a formula, so a hostile value copied from a return cannot run in Excel.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audit.reporting.redact import visible

FORMULA_START = ("=", "+", "-", "@")
DATE_FORMAT = "dd/mm/yyyy"
def _fix(cell, value: Any) -> None:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
    elif isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = DATE_FORMAT


def set_value(cell, value: Any) -> None:
    """Assign a value; formula-like text stays text, dates look like dates, control characters are made visible."""
    if isinstance(value, str):
        value = visible(value)
    cell.value = value
    _fix(cell, value)


def append_row(ws, values: list[Any]) -> None:
    """Append a row to a normal or write-only sheet, text kept as text."""
    values = [visible(v) if isinstance(v, str) else v for v in values]
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
    """Write beside the target then rename, so a reader never sees half a file.

    A file written over keeps its permissions (a mode-600 report stays private); a new one
    gets what the umask allows. An OSError becomes one sentence naming `path`, never the temp file.
    """
    from audit.errors import output_failed

    path = Path(path)
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o666 & ~_umask()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".ost-audit-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
    except OSError as exc:
        raise output_failed(path, exc) from exc
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise output_failed(path, exc) from exc
        raise


def save_atomic(wb, path: Path) -> None:
    write_atomic(path, lambda tmp: wb.save(tmp))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
