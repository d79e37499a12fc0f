"""Text as a reader sees it: what any source hands us, made valid and free of controls.

Word runs, PDF ToUnicode maps and text files can all carry characters no
reader sees: control characters, lone surrogates (invalid in UTF-8),
zero-width characters, soft hyphens, byte-order marks, private-use glyph
codes. Left in, they break output or split words a reader sees whole
("comp\u200bletion"). Every extractor passes its text through `as_seen` once.
Bidi marks are kept: they order right-to-left text, and every output shows
them escaped (`audit/printable.py`), as it does anything else from an input.
"""

from __future__ import annotations

import unicodedata

BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Other format characters (zero-width spaces and joiners, soft hyphens, BOMs) and unassigned
# code points are shown as nothing; controls, private-use glyphs (symbol-font bullets) and odd
# separators as a space; a lone surrogate as U+FFFD.
_HIDDEN = {"Cf", "Cn"}
_SPACE = {"Cc", "Co", "Zl", "Zp", "Zs"}


def _seen_char(ch: str) -> str:
    if ch in BIDI:
        return ch
    category = unicodedata.category(ch)
    if category in _HIDDEN:
        return ""
    if category in _SPACE:
        return " "
    if category == "Cs":
        return "\ufffd"
    return ch


def as_seen(text: str) -> str:
    """`text` with every character a reader cannot see removed or made a space (bidi marks kept).

    Most text is printable already (one C call says so); only the rest is
    walked character by character.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _seen_char(ch) for ch in text)
