"""What reading one document may cost, counted across the whole document.

A page limit does not bound work: a small PDF can give thousands of pages
one shared content stream, a Word file can repeat a footnote or nest
content. So every extractor spends from one budget per document (characters
of text, drawing operations, seconds) and the document is refused, with
the reason, the moment one runs out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from audit.errors import InputRefused


@dataclass(frozen=True)
class Allowance:
    """Far above any real contract (a 300-page specification has about 1 million characters,
    a page of a council PDF a few hundred drawing operations, each costing pypdf ~50 us)."""

    characters: int = 5_000_000
    operations: int = 100_000  # PDF drawing operations, pages sharing a stream counted each time ...
    operations_per_byte: float = 1.0  # ... plus one for every byte of the file: work grows with size, not more
    content_bytes: int = 32 * 1024 * 1024  # decoded PDF page content, shared streams counted each time
    cpu_seconds: float = 60.0


ALLOWANCE = Allowance()


@dataclass
class Budget:
    path: Path
    file_bytes: int = 0
    allowance: Allowance = ALLOWANCE
    characters: int = 0
    operations: int = 0
    content_bytes: int = 0
    started: float = field(default_factory=time.process_time)  # CPU time: other processes on the machine do not count

    def spend(self, characters: int = 0, operations: int = 0, content_bytes: int = 0) -> None:
        """Count work done; refuse the document once any allowance is used up."""
        self.characters += characters
        self.operations += operations
        self.content_bytes += content_bytes
        a = self.allowance
        if self.characters > a.characters:
            self._refuse(f"holds more than {a.characters:,} characters of text, more than any contract")
        if self.operations > (most := a.operations + int(a.operations_per_byte * self.file_bytes)):
            self._refuse(f"needs more than {most:,} drawing operations to read, far more than its size explains "
                         "(pages that repeat one content stream?)")
        if self.content_bytes > a.content_bytes:
            self._refuse(f"has more than {a.content_bytes // (1024 * 1024)} MB of page content to read "
                         "(pages that repeat one content stream?)")
        if time.process_time() - self.started > a.cpu_seconds:
            self._refuse(f"took more than {a.cpu_seconds:.0f} seconds to read")

    def _refuse(self, reason: str) -> None:
        raise InputRefused(self.path, f"{reason}; the scan stopped")
