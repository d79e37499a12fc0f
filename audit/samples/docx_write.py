"""A minimal Word writer: headings, paragraphs and tables, with a header and a footer.

The synthetic sample contracts need .docx files shaped like a council's
(Heading 1 styles, a grid table, a running header); a handful of XML parts
in a zip is all that takes, so no document library is installed for it.
Output is deterministic: the same blocks give the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml."
PAGE_TWIPS = 9026  # A4 less 2.5 cm margins, in twentieths of a point

STYLES = f"""<w:styles {W}>
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/><w:sz w:val="22"/></w:rPr></w:rPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:pPr><w:spacing w:after="160"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>
<w:pPr><w:keepNext/><w:spacing w:before="240"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Header"><w:name w:val="header"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders>
{"".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="auto"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))}
</w:tblBorders></w:tblPr></w:style>
</w:styles>"""


def paragraph(text: str, style: str | None = None) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def table(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    width = PAGE_TWIPS // len(header)
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in header)
    body = "".join("<w:tr>" + "".join(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{paragraph(cell)}</w:tc>' for cell in row)
                   + "</w:tr>" for row in (header, *rows))
    return f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>'


def docx_bytes(body: list[str], header: str, footer: str) -> bytes:
    """A .docx of `body` (paragraph and table markup from this module) with a one-line header and footer."""
    section = ('<w:sectPr><w:headerReference w:type="default" r:id="rId2"/><w:footerReference w:type="default" r:id="rId3"/>'
               '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" '
               'w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>')
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{WORD_TYPE}document.main+xml"/>'
            f'<Override PartName="/word/styles.xml" ContentType="{WORD_TYPE}styles+xml"/>'
            f'<Override PartName="/word/header1.xml" ContentType="{WORD_TYPE}header+xml"/>'
            f'<Override PartName="/word/footer1.xml" ContentType="{WORD_TYPE}footer+xml"/></Types>'),
        "_rels/.rels": _relationships([("rId1", "officeDocument", "word/document.xml")]),
        "word/document.xml": f"<w:document {W} {R}><w:body>{''.join(body)}{section}</w:body></w:document>",
        "word/_rels/document.xml.rels": _relationships([("rId1", "styles", "styles.xml"), ("rId2", "header", "header1.xml"),
                                                        ("rId3", "footer", "footer1.xml")]),
        "word/styles.xml": STYLES,
        "word/header1.xml": f"<w:hdr {W} {R}>{paragraph(header, 'Header')}</w:hdr>",
        "word/footer1.xml": f"<w:ftr {W} {R}>{paragraph(footer, 'Footer')}</w:ftr>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, xml in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, DECLARATION + xml)
    return out.getvalue()


def _relationships(rels: list[tuple[str, str, str]]) -> str:
    return ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="{i}" Type="{RELATIONSHIP}{kind}" Target="{target}"/>' for i, kind, target in rels)
            + "</Relationships>")
