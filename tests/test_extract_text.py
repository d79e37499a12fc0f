"""Text contracts in the encodings councils save, and text made printable from any source."""

from __future__ import annotations

import codecs
import re

import pytest

from audit.contracts.extract import extract
from audit.contracts.plain_text import decode
from audit.contracts.seen import as_seen
from audit.errors import InputRefused

NEVER_SEEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200d\u2060\ufeff\ud800-\udfff\ue000-\uf8ff]")  # bidi marks are kept
CLAUSE = "5.1 A payment of £250 is made for each successful completion.\n\n5.2 Treatment is not time-limited.\n"


@pytest.mark.parametrize("encoding,bom,name", [
    ("utf-8", b"", "utf-8"),
    ("utf-8", codecs.BOM_UTF8, "utf-8"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
    ("utf-16-le", b"", "utf-16-le"),  # saved without a mark: the NUL in every other byte tells
    ("cp1252", b"", "windows-1252"),
])
def test_encodings_councils_save(tmp_path, encoding, bom, name):
    raw = bom + CLAUSE.replace("\n", "\r\n").encode(encoding)
    assert decode(raw) == (CLAUSE.replace("\n", "\r\n"), name)
    path = tmp_path / "c.txt"
    path.write_bytes(raw)
    passages = extract(path).passages
    assert [(x.text, x.line, x.clause) for x in passages] == [
        ("5.1 A payment of £250 is made for each successful completion.", 1, "5.1"),
        ("5.2 Treatment is not time-limited.", 3, "5.2")]


def test_windows_1252_punctuation_is_not_mistaken_for_utf8():
    raw = "The provider\u2019s \u201coutcome payment\u201d \u2013 £1,000".encode("cp1252")
    assert decode(raw) == ("The provider\u2019s \u201coutcome payment\u201d \u2013 £1,000", "windows-1252")


def test_utf8_with_a_broken_byte_stays_utf8():
    raw = "Payment – £250 – on each “planned exit”; ".encode() * 3 + b"\xff end"
    text, name = decode(raw)
    assert name == "utf-8" and text.endswith("\ufffd end") and "£250" in text


def test_valid_utf8_wins_over_windows_1252():
    assert decode("£250 – paid".encode()) == ("£250 – paid", "utf-8")


@pytest.mark.parametrize("raw", [b"\x00\x01\x02" * 100, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, bytes(range(1, 32)) * 50])
def test_binary_is_not_text(tmp_path, raw):
    path = tmp_path / "c.txt"
    path.write_bytes(raw)
    with pytest.raises(InputRefused, match="not a text file"):
        extract(path)


def test_control_and_invisible_characters_never_reach_a_passage(tmp_path):
    path = tmp_path / "c.md"
    path.write_bytes("# Pay\x1b[2Jment\n\n5.1 Paid on succ\u200bessful\u00a0completion\u202e of treatment\x07.\n".encode())
    passages = extract(path).passages
    assert [x.text for x in passages] == ["Pay [2Jment", "5.1 Paid on successful completion\u202e of treatment ."]
    assert all(not NEVER_SEEN.search(x.text) and x.text.encode("utf-8") for x in passages)


@pytest.mark.parametrize("text,shown", [
    ("plain text", "plain text"),
    ("tab\there", "tab here"),
    ("zero\u200bwidth\u2060joined", "zerowidthjoined"),
    ("soft\u00adhyphen", "softhyphen"),
    ("bidi \u202eoverride\u202c and \u2066isolate\u2069 kept", "bidi \u202eoverride\u202c and \u2066isolate\u2069 kept"),
    ("lone \udc80 surrogate", "lone \ufffd surrogate"),
    ("symbol-font bullet \uf0b7 item", "symbol-font bullet   item"),
    ("nul\x00 bell\x07 esc\x1b del\x7f c1\x9b", "nul  bell  esc  del  c1 "),
    ("non\u00a0breaking", "non breaking"),
    ("£ é ü 中文", "£ é ü 中文"),
])
def test_as_seen(text, shown):
    assert as_seen(text) == shown
    assert not NEVER_SEEN.search(as_seen(text))
