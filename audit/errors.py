"""The one exception the library raises for inputs it cannot use.

The CLI turns it into exit code 2 and its message into one sentence on stderr,
so the message must name the file and the reason in plain words.
"""

from __future__ import annotations

from pathlib import Path


class InputRefused(Exception):
    """An input that is missing, unreadable, unsafe or corrupt."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")
