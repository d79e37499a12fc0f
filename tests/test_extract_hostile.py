"""Hostile contracts through the real command, each in its own process (issue 18's second wave).

Every attack: exit 0, 1 or 2; a refusal is one sentence naming the file;
nothing in any output is a control or bidi character; the input is
unchanged; generous time and memory guards catch hangs and bombs (speed
itself is measured in bench/, not here).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx_build import notes, p, r, write_docx
from pdf_build import encrypted_pdf, shared_stream_pdf, to_unicode_pdf

from audit.contracts.extract import extract

GUARD_SECONDS = 120  # a loaded 2-core machine; the budget itself stops these in a few CPU seconds
GUARD_MB = 1536
UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def word_numbering(level: str):
    return lambda tmp: write_docx(tmp / f"numbering-{level or 'blank'}.docx",
                                  p("4.1 OST is provided for a maximum of 12 months.", num=("1", level)) + p("4.2 Reviews.", num=("1", "0")))


def dangling_header(tmp: Path) -> Path:
    sect = '<w:headerReference w:type="default" r:id="rId404"/>'
    return write_docx(tmp / "dangling-header.docx", p("4.1 OST will not be time-limited."), sect=sect)


def dangling_footnotes(tmp: Path) -> Path:
    return write_docx(tmp / "dangling-footnotes.docx", p(runs=r("4.1 Payment on completion.") + '<w:r><w:footnoteReference w:id="1"/></w:r>'),
                      rels=[("rIdF", "footnotes", "missing/footnotes.xml")])


def footnote_flood(tmp: Path) -> Path:
    cite = '<w:r><w:footnoteReference w:id="1"/></w:r>' * 20000
    return write_docx(tmp / "footnote-flood.docx", p(runs=r("Clause.") + cite), parts={
        "word/footnotes.xml": notes("footnote", {"1": "A long footnote about outcome payments. " * 20})},
        rels=[("rIdF", "footnotes", "footnotes.xml")])


def deep_nesting(tmp: Path) -> Path:
    return write_docx(tmp / "deep.docx", "<w:sdt><w:sdtContent>" * 5000 + p("deep") + "</w:sdtContent></w:sdt>" * 5000)


def word_text_bomb(tmp: Path) -> Path:
    return write_docx(tmp / "text-bomb.docx", p("Successful completions are paid. " * 1000) * 200)


def symbol_junk(tmp: Path) -> Path:
    runs = r("Paid on ") + '<w:r><w:sym w:font="Wingdings" w:char="F0B7"/><w:sym w:char="D800"/><w:sym w:char="zzzz"/><w:sym w:char="110000"/></w:r>' + r("completion.")
    return write_docx(tmp / "symbols.docx", p(runs=runs))


def terminal_text(tmp: Path) -> Path:
    path = tmp / "terminal.txt"
    path.write_bytes("4.1 \x1b[2J\x1b[32mOK: 0 errors\x1b[0m \u202eOST is limited to 12 weeks\u202c.\r\n".encode())
    return path


def utf16_text(tmp: Path) -> Path:
    path = tmp / "utf16.txt"
    path.write_bytes("\ufeff4.1 A payment of £250 is made for each successful completion.\r\n".encode("utf-16-le"))
    return path


def lone_surrogate_pdf(tmp: Path) -> Path:
    return to_unicode_pdf(tmp / "surrogate.pdf", [b"\xd8\x00", b"\x00\x1b", b"\x20\x2e"])


ATTACKS = {  # name -> (make, expected exit codes, words in the refusal, or in what is read: passages and notes)
    "pdf-shared-stream": (lambda tmp: shared_stream_pdf(tmp / "shared.pdf", pages=2000, operations=3000), {2}, "drawing operations"),
    "pdf-aes-locked": (lambda tmp: encrypted_pdf(tmp / "aes-locked.pdf", "secret"), {2}, "password-protected"),
    "pdf-aes-empty-password": (lambda tmp: encrypted_pdf(tmp / "aes-open.pdf", ""), {0, 1}, "not be time-limited"),
    "pdf-lone-surrogate": (lone_surrogate_pdf, {0, 1}, "per completion"),
    "word-numbering-99": (word_numbering("99"), {0, 1}, "numbering level"),
    "word-numbering-minus-20": (word_numbering("-20"), {0, 1}, "numbering level"),
    "word-numbering-abc": (word_numbering("abc"), {0, 1}, "numbering level"),
    "word-numbering-blank": (word_numbering(""), {0, 1}, "numbering level"),
    "word-dangling-header": (dangling_header, {0, 1}, "rId404"),
    "word-dangling-footnotes": (dangling_footnotes, {0, 1}, "footnotes"),
    "word-footnote-flood": (footnote_flood, {0, 1}, "Clause"),
    "word-deep-nesting": (deep_nesting, {2}, "nested deeper"),
    "word-text-bomb": (word_text_bomb, {2}, "characters"),
    "word-symbol-junk": (symbol_junk, {0, 1}, "completion"),
    "text-terminal-escapes": (terminal_text, {0, 1}, "12 weeks"),
    "text-utf16": (utf16_text, {0, 1}, "£250"),
}


def run(*args: str) -> tuple[int, str, str, float]:
    start = time.monotonic()
    # wide text, one line per note: the notes are looked for whole, not how they wrap (test_text_width.py)
    proc = subprocess.run([sys.executable, "-m", "audit", *args], capture_output=True, timeout=GUARD_SECONDS * 2,
                          env={**os.environ, "COLUMNS": "1000"})
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"), time.monotonic() - start


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("format", ["text", "json"])
def test_hostile_contract(tmp_path, attack, format):
    make, codes, words = ATTACKS[attack]
    path = make(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out, err, seconds = run("contracts", str(path), "--format", format)
    assert code in codes, (code, out, err)
    assert "Traceback" not in out + err and "could not finish" not in err
    assert not UNSHOWABLE.search(out + err), [m.group() for m in UNSHOWABLE.finditer(out + err)]
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and str(path) in err and words in err
    else:
        text = extract(path)
        assert words in " ".join([x.text for x in text.passages] + text.notes)
        if text.notes:
            shown = out if format == "text" else json.dumps(json.loads(out), ensure_ascii=False)
            assert all(visible_note in shown for visible_note in text.notes)
    assert seconds < GUARD_SECONDS
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024 < GUARD_MB
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_numbering_note_is_a_warning_finding(tmp_path):
    path = word_numbering("99")(tmp_path)
    code, out, _, _ = run("contracts", str(path), "--format", "json")
    notes_found = [f for f in json.loads(out)["findings"] if f["rule"] == "CON-READ-NOTE"]
    assert code in (0, 1) and len(notes_found) == 1
    assert notes_found[0]["severity"] == "warning" and notes_found[0]["location"]["file"] == str(path)
    assert "'99'" in notes_found[0]["message"]

