"""PDF extraction: pages, re-flow, scans, encryption, hostile fonts, the per-document budget."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from pdf_build import encrypted_pdf, image_only_pdf, shared_stream_pdf, text_pdf, to_unicode_pdf

from audit.contracts.budget import Allowance, Budget
from audit.contracts.docx_text import read_docx
from audit.contracts.extract import extract
from audit.contracts.pdf_text import pdf_passages, read_pdf
from audit.contracts.scan import scan_contract
from audit.errors import InputRefused


def test_pdf_page_headers_dropped_and_pages_kept():
    pages = [["OFFICIAL - Council Specification", "1.1 The service opens daily.", "Page 1 of 3"],
             ["OFFICIAL - Council Specification", "4.1 OST will be provided for a maximum of 12 months.", "Page 2 of 3"],
             ["OFFICIAL - Council Specification", "9.1 Invoices are paid monthly.", "Page 3 of 3"]]
    text = pdf_passages(pages, "c.pdf")
    assert all("OFFICIAL" not in p.text and "Page" not in p.text for p in text.passages)
    assert [(p.page, p.clause) for p in text.passages] == [(1, "1.1"), (2, "4.1"), (3, "9.1")]


def test_pdf_hyphenated_line_breaks_rejoined():
    text = pdf_passages([["4.1 An incentive payment will be made for each suc-", "cessful completion of treat-",
                          "ment by an opiate user."]], "c.pdf")
    assert text.passages[0].text == "4.1 An incentive payment will be made for each successful completion of treatment by an opiate user."


def test_reflow_is_linear_in_the_text():
    """One paragraph of 200,000 lines (a hostile page) re-flows in one pass, not line by line over the whole text."""
    import time

    lines = ["word and word-"] + ["ing more words on this line"] * 200_000
    start = time.process_time()
    text = pdf_passages([lines], "c.pdf")
    assert time.process_time() - start < 20  # a guard against a hang (quadratic joining takes hours), not a speed target
    assert text.passages[0].text.startswith("word and wording more words")


def test_written_pdf_has_a_text_layer_with_pound_signs(tmp_path):
    path = text_pdf(tmp_path / "c.pdf", [["5.1 A payment of £250 (per client) is made for each successful completion."]])
    assert [p.text for p in extract(path).passages] == ["5.1 A payment of £250 (per client) is made for each successful completion."]


def test_image_only_pdf_is_no_text_layer(tmp_path):
    scan = scan_contract(image_only_pdf(tmp_path / "scan.pdf"))
    assert scan.status == "no-text-layer"
    assert scan.verdicts == {"pays_for_completion": "no-text-layer", "time_limits": "no-text-layer"}
    assert [f.rule for f in scan.findings] == ["CON-NO-TEXT-LAYER"]


def test_empty_password_aes_pdf_is_read_as_any_viewer_opens_it(tmp_path):
    """Councils publish PDFs with permissions but no open password; a viewer opens them without asking."""
    path = encrypted_pdf(tmp_path / "restricted.pdf", user_password="")
    assert [p.text for p in extract(path).passages] == ["4.1 OST will not be time-limited."]


@pytest.mark.parametrize("algorithm", ["AES-256", "AES-128", "RC4-128"])
def test_password_protected_pdf_refused_as_encrypted(tmp_path, algorithm):
    path = encrypted_pdf(tmp_path / "locked.pdf", user_password="secret", algorithm=algorithm)
    with pytest.raises(InputRefused, match="password-protected"):
        extract(path)


def test_aes_pdf_without_a_cipher_library_is_called_encrypted_not_corrupt(tmp_path):
    """Where the AES library is missing (a platform without its wheels), the refusal says encrypted, not corrupt."""
    path = encrypted_pdf(tmp_path / "restricted.pdf", user_password="")
    no_cipher = ("import sys; sys.modules.update(dict.fromkeys(['cryptography', 'Crypto', 'Cryptodome'])); "
                 "sys.argv = ['ost-audit', 'contracts', sys.argv[1]]; from audit.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", no_cipher, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert f"{path} is encrypted (AES) and this installation cannot decrypt it" in proc.stderr and "corrupt" not in proc.stderr


def test_corrupt_pdf_refused(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(InputRefused, match="corrupt or unreadable as a PDF"):
        extract(broken)


def test_pages_sharing_one_stream_stop_at_the_document_budget(tmp_path):
    """Each page alone is cheap; the budget is per document, so a few pages' worth is all it reads."""
    path = shared_stream_pdf(tmp_path / "shared.pdf", pages=2000, operations=400)
    allowance = Allowance(operations=20_000, operations_per_byte=0)
    with pytest.raises(InputRefused, match="drawing operations") as refused:
        read_pdf(path, Budget(path, allowance=allowance))
    assert refused.value.path == str(path)


def test_characters_budget_covers_every_format(tmp_path):
    small = Allowance(characters=50)
    long_text = "4.1 The provider shall report completions quarterly to the commissioner. " * 3
    pdf = text_pdf(tmp_path / "c.pdf", [[long_text[:80], long_text[80:]]])
    word = tmp_path / "c.docx"
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph(long_text)
    document.save(word)
    with pytest.raises(InputRefused, match="characters"):
        read_pdf(pdf, Budget(pdf, allowance=small))
    with pytest.raises(InputRefused, match="characters"):
        read_docx(word, Budget(word, allowance=small))


@pytest.mark.parametrize("targets", [
    [b"\xd8\x00"],  # a lone high surrogate
    [b"\xdc\x00", b"\xd8\x3d"],  # a lone low surrogate, then a high one left open at the end
    [b"\x00\x1b", b"\x00\x07", b"\x00\x00"],  # escape, bell, NUL
    [b"\x20\x2e", b"\x20\x0b", b"\xfe\xff"],  # bidi override, zero-width space, a noncharacter
])
def test_to_unicode_map_to_invalid_characters_gives_printable_utf8(tmp_path, targets):
    passages = extract(to_unicode_pdf(tmp_path / "font.pdf", targets)).passages
    assert passages, "the ordinary sentences around the hostile glyphs are still read"
    assert passages[0].text.startswith("4.1 The provider is paid per completion")
    for passage in passages:
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u200b\ufffe\ud800-\udfff]", passage.text)
        passage.text.encode("utf-8")  # strict: a lone surrogate would raise
