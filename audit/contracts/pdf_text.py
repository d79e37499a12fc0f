"""PDF contracts: page text re-flowed into passages, repeated page headers and footers dropped.

pypdf gives each page's text as lines. Lines at the top or bottom of most
pages (page numbers folded) are headers and footers; words hyphenated at a
line end are re-joined; lines are re-flowed into paragraphs, list items and
table rows. The work of reading is counted against the document's budget,
operation by operation, because pages can share one content stream.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import Counter
from pathlib import Path

from audit.contracts.budget import Budget
from audit.contracts.extract import ContractText
from audit.contracts.passages import Passage, clause_number, looks_like_heading, normalise_space
from audit.contracts.plain_text import BULLET_RE
from audit.contracts.seen import as_seen
from audit.errors import InputRefused
from audit.reading.safety import LIMITS, check_regular_file

TABLE_ROW_RE = re.compile(r"(?<=\S)\s{3,}(?=\S)")
HYPHENATED = re.compile(r"[A-Za-z]-$")
OPERATIONS_PER_CHECK = 512  # the visitor counts operations and spends them in batches


# pypdf reports damage it reads past through logging; without a handler Python would print it
# on stderr. Our one sentence (or nothing) says it instead: set once, when this module loads.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


def read_pdf(path: Path, budget: Budget) -> ContractText:
    """Passages of one PDF contract, or status no-text-layer for a scanned one."""
    check_regular_file(path)
    with path.open("rb") as fh:
        if not fh.read(1024).lstrip().startswith(b"%PDF"):
            raise InputRefused(path, "is not a PDF")
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path))
            page_lines = _pdf_lines(path, reader, budget)
    except (InputRefused, MemoryError):
        raise
    except DependencyError:  # pypdf decrypts AES (only AES) with a library, object by object: it can fail at any step
        raise InputRefused(path, "is encrypted (AES) and this installation cannot decrypt it; "
                                 "install ost-audit with its dependencies, or save an unencrypted copy") from None
    except Exception as exc:
        raise InputRefused(path, f"is corrupt or unreadable as a PDF ({_reason(exc)})") from None
    return pdf_passages(page_lines, str(path))


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    return f"{name}: a limit on what one file may cost was reached" if name == "LimitReachedError" else name


def _pdf_lines(path: Path, reader, budget: Budget) -> list[list[str]]:
    if reader.is_encrypted and not reader.decrypt(""):  # most encrypted PDFs open without a password, as in a viewer
        raise InputRefused(path, "is password-protected; remove the password and send it again")
    pages = len(reader.pages)
    if pages > LIMITS.max_pdf_pages:
        raise InputRefused(path, f"has {pages} pages, over the {LIMITS.max_pdf_pages}-page limit")
    counter = _OperationCounter(budget)
    out = []
    for page in reader.pages:
        budget.spend(content_bytes=_content_size(page))
        text = page.extract_text(visitor_operand_before=counter)
        counter.flush()
        budget.spend(characters=len(text))
        out.append([as_seen(line) for line in text.splitlines()])
    return out


def _content_size(page) -> int:
    """Decoded bytes of a page's content streams (decoding is cached, so this costs once per stream)."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    return sum(len(s.get_object().get_data()) for s in streams if hasattr(s.get_object(), "get_data"))


class _OperationCounter:
    """pypdf's visitor: counts every drawing operation (in forms too) against the budget."""

    def __init__(self, budget: Budget) -> None:
        self.budget, self.pending = budget, 0

    def __call__(self, operator, operands, cm, tm) -> None:
        self.pending += 1
        if self.pending >= OPERATIONS_PER_CHECK:
            self.flush()

    def flush(self) -> None:
        pending, self.pending = self.pending, 0
        self.budget.spend(operations=pending)


def pdf_passages(page_lines: list[list[str]], file: str) -> ContractText:
    """Re-flow extracted lines into passages, without repeated headers and footers."""
    pages = len(page_lines)
    total = sum(len(line.strip()) for lines in page_lines for line in lines)
    if pages and total < 20 * pages:
        return ContractText(file, [], pages, status="no-text-layer")
    repeated = _repeated_edges(page_lines)
    out: list[Passage] = []
    heading: str | None = None
    for page_no, lines in enumerate(page_lines, start=1):
        kept = [ln.rstrip() for ln in lines if ln.strip() and _edge_key(ln) not in repeated]
        heading = _reflow_page(kept, page_no, file, heading, out)
    return ContractText(file, out, pages, headers_footers=sorted(repeated))


def _reflow_page(lines: list[str], page: int, file: str, heading: str | None, out: list[Passage]) -> str | None:
    """Append one page's passages to `out`; return the heading in force at the end of the page."""
    width = max((len(ln) for ln in lines), default=80)
    block: list[str] = []

    def flush() -> None:
        if block:
            text = normalise_space(_join_lines(block))
            out.append(Passage(text, file, page=page, clause=clause_number(text), heading=heading,
                               kind="item" if BULLET_RE.match(block[0]) else "paragraph"))
            block.clear()

    for line in lines:
        stripped = line.strip()
        if TABLE_ROW_RE.search(stripped):
            flush()
            out.append(Passage(normalise_space(TABLE_ROW_RE.sub(" | ", stripped)), file, page=page, heading=heading, kind="row"))
            continue
        if looks_like_heading(stripped):
            flush()
            heading = stripped
            out.append(Passage(stripped, file, page=page, heading=heading, kind="heading"))
            continue
        if BULLET_RE.match(stripped) or (block and _ends_paragraph(block[-1], width)):
            flush()
        block.append(stripped)
    flush()
    return heading


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", normalise_space(line).lower())


def _repeated_edges(page_lines: list[list[str]]) -> set[str]:
    """Lines at the top or bottom of most pages (page numbers folded), i.e. headers and footers."""
    if len(page_lines) < 2:
        return set()
    counts: Counter = Counter()
    for lines in page_lines:
        nonblank = [ln for ln in lines if ln.strip()]
        counts.update({_edge_key(ln) for ln in nonblank[:2] + nonblank[-2:]})
    threshold = max(2, (len(page_lines) + 1) // 2)
    return {key for key, n in counts.items() if n >= threshold}


def _ends_paragraph(previous: str, width: int) -> bool:
    return previous.rstrip().endswith((".", ":", ";")) and len(previous) < 0.85 * width


def _join_lines(lines: list[str]) -> str:
    """Join lines, re-joining words hyphenated across a line break (`treat-` + `ment`); linear in the text."""
    pieces = [lines[0]]
    for previous, line in zip(lines, lines[1:]):
        if HYPHENATED.search(previous) and line[:1].islower() and line[:1].isascii():
            pieces[-1] = pieces[-1][:-1]
        else:
            pieces.append(" ")
        pieces.append(line)
    return "".join(pieces)
