"""Text out of contracts, with places: Word, PDF, plain text and Markdown.

Word: body paragraphs and tables in document order, clause numbers from
Word's numbering or the text, headers and footers kept apart. PDF: page
numbers, repeated page headers and footers dropped, hyphenated line breaks
re-joined, lines re-flowed into paragraphs. Text: line numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from audit.contracts.passages import Passage, clause_number, looks_like_heading, normalise_space
from audit.errors import InputRefused
from audit.safety import LIMITS, check_ooxml, check_regular_file

SUFFIXES = (".docx", ".pdf", ".txt", ".md")
TABLE_ROW_RE = re.compile(r"(?<=\S)\s{3,}(?=\S)")
BULLET_RE = re.compile(r"^\s*([-*\u2022\u2013]|\([a-z0-9]{1,4}\)|[a-z]\)|\d{1,3}\.(\d{1,3}\.?)*)\s+")


@dataclass
class ContractText:
    """What a contract says, as passages, plus what could not be read."""

    file: str
    passages: list[Passage] = field(default_factory=list)
    pages: int | None = None
    status: str = "ok"  # ok, no-text-layer
    headers_footers: list[str] = field(default_factory=list)


def extract(path: str | Path) -> ContractText:
    """Extract passages from one contract; raises InputRefused for files it cannot read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputRefused(path, f"is not a contract format the scan reads ({', '.join(SUFFIXES)})")
    if suffix == ".docx":
        return _docx(path)
    if suffix == ".pdf":
        return _pdf(path)
    return _text(path)


# --- plain text and Markdown ---------------------------------------------------

