"""Hostile and broken files, made on the fly (nothing dangerous is committed)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from builders import client, write_return

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def valid(tmp: Path) -> Path:
    return write_return(tmp / "valid.xlsx", [client(1), client(2)])


def _rewrite(src: Path, dst: Path, change, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for item in zin.infolist():
            data = change(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item.filename, data)
        extra = change("__extra__", b"")
        if extra:
            name, data = extra
            zout.writestr(name, data)
    return dst


def make_all(tmp: Path) -> dict[str, Path]:
    """name -> path of every hostile or broken kind the tool must refuse."""
    good = valid(tmp)
    files: dict[str, Path] = {}
    files["empty"] = tmp / "empty.xlsx"
    files["empty"].write_bytes(b"")
    files["not-a-zip"] = tmp / "text.xlsx"
    files["not-a-zip"].write_text("CLIENTID,SEX\nTS1,M\n")
    files["truncated"] = tmp / "truncated.xlsx"
    files["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    files["encrypted"] = tmp / "encrypted.xlsx"
    files["encrypted"].write_bytes(OLE_MAGIC + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 2048)
    files["macro"] = _rewrite(good, tmp / "macro.xlsx",
                              lambda n, d: ("xl/vbaProject.bin", b"\0" * 64) if n == "__extra__" else d)
    bomb = tmp / "bomb.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        with zout.open("xl/media/padding.xml", "w") as big:
            chunk = b"<a/>" * (1 << 18)  # 1 MiB of very compressible XML
            for _ in range(300):
                big.write(chunk)
    files["zip-bomb"] = bomb
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    files["billion-laughs"] = _rewrite(
        good, tmp / "laughs.xlsx",
        lambda n, d: None if n == "__extra__" else (laughs + d.split(b"?>", 1)[-1] if n == "xl/workbook.xml" else d))
    files["odd-compression"] = _rewrite(good, tmp / "bzip2.xlsx", lambda n, d: None if n == "__extra__" else d, zipfile.ZIP_BZIP2)
    stored = _rewrite(good, tmp / "stored.xlsx", lambda n, d: None if n == "__extra__" else d, zipfile.ZIP_STORED).read_bytes()
    at = stored.index(b"<sheetData")  # a stored part's bytes are in the file as they are: change one
    files["bad-checksum"] = tmp / "badcrc.xlsx"
    files["bad-checksum"].write_bytes(stored[:at] + b"<sheetDatb" + stored[at + 10:])
    files["no-workbook-part"] = _rewrite(good, tmp / "noworkbook.xlsx",
                                         lambda n, d: None if n in ("xl/workbook.xml", "__extra__") else d)
    return files


def make_contracts(tmp: Path) -> dict[str, Path]:
    """Hostile and broken contracts."""
    import docx as python_docx
    from pypdf import PdfWriter

    good = tmp / "good.docx"
    document = python_docx.Document()
    document.add_paragraph("4.1 OST will not be time-limited.")
    document.save(good)
    files: dict[str, Path] = {}
    files["docx-truncated"] = tmp / "truncated.docx"
    files["docx-truncated"].write_bytes(good.read_bytes()[:1500])
    files["docx-encrypted"] = tmp / "encrypted.docx"
    files["docx-encrypted"].write_bytes(OLE_MAGIC + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024)
    files["docx-entities"] = _rewrite(good, tmp / "entities.docx", lambda n, d: None if n == "__extra__" else (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + d.split(b"?>", 1)[-1] if n == "word/document.xml" else d))
    files["docx-macro"] = _rewrite(good, tmp / "macro.docm.docx", lambda n, d: ("word/vbaProject.bin", b"\0" * 64) if n == "__extra__" else d)
    files["pdf-not-pdf"] = tmp / "fake.pdf"
    files["pdf-not-pdf"].write_bytes(b"MZ\x90\x00 this is not a pdf")
    files["pdf-corrupt"] = tmp / "corrupt.pdf"
    files["pdf-corrupt"].write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"\xff" * 300)
    writer = PdfWriter()
    for _ in range(2001):
        writer.add_blank_page(72, 72)
    files["pdf-too-many-pages"] = tmp / "long.pdf"
    with files["pdf-too-many-pages"].open("wb") as fh:
        writer.write(fh)
    files["txt-binary"] = tmp / "binary.txt"
    files["txt-binary"].write_bytes(b"\x00\x01\x02" * 100)
    return files
