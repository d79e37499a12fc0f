"""The exceptions the library raises for inputs it cannot use and outputs it cannot write.

The CLI turns it into exit code 2 and its message into one sentence on stderr,
so the message must name the file and the reason in plain words.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path


class InputRefused(Exception):
    """An input that is missing, unreadable, unsafe or corrupt."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class OutputRefused(InputRefused):
    """An output that cannot be written (a read-only folder, a full disk): the same one sentence and exit 2."""


_WHY = {errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "the disk is read-only",
        errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up", errno.EFBIG: "the file is too big",
        errno.ENOENT: "its folder does not exist", errno.ENOTDIR: "part of its path is not a folder",
        errno.EISDIR: "it is a folder"}


def output_failed(path: str | Path, exc: OSError) -> OutputRefused:
    """The refusal for an OSError met while writing `path`: the output named, the reason in plain words
    (never the temporary file the error itself names)."""
    code = exc.errno
    if code is None:  # polars' writers raise OSError("No space left on device (os error 28)"), no errno
        found = re.search(r"\(os error (\d+)\)", str(exc))
        code = int(found.group(1)) if found else None
    why = _WHY.get(code) or (os.strerror(code) if code else str(exc) or type(exc).__name__).lower()
    return OutputRefused(path, f"could not be written: {why}")
