"""Reading the first workbook before the command line is parsed (audit/early.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from builders import client, write_return
from hostile import make_all

from audit import early
from audit.errors import InputRefused
from audit.validate import validate_return


def _summary(result):
    return [(f.rule, f.location.cell, f.value) for f in result.findings], result.clients.to_dicts()


def test_validation_uses_the_early_read_and_matches_a_plain_one(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG=45), client(2, SEX="q")])
    early.start_reading(["ost-audit", "validate", "--format", "json", str(path)])
    assert early.file_identity(path) in early._pending
    with_early = validate_return(path)
    assert early.file_identity(path) not in early._pending  # taken
    assert _summary(with_early) == _summary(validate_return(path))


def test_a_file_changed_after_the_early_read_is_read_again(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1)])
    early.start_reading(["ost-audit", "doses", str(path)])
    stale = early.file_identity(path)
    write_return(tmp_path / "other.xlsx", [client(1), client(2), client(3)]).replace(path)
    os.utime(path, ns=(stale[3] + 10**9, stale[3] + 10**9))
    assert validate_return(path).clients.height == 3
    early._pending.pop(stale).result()  # the early read of the old file went unused


def test_an_early_refusal_is_raised_by_validation(tmp_path):
    bomb = make_all(tmp_path)["zip-bomb"]
    early.start_reading(["ost-audit", "validate", str(bomb)])
    with pytest.raises(InputRefused, match="zip bomb"):
        validate_return(bomb)


@pytest.mark.parametrize("argv", [["ost-audit"], ["ost-audit", "contracts", "x.xlsx"], ["ost-audit", "validate", "missing.xlsx"],
                                  ["ost-audit", "validate", "notes.txt"]])
def test_nothing_is_read_early_otherwise(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    (tmp_path / "notes.txt").write_text("x")
    before = dict(early._pending)
    early.start_reading(argv)
    assert early._pending == before


def test_the_command_runs_with_an_early_read(tmp_path):
    """Through `python -m audit`, where the early read happens, the output is the library's."""
    import json

    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG=45, OPIUSE=2)])
    proc = subprocess.run([sys.executable, "-m", "audit", "doses", str(path), "--format", "json"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert [f["rule"] for f in json.loads(proc.stdout)["findings"]] == ["MET-BELOW-OPTIMAL"]


def test_the_early_thread_parses_and_the_caller_converts(tmp_path, monkeypatch):
    """Converting parsed cells to polars holds the GIL; done beside the imports it ran several times slower."""
    import threading

    import fastexcel

    converted_on = []
    to_polars = fastexcel.ExcelSheet.to_polars
    monkeypatch.setattr(fastexcel.ExcelSheet, "to_polars",
                        lambda self: converted_on.append(threading.current_thread().name) or to_polars(self))
    path = write_return(tmp_path / "r.xlsx", [client(1), client(2)])
    early.start_reading(["ost-audit", "validate", str(path)])
    early._pending[early.file_identity(path)].result()  # the early read is over
    assert converted_on == []
    assert validate_return(path).clients.height == 2
    assert converted_on and set(converted_on) == {threading.current_thread().name}
