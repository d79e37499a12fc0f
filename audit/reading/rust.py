"""Calls into the Rust reader that never escape, and (for the command line) never print, when it panics.

A panic in calamine or fastexcel (a date serial of -1e300 in a date-styled
cell overflows chrono while the cell is turned into text) reaches Python as
pyo3's `PanicException`, a BaseException that no `except Exception` stops,
after Rust's panic hook has written its message and a backtrace to stderr.
Here the panic becomes an ordinary error. Rust's hook cannot be told from
Python to keep quiet, so when the process has chosen it (`silence_panics`,
made by audit/settings.py for the command line, whose promise is one
sentence), file descriptor 2 points at /dev/null while the reader runs.
Another thread's writes to stderr in that window are lost too: only the
reading threads run Rust, and the CLI reports after reading. A library call
on its own leaves the process's stderr alone.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

T = TypeVar("T")
_lock = threading.Lock()
_depth = 0
_saved: int | None = None
_silence = False


def silence_panics() -> None:
    """From now on, stderr is silenced while the reader runs (a process-wide choice: see audit/settings.py)."""
    global _silence
    _silence = True


class ReaderPanicked(Exception):
    """The Rust reader panicked; the message is the panic's."""


def call(work: Callable[[], T]) -> T:
    """`work()`, a Rust panic raised as ReaderPanicked, stderr silenced meanwhile if the process chose so."""
    with _silenced() if _silence else nullcontext():
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
