"""A minimal PDF writer: pages of text lines in Helvetica, with a real text layer.

The synthetic sample contracts need PDFs that read like a council's: text
that a PDF reader extracts line by line, a running header and a page
footer. The standard Type 1 fonts every PDF reader has, WinAnsi encoding
(so "£" works) and a few hundred bytes of structure are all that takes; a
charting library is not needed. Output is deterministic: the same pages
give the same bytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

A4 = (595.28, 841.89)  # points


@dataclass(frozen=True)
class Line:
    x: float  # points from the left edge
    y: float  # points from the bottom edge
    size: float  # font size in points
    text: str


def pdf_bytes(pages: list[list[Line]], title: str = "", page_size: tuple[float, float] = A4) -> bytes:
    """A complete PDF file of `pages`, each a list of text lines."""
    objects: list[bytes] = [b"", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
                            b"<< /Title " + _string(title) + b" /Producer (ost-audit) >>"]
    page_ids = []
    for lines in pages:
        content = zlib.compress(b"\n".join(_show(line) for line in lines), 9)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                       % (_num(page_size[0]), _num(page_size[1]), len(objects)))
        page_ids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % i for i in page_ids), len(page_ids))
    return assemble(objects, root=1, info=4)


def assemble(objects: list[bytes], root: int, info: int | None = None) -> bytes:
    """Objects (numbered from 1 in list order) into a PDF file with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"/Size %d /Root %d 0 R" % (len(objects) + 1, root) + (b" /Info %d 0 R" % info if info else b"")
    out += b"trailer\n<< " + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _show(line: Line) -> bytes:
    return b"BT /F1 %s Tf %s %s Td %s Tj ET" % (_num(line.size), _num(line.x), _num(line.y), _string(line.text))


def _string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (Windows-1252) encoding; characters it lacks become `?`."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _num(value: float) -> bytes:
    return (b"%.2f" % value).rstrip(b"0").rstrip(b".")
