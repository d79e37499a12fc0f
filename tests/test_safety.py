"""Hostile and broken returns are refused with exit 2, one sentence, input untouched."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from builders import client, write_return
from hostile import make_all
from typer.testing import CliRunner

from audit.cli import app
from audit.errors import InputRefused
from audit.safety import check_ooxml
from audit.validate import validate_return

runner = CliRunner()

REASONS = {
    "empty": "is empty",
    "not-a-zip": "not a zip",
    "truncated": "corrupt or truncated",
    "encrypted": "password-protected",
    "macro": "macros",
    "zip-bomb": "zip bomb",
    "billion-laughs": "entit",
    "no-workbook-part": "no xl/workbook.xml",
    "odd-compression": "compression method",
    "bad-checksum": "fails its checksum",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return make_all(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("kind", sorted(REASONS))
@pytest.mark.parametrize("command", ["validate"])
def test_refused_with_one_sentence(hostile, kind, command):
    path = hostile[kind]
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 2, result.stdout
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert str(path) in message and REASONS[kind] in message
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_library_raises_input_refused(hostile, kind):
    with pytest.raises(InputRefused):
        validate_return(hostile[kind])


def test_formula_text_is_read_as_text(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_NOTE="=HYPERLINK(\"http://x\",\"click\")")])
    result = validate_return(path)
    assert result.clients["DOSE_NOTE"].to_list() == ['=HYPERLINK("http://x","click")']


def test_stored_parts_are_read(tmp_path):
    """Parts stored without compression are legal in a package and are checked the same way."""
    import zipfile

    good = write_return(tmp_path / "r.xlsx", [client(1)])
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
    assert validate_return(stored).clients.height == 1


@pytest.mark.parametrize("kind", ["zip-bomb", "truncated", "bad-checksum", "billion-laughs"])
def test_standard_zlib_refuses_the_same(hostile, kind, monkeypatch):
    """Where isal is missing the standard library's zlib inflates, with the same refusals."""
    import zlib

    from audit import safety

    monkeypatch.setattr(safety, "inflating", zlib)
    with pytest.raises(InputRefused, match=REASONS[kind]):
        validate_return(hostile[kind])


def test_standard_zlib_reads_a_good_return(tmp_path, monkeypatch):
    import zlib

    from audit import safety

    monkeypatch.setattr(safety, "inflating", zlib)
    assert validate_return(write_return(tmp_path / "r.xlsx", [client(1), client(2)])).clients.height == 2


@pytest.mark.parametrize("shift", range(10))
def test_entity_declaration_split_across_reads_is_refused(tmp_path, monkeypatch, shift):
    """The scan for `<!DOCTYPE`/`<!ENTITY` sees a declaration however the reads cut it."""
    import zipfile

    from audit import safety

    monkeypatch.setattr(safety, "IN_CHUNK", 8)  # a stored part is counted read by read
    path = tmp_path / "split.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", b"<?xml version='1.0'?>" + b" " * shift + b"<!DOCTYPE x [<!ENTITY a 'b'>]><workbook/>")
    with pytest.raises(InputRefused, match="entit"):
        safety.check_ooxml(path, kind="Excel workbook (.xlsx)", required_part="xl/workbook.xml")


def test_exclamation_marks_in_text_are_not_declarations(tmp_path, monkeypatch):
    import zipfile

    from audit import safety

    monkeypatch.setattr(safety, "IN_CHUNK", 8)
    path = tmp_path / "bang.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", b"<?xml version='1.0'?><workbook><t>Urgent! <!-- a comment --> ok!</t></workbook>")
    safety.check_ooxml(path, kind="Excel workbook (.xlsx)", required_part="xl/workbook.xml")


def test_the_check_hands_back_the_parts_it_is_asked_to_keep(tmp_path):
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 5000 + "</worksheet>")
    kept = check_ooxml(path, kind="workbook", required_part="xl/workbook.xml",
                       keep=lambda members: {m.filename for m in members if m.filename.startswith("xl/worksheets/")})
    with zipfile.ZipFile(path) as zf:
        assert kept == {"xl/worksheets/sheet1.xml": zf.read("xl/worksheets/sheet1.xml")}
    assert check_ooxml(path, kind="workbook", required_part="xl/workbook.xml") == {}
