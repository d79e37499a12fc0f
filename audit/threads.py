"""A shorter GIL switch interval while reader threads work beside Python code.

zlib/ISA-L and calamine give the GIL up and take it back many times. At
CPython's default 5 ms interval each retake waits behind whatever Python code
(imports, mostly) runs meanwhile, and the overlap we started the thread for is
lost. Uses are counted, so overlapping users restore the interval once, last.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

HANDOFF_SECONDS = 0.0001

_lock = threading.Lock()
_users = 0
_saved = 0.0


def handoff_begin() -> None:
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = sys.getswitchinterval()
            sys.setswitchinterval(min(HANDOFF_SECONDS, _saved))
        _users += 1


def handoff_end() -> None:
    global _users
    with _lock:
        _users -= 1
        if _users == 0:
            sys.setswitchinterval(_saved)


@contextmanager
def prompt_gil_handoff() -> Iterator[None]:
    handoff_begin()
    try:
        yield
    finally:
        handoff_end()
