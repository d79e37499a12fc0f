"""Hostile and broken returns are refused with exit 2, one sentence, input untouched."""

from __future__ import annotations

import hashlib
import re
import zipfile

import pytest
import zipcraft
from builders import client, write_return
from hostile import make_all
from typer.testing import CliRunner

from audit.cli import app
from audit.errors import InputRefused
from audit.reading.safety import check_ooxml
from audit.returns.validate import validate_return

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

    from audit.reading import safety

    monkeypatch.setattr(safety, "inflating", zlib)
    with pytest.raises(InputRefused, match=REASONS[kind]):
        validate_return(hostile[kind])


def test_standard_zlib_reads_a_good_return(tmp_path, monkeypatch):
    import zlib

    from audit.reading import safety

    monkeypatch.setattr(safety, "inflating", zlib)
    assert validate_return(write_return(tmp_path / "r.xlsx", [client(1), client(2)])).clients.height == 2


@pytest.mark.parametrize("shift", range(10))
def test_entity_declaration_split_across_reads_is_refused(tmp_path, monkeypatch, shift):
    """The scan for `<!DOCTYPE`/`<!ENTITY` sees a declaration however the reads cut it."""
    import zipfile

    from audit.reading import safety

    monkeypatch.setattr(safety, "IN_CHUNK", 8)  # a stored part is counted read by read
    path = tmp_path / "split.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", b"<?xml version='1.0'?>" + b" " * shift + b"<!DOCTYPE x [<!ENTITY a 'b'>]><workbook/>")
    with pytest.raises(InputRefused, match="entit"):
        safety.check_ooxml(path, kind="Excel workbook (.xlsx)", required_part="xl/workbook.xml")


def test_exclamation_marks_in_text_are_not_declarations(tmp_path, monkeypatch):
    import zipfile

    from audit.reading import safety

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
                       keep=lambda parts: {p.name for p in parts if p.name.startswith("xl/worksheets/")}).kept
    with zipfile.ZipFile(path) as zf:
        assert kept == {"xl/worksheets/sheet1.xml": zf.read("xl/worksheets/sheet1.xml")}
    assert check_ooxml(path, kind="workbook", required_part="xl/workbook.xml").kept == {}


# --- the zip layer: one reading of the package, or a refusal -------------------------------------------

@pytest.fixture(scope="module")
def good_return(tmp_path_factory):
    return write_return(tmp_path_factory.mktemp("good") / "good.xlsx", [client(1), client(2)])


def test_a_package_rebuilt_part_by_part_reads_as_before(good_return, tmp_path):
    """The hand-built zips of the attacks below start from a valid package: rebuilt untouched, it is read."""
    path = tmp_path / "rebuilt.xlsx"
    path.write_bytes(zipcraft.build(zipcraft.entries_of(good_return)))
    assert validate_return(path).clients["CLIENTID"].to_list() == ["TS000001", "TS000002"]


@pytest.mark.parametrize("attack", sorted(zipcraft.ZIP_ATTACKS))
def test_structures_that_disagree_are_refused(good_return, tmp_path, attack):
    data, words = zipcraft.zip_attacks(good_return)[attack]
    path = tmp_path / f"{attack}.xlsx"
    path.write_bytes(data)
    with pytest.raises(InputRefused, match=re.escape(words)):
        validate_return(path)


def test_declared_sizes_over_the_budget_are_refused_before_inflating(good_return, tmp_path, monkeypatch):
    """Parts that say they inflate beyond the budget are refused on their directory entries: nothing is inflated."""
    from audit.reading import safety

    inflated = []
    monkeypatch.setattr(safety, "_inflate_all", lambda *a: inflated.append(a))
    parts = zipcraft.entries_of(good_return)
    big = [zipcraft.Entry(f"xl/media/big{i}.bin", b"\0" * (1 << 20)) for i in range(3)]
    path = tmp_path / "big.xlsx"
    path.write_bytes(zipcraft.build(parts + big))
    with pytest.raises(InputRefused, match="zip bomb"):
        check_ooxml(path, kind="workbook", required_part="xl/workbook.xml",
                    limits=safety.Limits(max_inflated_bytes=2 << 20))
    assert inflated == []


