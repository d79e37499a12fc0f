"""A passage is the unit the scan judges: a paragraph, a list item or a table row.

Each carries where it is (page, clause, paragraph, table and row, or line)
and the heading it sits under, because a payment table's meaning often
lives in its caption ("Schedule 5 - Payment").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CLAUSE_RE = re.compile(r"^\s*((?:\d{1,3}\.){1,4}\d{0,3}|\d{1,3}\.?)\s+(?=\S)")


@dataclass
class Passage:
    text: str
    file: str
    page: int | None = None
    clause: str | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    line: int | None = None
    heading: str | None = None
    kind: str = "paragraph"  # paragraph, item, row
    extra: dict = field(default_factory=dict)


def clause_number(text: str) -> str | None:
    """`7.3.2 The Provider...` -> `7.3.2`; a bare `12` only when followed by text."""
    match = CLAUSE_RE.match(text)
    if not match:
        return None
    number = match.group(1).rstrip(".")
    return number or None


def looks_like_heading(text: str) -> bool:
    """Short capitalised lines without end punctuation that name a part of the document."""
    stripped = text.strip()
    if not stripped or len(stripped) > 80:
        return False
    if re.match(r"^(schedule|part|section|appendix|annex)\b", stripped, re.IGNORECASE):
        return True
    if stripped.endswith((".", ";", ":", ",", "-")):
        return False
    body = CLAUSE_RE.sub("", stripped)
    return len(body.split()) <= 7 and bool(re.fullmatch(r"[A-Z][A-Za-z ,&/'()\-]{2,60}", body))


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
