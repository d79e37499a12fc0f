"""Word's styles and list numbering: what a paragraph inherits, and the number Word shows before it.

Numbers are rendered from the definitions (`lvlText` such as `%1.%2`, formats
decimal, letters, roman) with running counters, as Word does. Every attribute
is read defensively: a level of 99, -20 or "abc", a list or definition that
does not exist, a start of "x" or 30 digits, a style based on itself. What
Word would not show a number for gets none, with a note for the reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from audit.contracts.seen import as_seen

MAX_LEVEL = 8  # Word's levels are 0-8
PLACEHOLDER = re.compile(r"%(\d)")  # `%2` in a level's text: the counter of level 2


@dataclass
class Style:
    name: str = ""
    heading: bool = False
    num_id: str | None = None
    level: str | None = None


class Styles:
    """Paragraph styles by id, with what they inherit: name, heading level, numbering."""

    def __init__(self, root: Element | None, W: str) -> None:
        self.W = W
        self.raw: dict[str, Element] = {}
        self.default: str | None = None
        self.cache: dict[str | None, Style] = {}
        if root is not None:
            for s in root.iter(W + "style"):
                sid = s.get(W + "styleId")
                if sid and s.get(W + "type", "paragraph") == "paragraph":
                    self.raw[sid] = s
                    if s.get(W + "default") in ("1", "true", "on"):
                        self.default = sid

    def of(self, p: Element) -> Style:
        W = self.W
        sid = value(p.find(f"{W}pPr"), W + "pStyle", W) or self.default
        if sid not in self.cache:
            self.cache[sid] = self._resolve(sid)
        return self.cache[sid]

    def _resolve(self, sid: str | None) -> Style:
        W = self.W
        style, seen = Style(), set()
        while sid in self.raw and sid not in seen and len(seen) < 20:  # basedOn chains may loop
            seen.add(sid)
            element = self.raw[sid]
            if not style.name:
                style.name = value(element, W + "name", W) or sid
            ppr = element.find(W + "pPr")
            outline = integer(value(ppr, W + "outlineLvl", W))
            style.heading = style.heading or (outline is not None and 0 <= outline <= MAX_LEVEL)
            num_pr = ppr.find(W + "numPr") if ppr is not None else None
            if style.num_id is None and num_pr is not None:
                style.num_id, style.level = value(num_pr, W + "numId", W), value(num_pr, W + "ilvl", W)
            sid = value(element, W + "basedOn", W)
        style.heading = style.heading or style.name.lower().startswith(("heading", "title"))
        return style


@dataclass
class _Level:
    start: int = 1
    format: str = "decimal"
    text: str = ""


class Numbering:
    """Word's list definitions and the running counters, rendered as Word shows them (`3.2.1`, `(b)`).

    Lists that share an abstract definition share counters, as in Word; a list
    instance with a start override restarts them when first used.
    """

    def __init__(self, root: Element | None, W: str, note: Callable[[str], None]) -> None:
        self.W, self.note = W, note
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, list[int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for a in root.iter(W + "abstractNum"):
            self.abstract[a.get(W + "abstractNumId", "")] = {lvl: level for el in a.iter(W + "lvl")
                                                            if (lvl := self._level_index(el.get(W + "ilvl"))) is not None
                                                            for level in [self._level(el)]}
        for n in root.iter(W + "num"):
            overrides = {}
            for o in n.iter(W + "lvlOverride"):
                lvl, start = self._level_index(o.get(W + "ilvl")), integer(value(o, W + "startOverride", W))
                if lvl is not None and start is not None:
                    overrides[lvl] = start
            self.nums[n.get(W + "numId", "")] = (value(n, W + "abstractNumId", W) or "", overrides)

    def _level_index(self, value: str | None) -> int | None:
        level = integer(value)
        if level is None or not 0 <= level <= MAX_LEVEL:
            self.note(f"has a numbering level Word does not use ({_shown(value)}); those paragraphs are read without their number")
            return None
        return level

    def _level(self, el: Element) -> _Level:
        W = self.W
        start = integer(value(el, W + "start", W))
        return _Level(start=1 if start is None else max(start, 0), format=value(el, W + "numFmt", W) or "decimal",
                      text=value(el, W + "lvlText", W) or "")

    def render(self, num_id: str, level_value: str | None) -> tuple[str | None, bool]:
        level = 0 if level_value is None else self._level_index(level_value)
        if level is None:
            return None, False
        if num_id not in self.nums or self.nums[num_id][0] not in self.abstract:
            self.note(f"uses a list (numbering {_shown(num_id)}) it does not define; those paragraphs are read without their number")
            return None, False
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract[abstract_id]
        counters = self.counters.setdefault(abstract_id, [levels[i].start - 1 if i in levels else 0 for i in range(MAX_LEVEL + 1)])
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = max(start, 0) - 1
        counters[level] += 1
        for deeper in range(level + 1, MAX_LEVEL + 1):
            counters[deeper] = levels[deeper].start - 1 if deeper in levels else 0
        this = levels.get(level, _Level(text=f"%{level + 1}."))
        if this.format in ("bullet", "none"):
            return None, this.format == "bullet"

        def placeholder(match: re.Match) -> str:
            i = int(match.group(1)) - 1
            return _format_number(counters[i], levels[i].format if i in levels else "decimal") if 0 <= i <= level else ""

        shown = PLACEHOLDER.sub(placeholder, this.text).strip().rstrip(".")
        return (shown or None), False


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter") and 0 < n <= 780:
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman") and 0 < n < 4000:
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(n)


def _roman(n: int) -> str:
    out = []
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def value(parent: Element | None, tag: str, W: str) -> str | None:
    """The `w:val` of a child element, or None."""
    if parent is None:
        return None
    child = parent.find(tag)
    return None if child is None else child.get(W + "val")


def integer(value: str | None) -> int | None:
    """An integer attribute, or None for anything Word would not write (letters, 30 digits)."""
    if value is None or len(value) > 9:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _shown(value: str | None) -> str:
    return "missing" if value is None else repr(as_seen(value[:20]))
