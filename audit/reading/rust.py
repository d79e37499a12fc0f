"""Calls into the Rust reader that neither print nor escape when it panics.

A panic in calamine or fastexcel (a date serial of 1e300 in a date-styled cell
overflows chrono while the cell is turned into text) reaches Python as pyo3's
`PanicException`, a BaseException that no `except Exception` stops, after
Rust's panic hook has written its message and a backtrace to stderr. Here the
panic becomes an ordinary error and, while the reader runs, file descriptor 2
points at /dev/null, so nothing of it reaches the terminal. Another thread's
writes to stderr in that window are lost too: only the reading threads run
Rust, and the CLI reports after reading.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_depth = 0
_saved: int | None = None


class ReaderPanicked(Exception):
    """The Rust reader panicked; the message is the panic's."""


def call(work: Callable[[], T]) -> T:
    """`work()`, with stderr silenced while it runs and a Rust panic raised as ReaderPanicked."""
    with _silenced():
        try:
            return work()
        except BaseException as exc:
            if type(exc).__name__ == "PanicException":  # pyo3_runtime.PanicException, not importable by name
                raise ReaderPanicked(str(exc).strip().splitlines()[0][:150] if str(exc).strip() else "a panic") from None
            raise


@contextmanager
def _silenced() -> Iterator[None]:
    global _depth, _saved
    with _lock:
        if _depth == 0:
            sys.stderr.flush()
            try:
                _saved = os.dup(2)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 2)
                os.close(devnull)
            except OSError:  # no stderr to protect (closed), or no /dev/null: run as is
                _saved = None
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                os.dup2(_saved, 2)
                os.close(_saved)
                _saved = None
