"""Hostile files through the real command, in its own process: exit code, time, memory, input unchanged."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time

import pytest
import zipcraft
from builders import COLUMNS, client, write_return
from hostile import make_all, make_contracts

LIMIT_SECONDS = 30
LIMIT_MB = 1024


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-proc")
    out = make_all(tmp)
    out["missing-sheet"] = write_return(tmp / "nosheet.xlsx", [client(1)], ost_sheet="")
    out["missing-columns"] = write_return(tmp / "nocols.xlsx", [client(1)], columns=[c for c in COLUMNS if c not in ("DOSE_MG", "PHASE")])
    return out


@pytest.fixture(scope="module")
def contracts(tmp_path_factory):
    return make_contracts(tmp_path_factory.mktemp("hostile-contracts"))


def run(*args: str) -> tuple[int, str, str, float, int]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "audit", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=LIMIT_SECONDS * 2)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"{args} did not finish")
    _, _, usage = os.wait4(proc.pid, 0) if proc.returncode is None else (0, 0, None)
    elapsed = time.perf_counter() - start
    peak = (usage.ru_maxrss // 1024) if usage else 0
    return proc.returncode, out.decode(), err.decode(), elapsed, peak


EXPECTED = {"empty": 2, "not-a-zip": 2, "truncated": 2, "encrypted": 2, "macro": 2, "zip-bomb": 2, "billion-laughs": 2,
            "no-workbook-part": 2, "missing-sheet": 1, "missing-columns": 1}


@pytest.mark.parametrize("command", ["validate", "doses"])
@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_hostile_returns(files, command, kind):
    path = files[kind]
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out, err, seconds, _ = run(command, str(path))
    assert code == EXPECTED[kind], (out, err)
    assert "Traceback" not in out + err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and str(path) in err
    else:
        assert ("RET-MISSING-SHEET" if kind == "missing-sheet" else "RET-MISSING-COLUMN") in out
    assert seconds < LIMIT_SECONDS
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_zip_bomb_refused_in_bounded_memory(files):
    """The bomb inflates to 300 MB; refusing it must not hold it in memory."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    code, _, err, seconds, _ = run("validate", str(files["zip-bomb"]))
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) // 1024
    assert code == 2 and "zip bomb" in err and seconds < LIMIT_SECONDS
    assert peak_mb < LIMIT_MB


@pytest.mark.parametrize("kind,reason", [
    ("docx-truncated", "corrupt or truncated"), ("docx-encrypted", "password-protected"), ("docx-entities", "entit"),
    ("docx-macro", "macros"), ("pdf-not-pdf", "not a PDF"), ("pdf-corrupt", "PDF"), ("pdf-too-many-pages", "page limit"),
    ("txt-binary", "not a text file")])
def test_hostile_contracts(contracts, kind, reason):
    path = contracts[kind]
    before = path.read_bytes()
    code, out, err, seconds, _ = run("contracts", str(path))
    assert code == 2 and reason in err and "Traceback" not in out + err and len(err.strip().splitlines()) == 1
    assert seconds < LIMIT_SECONDS and path.read_bytes() == before


# --- second wave: zip structures that disagree, far cells, hidden sheets (issue 18) -------------------

MEMORY_GUARD = 3 << 30  # address space a run may take: far above a refusal's needs, far below a bomb's
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def guarded(*args: str) -> tuple[int, str, str]:
    """The real command in its own process, with its address space and time bounded: a guard against a
    bomb or a hang taking the test run down, not a speed target."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_GUARD, MEMORY_GUARD))

    proc = subprocess.run([sys.executable, "-m", "audit", *args], capture_output=True, preexec_fn=limit,
                          timeout=LIMIT_SECONDS * 4)
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")


@pytest.fixture(scope="module")
def crafted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crafted")
    good = write_return(tmp / "good.xlsx", [client(1), client(2)])
    out = {}
    for name, (data, words) in {**zipcraft.zip_attacks(good), **zipcraft.sheet_attacks(good), **zipcraft.reader_attacks(good)}.items():
        path = tmp / f"{name}.xlsx"
        path.write_bytes(data)
        out[name] = (path, words)
    return out


def assert_refused(path, code: int, out: str, err: str, words: str) -> None:
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and str(path) in err and words in err, err
    assert "Traceback" not in out + err and "could not finish" not in err
    assert not CONTROL.search(out + err), err


@pytest.mark.parametrize("attack", zipcraft.ZIP_ATTACKS + zipcraft.SHEET_ATTACKS + zipcraft.READER_ATTACKS)
def test_crafted_returns_are_refused_by_the_command(crafted, attack):
    path, words = crafted[attack]
    before = path.read_bytes()
    assert_refused(path, *guarded("validate", str(path)), words)
    assert path.read_bytes() == before


@pytest.mark.parametrize("attack", ["two-directories", "overlapping-bomb", "cell-at-XFD1048576", "cell-at-A1048576",
                                    "id-attribute-before-r-id", "date-serial-beyond-chrono"])
def test_crafted_returns_are_refused_by_doses(crafted, attack):
    path, words = crafted[attack]
    before = path.read_bytes()
    assert_refused(path, *guarded("doses", str(path)), words)
    assert path.read_bytes() == before


def test_a_hidden_twin_sheet_is_noted_not_audited(tmp_path):
    good = write_return(tmp_path / "good.xlsx", [client(1), client(2)])
    path = tmp_path / "twin.xlsx"
    path.write_bytes(zipcraft.hidden_twin(good))
    code, out, err = guarded("validate", str(path), "--format", "json", "--fail-on", "never")
    assert code == 0, err
    assert "RET-HIDDEN-SHEET" in out and "HIDDEN01" not in out
    code, out, err = guarded("doses", str(path), "--format", "json", "--fail-on", "never")
    assert code == 0 and "HIDDEN01" not in out, err


def test_odd_workbook_parts_that_excel_reads_are_read_as_the_return(tmp_path):
    """The reader is given our reading of the workbook part, so what we read is what is audited."""
    good = write_return(tmp_path / "good.xlsx", [client(1), client(2, DOSE_MG=500)])
    code, expected, err = guarded("validate", str(good), "--format", "json", "--fail-on", "never")
    assert code == 0 and "DOSE_MG" in expected, err
    plain = lambda text, path: re.sub(r'"sha256":"[0-9a-f]+"', "", text.replace(str(path), ""))  # noqa: E731
    for name, data in zipcraft.reader_quirks(good).items():
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(data)
        code, out, err = guarded("validate", str(path), "--format", "json", "--fail-on", "never")
        assert code == 0 and not err.strip(), (name, err)
        assert plain(out, path) == plain(expected, good), name