def test_a_refusal_stops_the_other_parts(good_return, tmp_path, monkeypatch):
    """Once a part is refused, no further part is begun (the other worker may finish the one it holds)."""
    from audit.reading import safety

    refused, after = [], []
    real = safety._inflate_one

    def watched(path, part, *a):
        if refused:
            after.append(part.name)
        try:
            return real(path, part, *a)
        except InputRefused:
            refused.append(part.name)
            raise

    monkeypatch.setattr(safety, "_inflate_one", watched)
    parts = zipcraft.entries_of(good_return)
    liar = zipcraft.Entry("xl/media/aaa-liar.bin", b"\0" * (8 << 20), central={"usize": 10}, local={"usize": 10})
    small = [zipcraft.Entry(f"xl/media/s{i}.bin", b"x" * 10) for i in range(200)]
    path = tmp_path / "liar.xlsx"
    path.write_bytes(zipcraft.build([liar, *parts, *small]))
    with pytest.raises(InputRefused, match="more than its directory entry says"):
        check_ooxml(path, kind="workbook", required_part="xl/workbook.xml")
    assert refused == [liar.name] and len(after) <= 1


# --- far cells and hidden sheets ---------------------------------------------------------------------

@pytest.mark.parametrize("attack", sorted(zipcraft.SHEET_ATTACKS))
def test_sheets_reaching_absurdly_far_are_refused_before_the_reader_runs(good_return, tmp_path, monkeypatch, attack):
    from audit.reading import workbook

    data, words = zipcraft.sheet_attacks(good_return)[attack]
    path = tmp_path / f"{attack}.xlsx"
    path.write_bytes(data)
    monkeypatch.setattr(workbook, "_parse", lambda *a, **k: pytest.fail("the reader parsed the sheet"))
    with pytest.raises(InputRefused, match=re.escape(words)):
        validate_return(path)


@pytest.mark.parametrize("quirk", ["stated-range-everything", "styled-empty-cell-far-away"])
def test_odd_but_harmless_sheets_are_read(good_return, tmp_path, quirk):
    path = tmp_path / f"{quirk}.xlsx"
    path.write_bytes(zipcraft.sheet_quirks(good_return)[quirk])
    result = validate_return(path)
    assert result.clients["CLIENTID"].to_list() == ["TS000001", "TS000002"] and result.findings == []


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_never_read_as_the_return_and_is_noted(good_return, tmp_path, state):
    path = tmp_path / "twin.xlsx"
    path.write_bytes(zipcraft.hidden_twin(good_return, state))
    result = validate_return(path)
    assert result.clients["CLIENTID"].to_list() == ["TS000001", "TS000002"]
    notes = [f for f in result.findings if f.rule == "RET-HIDDEN-SHEET"]
    assert len(notes) == 1 and notes[0].severity.value == "info" and "'ost '" in notes[0].message


def test_extent_of_a_big_plain_sheet_takes_the_fast_path():
    """A sheet without a stated range, every cell with its reference: vouched for by one regex pass, no walk."""
    from audit.reading.extent import ExtentWatcher

    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "ABCDEFGHIJ") + "</row>" for r in range(1, 3001))
    watcher = ExtentWatcher(4_000_000)
    xml = f"<worksheet><sheetData>{rows}</sheetData></worksheet>".encode()
    for i in range(0, len(xml), 4096):
        watcher.feed(xml[i:i + 4096])
    extent = watcher.result()
    assert watcher.slow is None and extent.columns == 26 and extent.rows * extent.columns <= 4_000_000


@pytest.mark.parametrize("xml,expected", [
    ('<row r="3"><c r="B3"><v>1</v></c><c><v>1</v></c></row><row><c><v>1</v></c></row>', (4, 3)),
    ('<row><c><v>1</v></c></row><row/><row><c/><c><v>1</v></c></row>', (3, 2)),
    ('<x:row r="2"><x:c r="C2"><x:v>1</x:v></x:c></x:row>', (2, 3)),
    ('<row r="7"><c r="A7"/><c r="D7" s="1"/></row>', (0, 0)),
    ('<row r="5"><c r="AA5" x=">"><v>1</v></c></row>', (5, 27)),
])
def test_the_slow_walk_counts_positions_as_calamine_does(xml, expected):
    """Rows and cells without references follow the ones before; cells without a value are left out."""
    from audit.reading.extent import ExtentWatcher

    watcher = ExtentWatcher(0)  # every stated range is over this budget: the walk runs from the start
    watcher.feed(f'<worksheet><dimension ref="A1:A1"/><sheetData>{xml}</sheetData></worksheet>'.encode())
    extent = watcher.result()
    assert (extent.rows, extent.columns) == expected and watcher.slow is not None
