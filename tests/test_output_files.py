"""Output files: permissions kept, two outputs never one file, `-` is stdout, and a write that fails
says which output and why in one sentence (never a temp file's name or an OSError's)."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from builders import client, write_return
from typer.testing import CliRunner

from audit.cli import app
from audit.errors import OutputRefused
from audit.reporting.output import write_output

runner = CliRunner()


def run(*args: str, cwd: Path, umask: int | None = None, **kwargs) -> subprocess.CompletedProcess:
    def setup() -> None:
        if umask is not None:
            os.umask(umask)
    return subprocess.run([sys.executable, "-m", "audit", *args], cwd=cwd, capture_output="stdout" not in kwargs,
                          text=True, timeout=300, preexec_fn=setup, **kwargs)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_sentence(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr and "OSError" not in stderr, stderr
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".ost-audit-")]


def test_a_private_output_stays_private_and_a_new_one_follows_the_umask(tmp_path):
    out = tmp_path / "rules.txt"
    out.write_text("old")
    out.chmod(0o600)
    assert run("rules", "-o", str(out), cwd=tmp_path).returncode == 0
    assert mode(out) == 0o600 and out.read_text(encoding="utf-8") != "old"
    fresh = tmp_path / "fresh.txt"
    assert run("rules", "-o", str(fresh), cwd=tmp_path, umask=0o077).returncode == 0
    assert mode(fresh) == 0o600
    shared = tmp_path / "shared.txt"
    assert run("rules", "-o", str(shared), cwd=tmp_path, umask=0o022).returncode == 0
    assert mode(shared) == 0o644


def test_a_private_annotated_copy_stays_private(tmp_path):
    ret = write_return(tmp_path / "r.xlsx", [client(1, AGE=5)])
    copy = tmp_path / "marked.xlsx"
    shutil.copy(ret, copy)
    copy.chmod(0o600)
    assert runner.invoke(app, ["validate", str(ret), "--annotate", str(copy)]).exit_code == 1
    assert mode(copy) == 0o600


def test_two_outputs_that_are_one_file_are_refused_before_any_work(tmp_path):
    ret = write_return(tmp_path / "r.xlsx", [client(1, AGE=5)])
    result = runner.invoke(app, ["validate", str(ret), "--output", str(tmp_path / "same.xlsx"),
                                 "--annotate", str(tmp_path / "sub" / ".." / "same.xlsx")])
    assert result.exit_code == 2
    line = one_sentence(result.stderr)
    assert "--output and --annotate" in line and "same.xlsx" in line
    assert not (tmp_path / "same.xlsx").exists()
    onto_input = runner.invoke(app, ["validate", str(ret), "--annotate", str(tmp_path / "." / "r.xlsx")])
    assert onto_input.exit_code == 2 and "is one of the inputs" in onto_input.stderr

    areas = tmp_path / "areas"
    (areas / "a").mkdir(parents=True)
    write_return(areas / "a" / "r.xlsx", [client(1)])
    compare = runner.invoke(app, ["compare", str(areas), "-o", str(tmp_path / "c.html"), "--csv", str(tmp_path / "c.html")])
    assert compare.exit_code == 2 and "--output and --csv" in one_sentence(compare.stderr)
    assert not (tmp_path / "c.html").exists() and not (tmp_path / "c-areas").exists()


def test_dash_is_standard_output(tmp_path):
    ret = write_return(tmp_path / "r.xlsx", [client(1, AGE=5)])
    for command in (["validate", str(ret), "-o", "-"], ["doses", str(ret), "--format", "json", "-o", "-"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1 and result.stdout.strip()
    page = runner.invoke(app, ["report", str(ret), "-o", "-", "--fail-on", "never"])
    assert page.exit_code == 0 and page.stdout.lstrip().lower().startswith("<!doctype html")
    assert not (Path("-")).exists() and not (tmp_path / "-").exists()


def test_a_read_only_folder_names_the_output_and_the_reason(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = os.geteuid() == 0  # root ignores permission bits; the immutable flag stops root too
    if immutable:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    try:
        for args in (["rules", "-o", str(folder / "rules.txt")], ["template", str(folder / "blank.xlsx")],
                     ["rules", "--format", "json", "-o", str(folder / "new" / "rules.json")]):
            result = run(*args, cwd=tmp_path)
            assert result.returncode == 2
            line = one_sentence(result.stderr)
            assert line.startswith(f"ost-audit: {folder}/") and "could not be written: permission denied" in line, line
            assert ".ost-audit-" not in line
        assert list(folder.iterdir()) == []
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def test_a_full_disk_on_standard_output(tmp_path):
    with open("/dev/full", "w") as full:
        result = run("rules", "--format", "json", cwd=tmp_path, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2
    assert one_sentence(result.stderr) == "ost-audit: standard output could not be written: the disk is full."


def test_a_full_disk_on_an_output_file(tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))
    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "rules.txt"
    result = runner.invoke(app, ["rules", "-o", str(out)])
    assert result.exit_code == 2
    assert one_sentence(result.stderr) == f"ost-audit: {out} could not be written: the disk is full."
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_full_disk_met_by_a_polars_writer(tmp_path):
    def writer(stream) -> None:
        stream.write(b"[")
        raise OSError("No space left on device (os error 28)")  # polars' sinks raise it so, without errno
    with pytest.raises(OutputRefused) as refused:
        write_output(tmp_path / "big.json", writer, [])
    assert refused.value.reason == "could not be written: the disk is full"
    assert leftovers(tmp_path) == [] and not (tmp_path / "big.json").exists()


def test_compare_page_to_standard_output(tmp_path, monkeypatch):
    areas = tmp_path / "areas"
    (areas / "a").mkdir(parents=True)
    write_return(areas / "a" / "r.xlsx", [client(1)])
    monkeypatch.chdir(tmp_path)
    page = runner.invoke(app, ["compare", str(areas), "-o", "-"])
    assert page.exit_code == 0 and page.stdout.lstrip().lower().startswith("<!doctype html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas"]  # no file named "-", no per-area pages
    both = runner.invoke(app, ["compare", str(areas), "-o", "-", "--format", "json"])
    assert both.exit_code == 2 and "standard output" in one_sentence(both.stderr)
