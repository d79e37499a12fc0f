"""Word contracts: all the text Word shows, in document order, with places.

Council documents are built from templates, so their text sits in content
controls, tracked insertions, text boxes, fields, footnotes and tables in
tables, not only in plain runs. This reads the package's checked parts
directly and walks them as Word lays them out: deletions, field codes,
hidden runs and the fallback copy of a text box are skipped (a reader never
sees them); footnotes and endnotes follow the paragraph that cites them;
clause numbers are rendered from Word's numbering definitions. Headers and
footers are read apart. What Word would repair (a numbering level that does
not exist, a relationship to a part the file lacks) is read past with a note.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from audit.contracts.budget import Budget
from audit.contracts.docx_numbering import Numbering, Style, Styles, integer, value
from audit.contracts.passages import Passage, clause_number, looks_like_heading, normalise_space
from audit.contracts.seen import as_seen
from audit.errors import InputRefused
from audit.reading.safety import check_ooxml

KIND = "Word document (.docx)"
MAIN = "word/document.xml"
MAX_PART_BYTES = 64 * 1024 * 1024  # far above any contract's text; the XML tree costs ~10x this
NAMESPACES = {  # Transitional (what Word saves) and Strict Open XML
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main":
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/wordprocessingml/main": "http://purl.oclc.org/ooxml/officeDocument/relationships",
}
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
NEVER_SHOWN = {"del", "moveFrom", "delText", "instrText", "delInstrText", "Fallback"}
CONTAINERS = {"sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag", "hyperlink", "fldSimple", "dir", "bdo"}
MAX_NOTES = 20


@dataclass
class WordText:
    passages: list[Passage]
    headers_footers: list[str]
    notes: list[str]


def read_docx(path: Path, budget: Budget) -> WordText:
    """Passages, header and footer lines, and notes on what was read past, of one .docx."""
    parts = check_ooxml(path, kind=KIND, required_part=MAIN, keep=_wanted).kept
    try:
        return _Word(path, parts, budget).read()
    except RecursionError:
        raise InputRefused(path, "is nested deeper than any real Word document (tables or content controls inside each other)") from None


def _wanted(members) -> set[str]:
    """The parts the reader may need kept in memory: Word's XML and relationships, none larger than a part may be."""
    return {m.name for m in members if m.name.startswith(("word/", "_rels/")) and m.name.endswith((".xml", ".rels"))
            and m.size <= MAX_PART_BYTES}


@dataclass
class _Para:
    """One paragraph's visible text, and what hangs off it."""

    text: list[str] = field(default_factory=list)
    boxes: list[Element] = field(default_factory=list)  # text boxes anchored in it
    cited: list[tuple[str, str]] = field(default_factory=list)  # (footnote|endnote, id)


