"""Start reading the first workbook of a command line before the command line is parsed.

A run spends its first half second importing Typer, polars and pandera: Python
work that holds the GIL. The safe-open check (ISA-L) and calamine's parse of the
OST sheet hardly need it, so `python -m audit validate big.xlsx` starts them on a
thread first and the imports happen meanwhile. `validate_return` takes the result
when it is for the same, unchanged file; otherwise it reads the file itself, so a
wrong guess here costs time, never correctness. Only the first workbook is read
early: reading all of them ahead would hold every sheet in memory at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from audit.threads import handoff_begin, handoff_end

if TYPE_CHECKING:
    from audit.workbook import Sheet, Workbook

COMMANDS = ("validate", "doses")
Identity = tuple[int, int, int, int]
_pending: dict[Identity, Future] = {}


def start_reading(argv: list[str]) -> None:
    """For `validate`/`doses`, begin the safe-open check and OST sheet load of the first .xlsx named."""
    if len(argv) < 2 or argv[1] not in COMMANDS:
        return
    path = next((Path(a) for a in argv[2:] if a.lower().endswith(".xlsx") and Path(a).is_file()), None)
    identity = file_identity(path) if path else None
    if identity is None:
        return
    future: Future = Future()
    _pending[identity] = future
    sheet_name: Future = Future()
    handoff_begin()
    threading.Thread(target=_read, args=(path, sheet_name, future), name="ost-audit-early", daemon=True).start()
    # The schema (YAML, which needs the GIL) is read here while the thread's safe-open check runs (ISA-L, which
    # hardly does): read on the thread after the check, it cost 60-80 ms of waiting behind the imports.
    try:
        from audit.schema import load_schema

        sheet_name.set_result(load_schema().ost_sheet)
    except BaseException as exc:
        sheet_name.set_exception(exc)
        raise


def take(path: Path, sheet: str) -> tuple[Workbook, Sheet | None] | None:
    """The workbook read early and its sheet `sheet`, or None when nothing was read early for this file.

    Raises what the early read raised (InputRefused for a refused file).
    """
    identity = file_identity(path)
    future = _pending.pop(identity, None) if identity else None
    if future is None:
        return None
    book, sheets = future.result()
    return (book, sheets[sheet]) if sheet in sheets else (book, book.sheet(sheet))


def file_identity(path: Path) -> Identity | None:
    """Device, inode, size and modification time: a file changed since it was read early is not the same file."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _read(path: Path, sheet_name: Future, future: Future) -> None:
    try:
        from audit.workbook import Workbook

        book = Workbook(path)  # the safe-open check first: it needs nothing more imported
        name = sheet_name.result()
        future.set_result((book, {name: book.sheet(name)}))
    except BaseException as exc:  # handed to whoever takes the result
        future.set_exception(exc)
    finally:
        handoff_end()
