"""Small PDFs made object by object, ordinary and hostile, for the extraction tests."""

from __future__ import annotations

import zlib
from pathlib import Path

from audit.samples.pdf_write import A4, Line, assemble, pdf_bytes

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def stream(data: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    body = zlib.compress(data) if compress else data
    flate = b" /Filter /FlateDecode" if compress else b""
    return b"<< /Length %d%s%s >>\nstream\n" % (len(body), flate, extra) + body + b"\nendstream"


def text_page_lines(lines: list[str], size: float = 10) -> list[Line]:
    return [Line(72, A4[1] - 72 - 14 * i, size, text) for i, text in enumerate(lines)]


def text_pdf(path: Path, pages: list[list[str]]) -> Path:
    """An ordinary PDF: one line of text per string."""
    path.write_bytes(pdf_bytes([text_page_lines(lines) for lines in pages]))
    return path


def shared_stream_pdf(path: Path, pages: int, operations: int, text: bytes = b"(successful completion is paid) Tj") -> Path:
    """`pages` references to one page whose content stream (small when compressed) has `operations` text operations."""
    content = b"BT /F1 9 Tf 72 700 Td " + text + b" 0 -1 Td " * operations + b"ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b"5 0 R " * pages, pages), FONT,
               stream(content),
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"]
    path.write_bytes(assemble(objects, root=1))
    return path


def image_only_pdf(path: Path, pages: int = 2) -> Path:
    """A scanned document: each page one grey image, no text."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    image = stream(bytes(range(0, 256, 4)) * 4, b" /Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceGray /BitsPerComponent 8")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages), image,
               stream(b"q 500 0 0 700 40 60 cm /Im0 Do Q")]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 3 0 R >> >> /Contents 4 0 R >>"] * pages
    path.write_bytes(assemble(objects, root=1))
    return path


def to_unicode_pdf(path: Path, targets: list[bytes], sentence: str = "4.1 The provider is paid per completion") -> Path:
    """A PDF whose font maps codes 01, 02, ... to the UTF-16 code units in `targets` (lone surrogates,
    controls, bidi overrides), drawn in the middle of an ordinary sentence."""
    bfchar = b"".join(b"<%02X> <%s>\n" % (i + 1, t.hex().upper().encode()) for i, t in enumerate(targets))
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Hostile def "
            b"1 begincodespacerange <00> <FF> endcodespacerange %d beginbfchar\n" % len(targets) + bfchar
            + b"endbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
    codes = bytes(range(1, len(targets) + 1)).replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = (b"BT /F1 11 Tf 72 700 Td (" + sentence.encode() + b") Tj 0 -14 Td (" + codes + b") Tj 0 -14 Td ("
               + sentence.encode() + b" again) Tj ET")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 4 0 R >>", stream(cmap),
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R >>",
               stream(content)]
    path.write_bytes(assemble(objects, root=1))
    return path


def encrypted_pdf(path: Path, user_password: str, algorithm: str = "AES-256") -> Path:
    """A text PDF encrypted with `algorithm`; an empty user password opens it without asking."""
    from pypdf import PdfReader, PdfWriter

    plain = text_pdf(path.with_suffix(".plain.pdf"), [["4.1 OST will not be time-limited."]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path