class _Word:
    def __init__(self, path: Path, parts: dict[str, bytearray], budget: Budget) -> None:
        self.path, self.file, self.parts, self.budget = path, str(path), parts, budget
        self.notes: dict[str, None] = {}  # ordered set of sentences
        self.root = self._xml(MAIN)
        namespace = self.root.tag[1:].partition("}")[0] if self.root.tag.startswith("{") else ""
        if namespace not in NAMESPACES:
            raise InputRefused(path, f"is not a {KIND}: {MAIN} is not Word's markup")
        self.W, self.R = f"{{{namespace}}}", f"{{{NAMESPACES[namespace]}}}"
        self.rels = self._rels(MAIN)
        self.styles = Styles(self._related("styles"), self.W)
        self.numbering = Numbering(self._related("numbering"), self.W, self.note)
        self.footnotes = self._notes_part("footnotes", "footnote")
        self.endnotes = self._notes_part("endnotes", "endnote")
        self.out: list[Passage] = []
        self.heading: str | None = None
        self.paragraph_no = self.table_no = 0
        self.fields: list[bool] = []  # open complex fields: True once past the code, in the shown result
        self.expanded: set[tuple[str, str]] = set()
        self.in_note: tuple[str, int | None] | None = None  # ("footnote 3", citing paragraph)

    # --- parts and relationships ------------------------------------------------

    def note(self, sentence: str) -> None:
        if len(self.notes) < MAX_NOTES:  # a hostile file could make one per paragraph
            self.notes[sentence] = None

    def _xml(self, name: str) -> Element:
        data = self.parts.get(name)
        if data is None:  # absent, or too large to be kept (see _wanted)
            raise InputRefused(self.path, f"is not a {KIND} the scan can read: its {name} is missing or over {MAX_PART_BYTES >> 20} MB")
        if len(data) > MAX_PART_BYTES:
            raise InputRefused(self.path, f"has a {len(data) // (1024 * 1024)} MB {name}, more text than any contract")
        try:
            return fromstring(bytes(data))
        except (ParseError, DefusedXmlException, ValueError, LookupError) as exc:  # LookupError: an unknown encoding
            raise InputRefused(self.path, f"is corrupt (part {name} is not well-formed XML: {as_seen(str(exc)[:80])})") from None

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (relationship type's last word, target part name) for one part."""
        folder, name = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", name + ".rels")
        if rels_name not in self.parts:
            return {}
        out = {}
        for rel in self._xml(rels_name).iter(PACKAGE_RELS):
            rid, kind, target = rel.get("Id"), rel.get("Type") or "", rel.get("Target") or ""
            if rid and rel.get("TargetMode") != "External":
                resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                out[rid] = (kind.rsplit("/", 1)[-1], resolved)
        return out

    def _related(self, kind: str) -> Element | None:
        """The document's one part of a kind (styles, numbering, footnotes), if it has one."""
        for rel_kind, target in self.rels.values():
            if rel_kind == kind:
                if target in self.parts:
                    return self._xml(target)
                self.note(f"refers to a {kind} part it does not contain ({target}); read without it")
        return None

    def _notes_part(self, kind: str, tag: str) -> dict[str, Element]:
        root = self._related(kind)
        if root is None:
            return {}
        return {n.get(self.W + "id", ""): n for n in root.iter(self.W + tag)
                if n.get(self.W + "type") not in ("separator", "continuationSeparator", "continuationNotice")}

    # --- the body -----------------------------------------------------------------

    def read(self) -> WordText:
        body = self.root.find(self.W + "body")
        if body is not None:
            self._blocks(body, None)
        return WordText(self.out, self._headers_footers(), list(self.notes))

    def _blocks(self, parent: Element, sink: list[str] | None) -> None:
        """Paragraphs and tables under `parent`, emitted as passages or, in a table cell, as text into `sink`."""
        for child in parent:
            name = _local(child.tag)
            if name == "p":
                self._paragraph(child, sink)
            elif name == "tbl":
                self._table(child)
            elif name == "AlternateContent":
                self._blocks(self._choice(child), sink)
            elif name in CONTAINERS:
                self._blocks(child, sink)

    def _paragraph(self, p: Element, sink: list[str] | None) -> None:
        para = _Para()
        self._inline(p, para)
        self.fields = [f for f in self.fields if f]  # a field code never runs past its paragraph
        text = normalise_space(as_seen("".join(para.text)))
        self.budget.spend(len(text))
        style = self.styles.of(p)
        number, bullet = self._number(p, style)
        if sink is not None:
            if text:
                sink.append(text)
        elif text:
            if self.in_note is None:
                self.paragraph_no += 1
            if style.heading or looks_like_heading(text):
                self.heading, kind = text, "heading"
            else:
                kind = "item" if bullet or "list" in style.name.lower() else "paragraph"
            self._emit(Passage(text, self.file, paragraph=self.paragraph_no, clause=number or clause_number(text),
                               heading=self.heading, kind=kind))
        for box in para.boxes:
            self._blocks(box, None)
        for cited in para.cited:
            self._expand(cited)

    def _emit(self, passage: Passage) -> None:
        if self.in_note is not None:
            passage.extra["note"], passage.paragraph = self.in_note
        self.out.append(passage)

    def _expand(self, cited: tuple[str, str]) -> None:
        """A footnote or endnote's text, once, after the paragraph that cites it."""
        kind, note_id = cited
        element = (self.footnotes if kind == "footnote" else self.endnotes).get(note_id)
        if element is None:
            self.note(f"cites a {kind} it does not contain ({kind} {as_seen(note_id[:20])!r}); read without it")
        if element is None or cited in self.expanded:
            return
        self.expanded.add(cited)
        outer, self.in_note = self.in_note, (f"{kind} {note_id}", self.paragraph_no or None)
        self._blocks(element, None)
        self.in_note = outer

    def _inline(self, parent: Element, para: _Para) -> None:
        """Runs in document order, through hyperlinks, content controls, insertions and simple fields."""
        for child in parent:
            name = _local(child.tag)
            if name == "r":
                self._run(child, para)
            elif name == "AlternateContent":
                self._inline(self._choice(child), para)
            elif name in NEVER_SHOWN or name.endswith("Pr"):
                continue
            elif name in CONTAINERS or name in ("oMath", "oMathPara"):
                self._inline(child, para)

    def _run(self, run: Element, para: _Para) -> None:
        W = self.W
        props = run.find(W + "rPr")
        hidden = props is not None and _on(props.find(W + "vanish"), W)
        for child in run:
            name = _local(child.tag)
            if name == "fldChar":
                self._field(child.get(W + "fldCharType"))
            elif name in ("footnoteReference", "endnoteReference"):
                para.cited.append((name[:-9], child.get(W + "id", "")))
            elif name in ("drawing", "pict", "object", "AlternateContent"):
                para.boxes += self._textboxes(child)
            elif hidden or not all(self.fields):
                continue
            elif name == "t":
                para.text.append(child.text or "")
            elif name in ("tab", "ptab", "br", "cr"):
                para.text.append(" ")
            elif name == "noBreakHyphen":
                para.text.append("-")
            elif name == "sym":
                para.text.append(_symbol(child.get(W + "char")))

    def _field(self, kind: str | None) -> None:
        if kind == "begin":
            self.fields.append(False)
        elif kind == "separate" and self.fields:
            self.fields[-1] = True
        elif kind == "end" and self.fields:
            self.fields.pop()

    def _textboxes(self, element: Element) -> Iterator[Element]:
        """Text box contents inside a drawing or shape; of alternative renderings, only the one Word shows."""
        for child in element:
            name = _local(child.tag)
            if name == "txbxContent":
                yield child
            elif name == "AlternateContent":
                yield from self._textboxes(self._choice(child))
            elif name not in NEVER_SHOWN:
                yield from self._textboxes(child)

    def _choice(self, alternate: Element) -> Element:
        """Of `mc:AlternateContent`, the first Choice (what Word shows), else the Fallback."""
        for child in alternate:
            if _local(child.tag) == "Choice":
                return child
        for child in alternate:
            if _local(child.tag) == "Fallback":
                return child
        return Element("none")

    # --- numbering ------------------------------------------------------------------

    def _number(self, p: Element, style: Style) -> tuple[str | None, bool]:
        """(the number Word shows before the paragraph, whether it is a bullet)."""
        W = self.W
        num_pr = p.find(f"{W}pPr/{W}numPr")
        num_id = value(num_pr, W + "numId", W)
        level = value(num_pr, W + "ilvl", W)
        if num_id is None:
            num_id, level = style.num_id, level if level is not None else style.level
        if num_id is None or num_id == "0":
            return None, False
        return self.numbering.render(num_id, level)

    # --- tables ----------------------------------------------------------------------

    def _table(self, tbl: Element) -> None:
        """A table's rows as passages, the first row as every row's header; nested tables follow their row."""
        self.table_no += 1
        number, heading = self.table_no, self.heading
        rows: list[tuple[list[str], list[Passage]]] = []
        merged: dict[int, str] = {}  # grid column -> text of a vertically merged cell
        for tr in self._children(tbl, "tr"):
            outer, self.out = self.out, []
            cells: list[str] = []
            column = 0
            for tc in self._children(tr, "tc"):
                props = tc.find(self.W + "tcPr")
                texts: list[str] = []
                self._blocks(tc, texts)
                text = " ".join(texts)
                merge = props.find(self.W + "vMerge") if props is not None else None
                if merge is not None:
                    if merge.get(self.W + "val") == "restart":
                        merged[column] = text
                    else:
                        text = merged.get(column, text)
                if text:
                    cells.append(text)
                span = integer(value(props, self.W + "gridSpan", self.W))
                column += min(max(span or 1, 1), 64)
            rows.append((cells, self.out))
            self.out = outer
        if not rows:
            return
        header = " | ".join(rows[0][0])
        if len(rows) == 1 and header:
            self._emit(Passage(header, self.file, table=number, row=1, heading=heading, kind="row", extra={"header": ""}))
        self.out += rows[0][1]
        for i, (cells, later) in enumerate(rows[1:], start=2):
            if cells:
                self._emit(Passage(" | ".join(cells), self.file, table=number, row=i, heading=heading, kind="row",
                                   clause=clause_number(cells[0]), extra={"header": header}))
            self.out += later

    def _children(self, parent: Element, tag: str) -> Iterator[Element]:
        """Rows of a table or cells of a row, through content controls and tracked insertions; deleted rows skipped."""
        for child in parent:
            name = _local(child.tag)
            if name == tag:
                props = child.find(self.W + "trPr")
                if props is None or props.find(self.W + "del") is None:
                    yield child
            elif name == "AlternateContent":
                yield from self._children(self._choice(child), tag)
            elif name in CONTAINERS:
                yield from self._children(child, tag)

    # --- headers and footers ---------------------------------------------------------

    def _headers_footers(self) -> list[str]:
        """Lines of the headers and footers the sections use (kept apart: they repeat on every page)."""
        lines: set[str] = set()
        references = [*self.root.iter(self.W + "headerReference"), *self.root.iter(self.W + "footerReference")]
        for reference in references:
            rid = reference.get(self.R + "id", "")
            kind = _local(reference.tag)[:-9]
            if rid not in self.rels or self.rels[rid][1] not in self.parts:
                self.note(f"refers to a {kind} it does not contain (relationship {rid or 'without an id'}); read without it")
                continue
            root = self._xml(self.rels[rid][1])
            for p in root.iter(self.W + "p"):
                para = _Para()
                self._inline(p, para)
                self.fields.clear()
                text = normalise_space(as_seen("".join(para.text)))
                if text:
                    lines.add(text)
        return sorted(lines)


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _on(toggle: Element | None, W: str) -> bool:
    return toggle is not None and toggle.get(W + "val", "true") not in ("0", "false", "off")


def _symbol(code: str | None) -> str:
    """A `w:sym` character: symbol fonts use private code points, which `as_seen` shows as a space."""
    try:
        return as_seen(chr(int(code, 16))) if code and len(code) <= 6 else " "
    except ValueError:
        return " "
