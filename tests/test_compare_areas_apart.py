"""compare keeps areas apart: one area's crash is its status, report pages never shared, a return in two
folders counted once, --public never beside client-level pages, Ctrl-C quiet, every area in the CSV."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from builders import SUBMISSION, client, write_return
from typer.testing import CliRunner

import audit.reporting.area
import audit.reporting.compare
from audit.cli import app
from audit.reporting.compare import compare_areas, csv_text, report_names, status_line

runner = CliRunner()


def area(root, name, n=6, code="E06990001", seed=0):
    folder = root / name
    folder.mkdir(parents=True)
    clients = [client(i, LA=code, DOSE_MG=40 + 10 * ((i + seed) % 9)) for i in range(1, n + 1)]
    write_return(folder / "return.xlsx", clients, submission=dict(SUBMISSION, LA_CODE=code, LA_NAME=name.title()))
    return folder


def test_a_crash_in_one_area_is_that_areas_status(tmp_path, monkeypatch):
    for k, name in enumerate(["alpha", "bravo", "charlie"]):
        area(tmp_path, name, code=f"E0699000{k}", seed=k)
    real = audit.reporting.area.audit_area

    def crashing(paths, *args, **kwargs):
        if str(paths[0]).endswith("bravo"):
            raise ZeroDivisionError("division by zero")
        return real(paths, *args, **kwargs)
    monkeypatch.setattr(audit.reporting.area, "audit_area", crashing)
    comparison = compare_areas(tmp_path, workers=1)
    by_name = {a.folder.rsplit("/", 1)[1]: a for a in comparison.areas}
    assert by_name["bravo"].status == "failed" and "ZeroDivisionError" in by_name["bravo"].reason
    assert by_name["bravo"].indicators == []
    assert by_name["alpha"].status == by_name["charlie"].status == "ok" and by_name["alpha"].indicators
    assert comparison.status_counts() == {"ok": 2, "failed": 1}
    assert status_line(comparison) == "compared 3 areas (2 ok, 1 failed)"
    assert any("bravo" in f.location.file for f in comparison.findings)


class _DyingPool(Executor):
    """A process pool whose worker dies while auditing `bravo` (as a worker killed for memory would)."""

    def __init__(self, *args, **kwargs):
        self.broken = False

    def submit(self, fn, *args, **kwargs):
        if self.broken:
            raise BrokenProcessPool("a process in the pool was terminated abruptly")
        future = Future()
        if args[0].endswith("bravo"):
            self.broken = True
            future.set_exception(BrokenProcessPool("a process in the pool was terminated abruptly"))
        else:
            future.set_result(fn(*args, **kwargs))
        return future


def test_a_dead_worker_fails_the_areas_it_held_and_the_rest_are_audited_here(tmp_path, monkeypatch):
    for k, name in enumerate(["alpha", "bravo", "charlie", "delta", "echo"]):
        area(tmp_path, name, code=f"E0699000{k}", seed=k)
    monkeypatch.setattr(audit.reporting.compare, "ProcessPoolExecutor", _DyingPool)
    comparison = compare_areas(tmp_path, workers=2)
    statuses = {a.folder.rsplit("/", 1)[1]: a.status for a in comparison.areas}
    assert statuses == {"alpha": "ok", "bravo": "failed", "charlie": "ok", "delta": "ok", "echo": "ok"}


def test_report_names_never_collide():
    from pathlib import Path

    folders = [Path(n) for n in ["north mere", "north-mere", "North Mere", "north-mere-2", "???", "!!!"]]
    names = report_names(folders)
    assert len({n.casefold() for n in names.values()}) == len(folders)
    assert names[Path("north mere")] == "north-mere.html"


def test_areas_with_similar_names_get_their_own_pages(tmp_path):
    areas = tmp_path / "areas"
    area(areas, "north mere", code="E06990001", seed=1)
    area(areas, "north-mere", code="E06990002", seed=2, n=9)
    comparison = compare_areas(areas, workers=1, report_dir=tmp_path / "pages")
    reports = [a.report for a in comparison.areas]
    assert len(set(reports)) == 2 and all(os.path.exists(r) for r in reports)
    pages = {a.report: open(a.report, encoding="utf-8").read() for a in comparison.areas}
    assert "E06990001" in pages[comparison.areas[0].report] and "E06990002" in pages[comparison.areas[1].report]


def test_the_same_return_in_two_areas_is_counted_once(tmp_path):
    first = area(tmp_path, "alpha", n=7)
    area(tmp_path, "bravo", n=9, code="E06990002", seed=3)
    copy = tmp_path / "charlie"
    copy.mkdir()
    shutil.copy(first / "return.xlsx", copy / "copy-of-alpha.xlsx")
    comparison = compare_areas(tmp_path, workers=1, public=True)
    by_name = {a.folder.rsplit("/", 1)[1]: a for a in comparison.areas}
    assert by_name["charlie"].status == "duplicate" and by_name["charlie"].reason.startswith("duplicate of alpha")
    assert by_name["charlie"].indicators == [] and by_name["charlie"].clients == 0
    pooled = comparison.pooled["naloxone-supplied"]
    assert pooled["denominator"] == sum(i.denominator for a in comparison.areas for i in a.indicators
                                        if i.id == "naloxone-supplied" and not i.suppressed)
    rows = list(csv.DictReader(io.StringIO(csv_text(comparison))))
    charlie = [r for r in rows if r["status"] == "duplicate"]
    assert len(charlie) == 1 and charlie[0]["reason"].startswith("duplicate of alpha") and charlie[0]["indicator"] == ""
    assert {r["area_name"] for r in rows} == {"Alpha", "Bravo", "charlie"}


def test_public_run_removes_an_earlier_runs_client_level_pages(tmp_path):
    areas = tmp_path / "areas"
    area(areas, "alpha")
    area(areas, "bravo", code="E06990002", seed=2)
    out = tmp_path / "compare.html"
    assert runner.invoke(app, ["compare", str(areas), "-o", str(out)]).exit_code == 0
    pages = tmp_path / "compare-areas"
    assert len(list(pages.glob("*.html"))) == 2
    public = runner.invoke(app, ["compare", str(areas), "-o", str(out), "--public"])
    assert public.exit_code == 0, public.stderr
    assert not pages.exists() and out.exists()
    pages.mkdir()
    (pages / "notes.docx").write_bytes(b"not ours")
    refused = runner.invoke(app, ["compare", str(areas), "-o", str(out), "--public"])
    assert refused.exit_code == 2 and "compare-areas" in refused.stderr and (pages / "notes.docx").exists()


def test_the_summary_line_counts_areas_by_status(tmp_path):
    area(tmp_path / "areas", "alpha")
    (tmp_path / "areas" / "empty").mkdir()
    result = runner.invoke(app, ["compare", str(tmp_path / "areas"), "-o", str(tmp_path / "c.html"),
                                 "--csv", str(tmp_path / "c.csv")])
    assert result.exit_code == 0
    assert " ".join(result.stderr.split()).startswith("compared 2 areas (1 ok, 1 no-return): wrote ")  # as wrapped
    rows = list(csv.DictReader((tmp_path / "c.csv").open(encoding="utf-8")))
    assert {r["area_name"]: r["status"] for r in rows} == {"Alpha": "ok", "empty": "no-return"}
    assert [r["reason"] for r in rows if r["status"] == "no-return"] == ["no usable return: indicators could not be computed"]


def _first_page_written(pages: Path, process: subprocess.Popen, limit: float = 120) -> None:
    """Wait until the first area page exists: the comparison is auditing (a fixed sleep races a fast machine)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if pages.is_dir() and any(p.suffix == ".html" for p in pages.iterdir()):
            return
        time.sleep(0.02)


@pytest.mark.parametrize("after", [0.4, 1.5, "auditing"])  # while importing, while workers start, once pages are written
def test_ctrl_c_is_one_line_and_exit_130(tmp_path, after):
    for k in range(40):  # enough that a quiet machine is still comparing at 1.5 s (14 areas took 1.3 s)
        area(tmp_path / "areas", f"area{k:02d}", n=60, code=f"E069900{k:02d}", seed=k)
    out = tmp_path / "compare.html"
    process = subprocess.Popen([sys.executable, "-m", "audit", "compare", str(tmp_path / "areas"), "-o", str(out)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    if after == "auditing":
        _first_page_written(tmp_path / "compare-areas", process)
    else:
        time.sleep(after)
    assert process.poll() is None, "the comparison ended before it could be interrupted; give it more areas"
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode in (130, -signal.SIGINT)  # exit 130, or (rarely, mid-shutdown) death by SIGINT: 130 to a shell
    assert stderr == "ost-audit: interrupted.\n"
    pages = tmp_path / "compare-areas"
    assert not pages.exists() or [p.name for p in pages.iterdir() if p.name.startswith(".ost-audit-")] == []
