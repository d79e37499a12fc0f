"""Text from an input made safe to show in a file we write (report pages, annotated workbooks).

Control characters are made visible, as the terminal output shows them
(audit/printable.py): XML cannot hold most of them, and bidi overrides
reorder what a reader sees.

NHS numbers are taken out. Client ids are checked by the validator column
by column; this catches the rest: a number typed in a note, a name field or
a message that quotes a value. A run of ten digits (spaces, dots or dashes
between them; any script's digits) that passes the NHS number check is
masked the way the validator masks ids: only its first two and last two
digits are written.
"""

from __future__ import annotations

import re
import unicodedata

from audit.printable import HIDDEN
from audit.printable import visible as shown

_LINES = re.compile(r"[^\t\n\r]+")


def visible(text: str) -> str:
    """printable.visible (`\\x07`, `<U+202E>`), except that tabs and line breaks stay: a workbook cell or a page
    holds them as they are, and XML cannot hold the other control characters at all."""
    return _LINES.sub(lambda m: shown(m.group()), text) if HIDDEN.search(text) else text


_CANDIDATE = re.compile(r"(?<!\d)\d(?:[\s.\-\u2010-\u2015]?\d){9}(?!\d)")


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) for c in text if c.isdigit())


def mask_nhs_numbers(text: str) -> str:
    """The text with every NHS number in it masked; text without ten digits in a row is returned as is."""
    if not _CANDIDATE.search(text):
        return text
    from audit.returns.nhs import is_nhs_number  # polars; imported only when ten digits turn up (xlsx_write loads early)

    def masked(match: re.Match[str]) -> str:
        digits = _ascii_digits(match.group())
        return f"{digits[:2]}******{digits[-2:]}" if is_nhs_number(digits) else match.group()

    return _CANDIDATE.sub(masked, text)


def safe_text(text: str) -> str:
    """Both: NHS numbers masked, control characters visible."""
    return visible(mask_nhs_numbers(text))
