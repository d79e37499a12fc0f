"""Word packages written part by part, so a test can hold exactly the markup Word templates make."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:v="urn:schemas-microsoft-com:vml" '
      'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"')
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def p(text: str = "", style: str | None = None, num: tuple[str, str] | None = None, runs: str | None = None) -> str:
    """A paragraph: plain text, or raw run markup in `runs`; optional style id and (numId, ilvl)."""
    props = ""
    if style:
        props += f"<w:pStyle w:val={quoteattr(style)}/>"
    if num:
        props += f"<w:numPr><w:ilvl w:val={quoteattr(num[1])}/><w:numId w:val={quoteattr(num[0])}/></w:numPr>"
    body = runs if runs is not None else r(text)
    return f"<w:p>{f'<w:pPr>{props}</w:pPr>' if props else ''}{body}</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def table(*rows: list[str]) -> str:
    """A table; each cell is raw block markup (wrap text in p())."""
    return "<w:tbl>" + "".join("<w:tr>" + "".join(f"<w:tc>{cell}</w:tc>" for cell in row) + "</w:tr>" for row in rows) + "</w:tbl>"


STYLES = f"""<w:styles {NS}>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="ListNumber"><w:name w:val="List Number"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
</w:styles>"""

NUMBERING = f"""<w:numbering {NS}>
<w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="(%3)"/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="\u2022"/></w:lvl></w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
</w:numbering>"""


def notes(kind: str, texts: dict[str, str]) -> str:
    """footnotes.xml or endnotes.xml with Word's separator notes and one note per id."""
    seps = "".join(f'<w:{kind} w:type="{t}" w:id="{i}"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
                   for i, t in (("-1", "separator"), ("0", "continuationSeparator")))
    return f"<w:{kind}s {NS}>{seps}" + "".join(f'<w:{kind} w:id="{i}">{p(t)}</w:{kind}>' for i, t in texts.items()) + f"</w:{kind}s>"


def write_docx(path: Path, body: str, *, parts: dict[str, str] | None = None, rels: list[tuple[str, str, str]] | None = None,
               sect: str = "", styles: str | None = STYLES, numbering: str | None = NUMBERING) -> Path:
    """A .docx whose body is `body`; `parts` adds parts (name -> XML), `rels` relationships (id, type, target)."""
    parts = dict(parts or {})
    rels = list(rels or [])
    if styles is not None:
        parts["word/styles.xml"] = styles
        rels.append(("rIdStyles", "styles", "styles.xml"))
    if numbering is not None:
        parts["word/numbering.xml"] = numbering
        rels.append(("rIdNumbering", "numbering", "numbering.xml"))
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {NS}><w:body>{body}<w:sectPr>{sect}</w:sectPr></w:body></w:document>'
    rel_xml = "".join(f'<Relationship Id="{i}" Type="{REL}{t}" Target="{target}"/>' for i, t, target in rels)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                   '</Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{REL}officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", document)
        z.writestr("word/_rels/document.xml.rels",
                   f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rel_xml}</Relationships>')
        for name, xml in parts.items():
            z.writestr(name, xml)
    return path
