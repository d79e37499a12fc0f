"""Text out of contracts, with places: Word, PDF, plain text and Markdown.

One entry point for every format. Each reader gives passages (paragraphs,
list items, table rows with their header row, headings) with where they
are, and spends from one budget per document, so a hostile file is refused
in bounded time whatever its format. Text from every source is made valid
and printable (see `visible`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audit.contracts.budget import Budget
from audit.contracts.passages import Passage
from audit.errors import InputRefused

SUFFIXES = (".docx", ".pdf", ".txt", ".md")


@dataclass
class ContractText:
    """What a contract says, as passages, plus what could not be read."""

    file: str
    passages: list[Passage] = field(default_factory=list)
    pages: int | None = None
    status: str = "ok"  # ok, no-text-layer
    headers_footers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was read past ("refers to a header it does not contain")


def extract(path: str | Path) -> ContractText:
    """Extract passages from one contract; raises InputRefused for files it cannot read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputRefused(path, f"is not a contract format the scan reads ({', '.join(SUFFIXES)})")
    budget = Budget(path, file_bytes=path.stat().st_size if path.is_file() else 0)
    if suffix == ".docx":
        from audit.contracts.docx_text import read_docx

        word = read_docx(path, budget)
        return ContractText(str(path), word.passages, headers_footers=word.headers_footers, notes=word.notes)
    if suffix == ".pdf":
        from audit.contracts.pdf_text import read_pdf

        return read_pdf(path, budget)
    from audit.contracts.plain_text import read_text

    return ContractText(str(path), read_text(path, budget))
