"""Work on another thread, its result or error handed back as a Future.

The readers (calamine, zlib) and polars queries give up the GIL, so running
one beside Python work uses the second core. A plain thread, not a pool: each
use is one piece of work, and a pool would outlive the call that needed it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


def in_background(work: Callable[..., Any], *args: Any) -> Future:
    """Start `work(*args)` on a daemon thread; its result (or exception) comes through the Future."""
    future: Future = Future()
    threading.Thread(target=run_into, args=(future, work, *args), name="ost-audit-work", daemon=True).start()
    return future


def run_into(future: Future, work: Callable[..., Any], *args: Any) -> None:
    """`work(*args)` on this thread, its outcome into `future`."""
    try:
        future.set_result(work(*args))
    except BaseException as exc:  # handed to whoever waits on the future
        future.set_exception(exc)
