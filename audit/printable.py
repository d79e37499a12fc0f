"""Text from an input, made safe to show: control, bidi and invisible characters made visible.

A cell, a sheet or file name, a zip part name or a contract passage can hold
terminal escape sequences, NULs, carriage returns or bidi overrides: printed
raw they clear a screen, fake a green "OK: 0 errors" or reorder what a reader
sees. Every renderer passes such text through `visible` (or `markup`, for
rich) before it reaches a terminal, a text file or an error line. JSON keeps
the exact text but writes the same characters as `\\uXXXX` escapes
(`json_safe`), so no raw control character reaches a terminal that shows it.
"""

from __future__ import annotations

import re

# Unicode categories Cc (controls, C0 and C1), Cf (format: bidi embeddings, overrides and
# isolates, zero-width characters, the BOM, tag characters), Cs (lone surrogates) and
# Zl/Zp (line and paragraph separators); tests check the set against unicodedata.
_RANGES = ((0x00, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD),
           (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F),
           (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xD800, 0xDFFF), (0xFEFF, 0xFEFF),
           (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
           (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F))
HIDDEN = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _RANGES) + "]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"<U+{code:04X}>")


def visible(text: object) -> str:
    """`text` as a string with every control, bidi and invisible character written out (`\\x1b`, `<U+202E>`)."""
    text = str(text)
    return HIDDEN.sub(_shown, text) if HIDDEN.search(text) else text


def markup(text: object) -> str:
    """`visible(text)` for a rich console: markup in it (`[bold]`) is shown, never applied."""
    from rich.markup import escape

    return escape(visible(text))


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # a UTF-16 surrogate pair, as JSON writes characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_safe(text: str) -> str:
    """JSON text with the hidden characters inside its strings escaped: the same data, nothing raw.

    Valid only for JSON text, where such characters can occur only inside strings.
    """
    return HIDDEN.sub(_json_escape, text) if HIDDEN.search(text) else text


def json_escapes() -> tuple[list[str], list[str]]:
    """Each hidden character a UTF-8 string can hold, and its JSON escape (for polars' `replace_many`).

    C0 controls are left out (every JSON encoder escapes them), and lone surrogates (not in UTF-8).
    """
    chars = [chr(c) for a, b in _RANGES for c in range(a, b + 1) if c > 0x1F and not 0xD800 <= c <= 0xDFFF]
    return chars, [json_safe(c) for c in chars]