def _text(path: Path) -> ContractText:
    check_regular_file(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise InputRefused(path, "is not a text file")
    lines = raw.decode("utf-8", errors="replace").splitlines()
    return ContractText(str(path), text_passages(lines, str(path)))


def text_passages(lines: list[str], file: str) -> list[Passage]:
    """Paragraphs, list items and Markdown table rows, each with its first line number."""
    out: list[Passage] = []
    heading: str | None = None
    block: list[str] = []
    start = 0
    header: list[str] | None = None
    table = 0

    def flush() -> None:
        nonlocal block
        if block:
            text = normalise_space(" ".join(block))
            out.append(Passage(text, file, line=start, clause=clause_number(text), heading=heading,
                               kind="item" if BULLET_RE.match(block[0]) else "paragraph"))
        block = []

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            flush()
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue
            if header is None:
                header, table = cells, table + 1
                continue
            out.append(Passage(" | ".join(c for c in cells if c), file, line=number, table=table,
                               row=None, heading=heading, kind="row", extra={"header": " | ".join(header)}))
            continue
        header = None
        if not stripped:
            flush()
            continue
        if stripped.startswith("#"):
            flush()
            heading = stripped.lstrip("#").strip()
            out.append(Passage(heading, file, line=number, heading=heading, kind="heading"))
            continue
        if BULLET_RE.match(line) or (block and looks_like_heading(stripped) and not looks_like_heading(block[-1])):
            flush()
        if not block:
            start = number
            if looks_like_heading(stripped) and not BULLET_RE.match(line):
                heading = stripped
        block.append(stripped)
    flush()
    _number_rows(out)
    return out


def _number_rows(passages: list[Passage]) -> None:
    counts: Counter = Counter()
    for p in passages:
        if p.kind == "row":
            counts[p.table] += 1
            p.row = counts[p.table]


# --- Word ------------------------------------------------------------------------

def _docx(path: Path) -> ContractText:
    check_ooxml(path, kind="Word document (.docx)", required_part="word/document.xml")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
    except Exception as exc:
        raise InputRefused(path, f"could not be read as a Word document ({type(exc).__name__})") from None
    file = str(path)
    out: list[Passage] = []
    heading: str | None = None
    counters: dict[str, list[int]] = {}
    paragraph_no = table_no = 0
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(element, document)
            text = normalise_space(para.text)
            if not text:
                continue
            paragraph_no += 1
            style_element = para.style.element if para.style is not None else None
            clause = _word_number(element, style_element, counters) or clause_number(text)
            style = (para.style.name if para.style is not None else "") or ""
            if style.lower().startswith(("heading", "title")) or looks_like_heading(text):
                heading = text
                kind = "heading"
            else:
                kind = "item" if "list" in style.lower() else "paragraph"
            out.append(Passage(text, file, paragraph=paragraph_no, clause=clause, heading=heading, kind=kind))
        elif tag == "tbl":
            table_no += 1
            out += _table_rows(Table(element, document), file, table_no, heading)
    headers = []
    for section in document.sections:
        for part in (section.header, section.footer):
            headers += [normalise_space(p.text) for p in part.paragraphs if p.text.strip()]
    return ContractText(file, out, headers_footers=sorted(set(headers)))


def _table_rows(table, file: str, number: int, heading: str | None) -> list[Passage]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = normalise_space(cell.text)
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        rows.append(cells)
    if not rows:
        return []
    header = " | ".join(rows[0])
    out = []
    for i, cells in enumerate(rows[1:], start=2):
        if cells:
            out.append(Passage(" | ".join(cells), file, table=number, row=i, heading=heading, kind="row",
                               clause=clause_number(cells[0]), extra={"header": header}))
    if len(rows) == 1 and rows[0]:
        out.append(Passage(header, file, table=number, row=1, heading=heading, kind="row", extra={"header": ""}))
    return out


def _word_number(p_element, style_element, counters: dict[str, list[int]]) -> str | None:
    """The number Word shows for an auto-numbered paragraph, as `3.2.1` (decimal schemes).

    Numbering comes from the paragraph or, failing that, from its style.
    """
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    num_pr = p_element.find(f"{ns}pPr/{ns}numPr")
    if num_pr is None and style_element is not None:
        num_pr = style_element.find(f"{ns}pPr/{ns}numPr")
    if num_pr is None:
        return None
    num_id = num_pr.find(f"{ns}numId")
    ilvl = num_pr.find(f"{ns}ilvl")
    if num_id is None:
        return None
    key = num_id.get(f"{ns}val")
    level = int(ilvl.get(f"{ns}val")) if ilvl is not None else 0
    if key == "0":
        return None
    levels = counters.setdefault(key, [0] * 9)
    levels[level] += 1
    for deeper in range(level + 1, 9):
        levels[deeper] = 0
    return ".".join(str(max(n, 1)) for n in levels[: level + 1])


# --- PDF -------------------------------------------------------------------------

def _pdf(path: Path) -> ContractText:
    check_regular_file(path)
    with path.open("rb") as fh:
        if not fh.read(1024).lstrip().startswith(b"%PDF"):
            raise InputRefused(path, "is not a PDF")
    import logging
    import warnings

    # pypdf reports damage through logging and warnings; our one sentence says it instead
    logging.getLogger("pypdf").addHandler(logging.NullHandler())
    logging.getLogger("pypdf").propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            page_lines = _pdf_lines(path)
    except InputRefused:
        raise
    except Exception as exc:
        raise InputRefused(path, f"is corrupt or unreadable as a PDF ({type(exc).__name__})") from None
    return pdf_passages(page_lines, str(path))


def _pdf_lines(path: Path) -> list[list[str]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise InputRefused(path, "is password-protected; remove the password and send it again")
    pages = len(reader.pages)
    if pages > LIMITS.max_pdf_pages:
        raise InputRefused(path, f"has {pages} pages, over the {LIMITS.max_pdf_pages}-page limit")
    return [(page.extract_text() or "").splitlines() for page in reader.pages]


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
    """Join lines, re-joining words hyphenated across a line break (`treat-` + `ment`)."""
    text = lines[0]
    for line in lines[1:]:
        if re.search(r"[A-Za-z]-$", text) and re.match(r"[a-z]", line):
            text = text[:-1] + line
        else:
            text = f"{text} {line}"
    return text
