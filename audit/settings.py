"""Process-wide settings, made once, in one place.

`apply()` runs where a process begins its work: the command line (its
callback runs before any command), compare's worker processes, and the tests
(tests/conftest.py), so the tests run the configuration users get. Library
calls never change process state themselves.

Each setting earns its place on a user-visible command, measured with and
without by bench/speedups.py (figures in bench/RESULTS.md).
"""

from __future__ import annotations

import os
import sys

ENGINE = ("POLARS_ENGINE_AFFINITY", "in-memory")


def apply() -> None:
    """The settings below, for this process and the workers it starts."""
    _engine()
    _quiet_reader_panics()


def _quiet_reader_panics() -> None:
    """A crafted cell can make the Rust reader panic: the panic becomes a one-sentence refusal, and its message
    and backtrace are kept off the terminal (see audit/reading/rust.py)."""
    from audit.reading import rust

    rust.silence_panics()


def _engine() -> None:
    """polars' in-memory engine: validation and the dose rules run hundreds of small queries an area, and the
    streaming engine's start-up per query cost compare on 150 areas 19 % (10.1 s against 8.2 s) and 48 MB;
    one 100k return is within noise. A user's own setting wins."""
    name, value = ENGINE
    if name in os.environ:
        return
    os.environ[name] = value  # read when polars loads, and inherited by compare's workers
    if "polars" in sys.modules:  # already loaded: told directly
        import polars as pl

        pl.Config.set_engine_affinity(value)
