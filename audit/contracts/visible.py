"""Text as a reader sees it: what any source hands us, made valid and printable.

Word runs, PDF ToUnicode maps and text files can all carry characters no
reader sees: control characters, lone surrogates (invalid in UTF-8),
zero-width and bidi format characters, private-use glyph codes. Left in,
they break output, split words a reader sees whole ("comp\u200bletion"), or
reach a terminal. Every extractor passes its text through `visible` once.
"""

from __future__ import annotations

import unicodedata

# Format characters (zero-width spaces and joiners, soft hyphens, bidi marks, BOMs)
# and unassigned code points are shown as nothing; controls, private-use glyphs
# (symbol-font bullets) and odd separators as a space; a lone surrogate as U+FFFD.
_HIDDEN = {"Cf", "Cn"}
_SPACE = {"Cc", "Co", "Zl", "Zp", "Zs"}


def _visible_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category in _HIDDEN:
        return ""
    if category in _SPACE:
        return " "
    if category == "Cs":
        return "\ufffd"
    return ch


def visible(text: str) -> str:
    """`text` with every character a reader cannot see removed or made a space.

    Most text is printable already (one C call says so); only the rest is
    walked character by character.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _visible_char(ch) for ch in text)
