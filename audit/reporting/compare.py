"""Compare areas fairly: pooled proportions, funnel positions, suppression for publication.

Each sub-folder of AREAS_DIR is an area. Areas are audited in parallel, in
this process and in worker processes (one per further core); each worker
returns a small summary, and writes the area's own report when asked, so no
client-level data crosses back. An area that cannot be audited is that
area's status, with its reason; the others are still compared.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import signal
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from audit.contracts.categories import QUESTION_WORDS
from audit.errors import InputRefused
from audit.findings import Finding, Location, Severity
from audit.prescribing.doses import IndicatorResult
from audit.printable import visible
from audit.reporting.funnel import MIN_DENOMINATOR, POSITIONS, funnel_charts, place, pooled_basis
from audit.reporting.stats import wilson
from audit.xlsx_write import FORMULA_START

SUPPRESSED = "*"


@dataclass
class AreaIndicator(IndicatorResult):
    """An area's indicator with its place on the funnel, and whether it may be published."""

    position: str | None = None
    suppressed: bool = False

    def to_dict(self) -> dict[str, Any]:
        keys = ("numerator", "denominator", "value", "ci_low", "ci_high", "position")
        out = {"id": self.id, "label": self.label}
        out.update({k: (SUPPRESSED if self.suppressed else getattr(self, k)) for k in keys})
        if self.suppressed:
            out["position"] = None
        return out


@dataclass
class AreaSummary:
    """What the comparison needs of one area; no client-level data."""

    folder: str
    code: str | None
    name: str
    clients: int
    indicators: list[AreaIndicator]
    verdicts: dict[str, str]
    validation_errors: int
    status: str  # ok, validation-errors, no-return, unreadable, failed, duplicate
    notes: list[str] = field(default_factory=list)
    report: str | None = None
    clients_suppressed: bool = False
    changes: dict[str, str] = field(default_factory=dict)  # indicator -> verdict, first quarter to latest
    changes_since: str | None = None  # the first quarter's start, when the folder holds several
    small_first: set[str] = field(default_factory=set)  # indicators whose first-quarter counts are 1-4
    reason: str | None = None  # why the status is not ok, in a few words

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "code": self.code, "name": self.name,
                "clients": SUPPRESSED if self.clients_suppressed else self.clients,
                "status": self.status, "reason": self.reason, "notes": self.notes,
                "validation_errors": self.validation_errors,
                "verdicts": self.verdicts, "report": self.report, "changes_since": self.changes_since,
                "indicators": [dict(i.to_dict(), change=self.changes.get(i.id)) for i in self.indicators]}


@dataclass
class Comparison:
    areas: list[AreaSummary]
    pooled: dict[str, dict[str, Any]]
    labels: dict[str, str]
    public: bool
    guideline: str
    findings: list[Finding] = field(default_factory=list)

    def status_counts(self) -> dict[str, int]:
        """Areas by status, most common first."""
        return dict(Counter(a.status for a in self.areas).most_common())

    def to_dict(self) -> dict[str, Any]:
        """What `compare --format json` holds beside the envelope (cli.md)."""
        return {"guideline": self.guideline, "public": self.public, "pooled": list(self.pooled.values()),
                "areas": [a.to_dict() for a in self.areas]}


def _summarise(folder: str, guideline: str, report: str | None) -> AreaSummary:
    """Audit one area folder (runs in a worker process); `report` is where its page goes, if anywhere."""
    from audit.reporting.area import audit_area

    area = audit_area([folder], guideline, strict=False)
    notes = [f"not read: {Path(exc.path).name} {exc.reason}" for exc in area.refused]
    reason = None
    if not area.returns:
        unread = [e for e in area.refused if Path(e.path).suffix.lower() == ".xlsx"]
        status = "unreadable" if unread else "no-return"
        reason = "no usable return: indicators could not be computed"
        notes.append(reason)
        if unread:  # the CSV has no notes column: its reason says which return was refused and why
            reason += f" ({Path(unread[0].path).name} {unread[0].reason}" + (f"; and {len(unread) - 1} more" if len(unread) > 1 else "") + ")"
    elif area.validation_errors:
        status = "validation-errors"
        not_judged = sum(i.not_judged for i in area.indicators)
        reason = f"{area.validation_errors} validation error{'' if area.validation_errors == 1 else 's'}"
        notes.append(f"{reason}: indicators use only the clients whose fields are valid"
                     + (f" ({not_judged} client-indicator pairs left out)" if not_judged else ""))
    else:
        status = "ok"
    if not area.contracts:
        notes.append("no contract: payment and time limits not checked")
    if report is not None:
        from audit.reporting.report import compare_page_href, write_report

        write_report(area, report, compare_href=compare_page_href(Path(report).parent))
    indicators = [AreaIndicator(**asdict(i)) for i in area.indicators]
    summary = AreaSummary(folder, area.code, area.name if area.returns else Path(folder).name, area.clients, indicators,
                          area.verdicts, area.validation_errors, status, notes, report, reason=reason)
    if area.history:
        summary.changes_since = area.history.quarters[0].period.start.isoformat()
        summary.notes.append(f"latest of {len(area.history.quarters)} quarters")
        # the first quarter's counts are published nowhere else: a change from small ones is not shown publicly
        summary.changes = {c.id: c.verdict for c in area.history.changes}
        summary.small_first = {c.id for c in area.history.changes if _small_cell(c.first.numerator, c.first.denominator)}
    return summary


def _summarise_safely(folder: str, guideline: str, report: str | None) -> AreaSummary:
    """`_summarise`, with anything unexpected in one area made that area's status (the rest are still compared)."""
    try:
        return _summarise(folder, guideline, report)
    except Exception as exc:  # noqa: BLE001 - an area's crash must not abort the comparison
        first = str(exc).splitlines()[0] if str(exc) else ""
        return _unaudited(folder, "failed", f"could not be audited ({type(exc).__name__}{': ' + first if first else ''})")


def _unaudited(folder: str | Path, status: str, reason: str) -> AreaSummary:
    return AreaSummary(str(folder), None, Path(folder).name, 0, [], {}, 0, status, [reason], reason=reason)


def report_names(folders: list[Path]) -> dict[Path, str]:
    """A report file name per area folder, unique even where names differ only by spaces,
    punctuation or case ("north mere", "north-mere", "North Mere"): never one page for two areas."""
    names: dict[Path, str] = {}
    taken: set[str] = set()
    for folder in folders:
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", folder.name).strip("-") or "area"
        name, n = slug, 1
        while name.casefold() in taken:
            n += 1
            name = f"{slug}-{n}"
        taken.add(name.casefold())
        names[folder] = f"{name}.html"
    return names


def duplicate_returns(folders: list[Path]) -> dict[Path, str]:
    """Areas holding a return (same bytes, by sha256) that an earlier area holds too, with the reason.

    Counted twice, one return would let a suppressed count be worked back from the published totals,
    so the second copy is not counted at all."""
    from audit.reporting.area import area_files

    first_seen: dict[str, tuple[Path, Path]] = {}
    duplicates: dict[Path, str] = {}
    for folder in folders:
        try:
            returns, _ = area_files([folder])
        except InputRefused:
            continue
        for path in returns:
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                continue  # unreadable: the audit says so
            if digest in first_seen and folder not in duplicates:
                other, other_file = first_seen[digest]
                duplicates[folder] = (f"holds the same return twice ({other_file.name}, {path.name}), so it is not counted"
                                      if other == folder else
                                      f"duplicate of {other.name}: {path.name} is the same file as {other_file.name} there, "
                                      "so it is not counted twice")
            first_seen.setdefault(digest, (folder, path))
    return duplicates


def clear_private_pages(report_dir: Path, inputs: Path) -> None:
    """Before a --public page is written beside it, remove an earlier run's client-level area pages.

    Only a folder of compare's own pages (nothing but .html files, none of them an input) is
    removed; anything else there is refused, so nothing else is ever deleted."""
    if not report_dir.exists():
        return
    resolved, root = report_dir.resolve(), inputs.resolve()
    inside = resolved == root or root in resolved.parents or resolved in root.parents
    entries = list(report_dir.iterdir()) if report_dir.is_dir() else []
    if inside or not report_dir.is_dir() or any(not (p.is_file() and p.suffix == ".html") for p in entries):
        raise InputRefused(report_dir, "holds client-level pages or other files from an earlier run, and a --public "
                                       "page must not sit beside them; move or delete that folder, or write the "
                                       "public page elsewhere")
    shutil.rmtree(report_dir)


def area_folders(root: Path) -> list[Path]:
    """The areas of AREAS_DIR: its sub-folders, hidden ones left out; refused when there are none."""
    if not root.is_dir():
        raise InputRefused(root, "is not a folder of areas (one sub-folder per area)")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise InputRefused(root, "has no area sub-folders")
    return folders


def area_inputs(root: Path) -> list[Path]:
    """Every file under AREAS_DIR: no output may be written over one of them."""
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


def pages_folder(page: Path) -> Path:
    """Where the per-area pages of a compare page go: `compare.html` beside `compare-areas/`."""
    return page.parent / f"{page.stem}-areas"


def compare_to_files(areas_dir: str | Path, guideline: str = "uk-2017", *, public: bool = False,
                     page: Path | None = None, csv_path: Path | None = None,
                     on_area: Callable[[str], None] | None = None) -> Comparison:
    """What `ost-audit compare` does: compare the areas, then write the HTML `page` (its area pages beside it
    in `pages_folder(page)`, none when `public`) and the CSV, each only when asked; never over an input."""
    from audit.reporting.output import write_output

    root = Path(areas_dir)
    inputs = area_inputs(root)
    comparison = compare_areas(root, guideline, public=public, on_area=on_area,
                               report_dir=None if page is None else pages_folder(page))
    if page is not None:
        write_output(page, render_compare(comparison, page), inputs)
    if csv_path is not None:
        write_output(csv_path, csv_text(comparison), inputs)
    return comparison


def compare_areas(areas_dir: str | Path, guideline: str = "uk-2017", *, public: bool = False,
                  report_dir: str | Path | None = None, workers: int | None = None,
                  on_area: Callable[[str], None] | None = None) -> Comparison:
    """Audit every sub-folder of AREAS_DIR and place each area on each indicator's funnel."""
    from audit.prescribing.guidelines import load_guideline

    root = Path(areas_dir)
    folders = area_folders(root)
    rules = load_guideline(guideline)
    labels = {i.id: i.label for i in rules.indicators}
    if public and report_dir is not None:
        clear_private_pages(Path(report_dir), root)
    names = report_names(folders)
    reports = {f: None if (public or report_dir is None) else str(Path(report_dir) / names[f]) for f in folders}
    duplicates = duplicate_returns(folders)
    summaries = [_unaudited(f, "duplicate", why) for f, why in duplicates.items()]
    for folder in duplicates:
        if on_area:
            on_area(folder.name)
    todo = [f for f in folders if f not in duplicates]
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    summaries += _audit_all(todo, guideline, reports, workers, on_area)
    summaries.sort(key=lambda s: s.folder)
    if public:
        suppress(summaries)
    pooled = place_on_funnels(summaries, labels)
    findings = [Finding("CMP-AREA-INCOMPLETE", Severity.WARNING, f"{s.name}: {'; '.join(s.notes)}", Location(s.folder))
                for s in summaries if s.status != "ok"]
    return Comparison(summaries, pooled, labels, public, guideline, findings)


def _audit_all(folders: list[Path], guideline: str, reports: dict[Path, str | None], workers: int,
               on_area: Callable[[str], None] | None) -> list[AreaSummary]:
    """Areas on `workers - 1` processes and on this one, which takes them from the far end of the list.

    A spawned worker spends its first second importing; this process has its
    imports done and audits areas meanwhile. Each worker holds two areas at
    most, so it never waits on this process for work, nor is left with a tail.
    With one worker wanted, this process audits them all and spawns nothing.
    A worker that dies (killed for memory, say) fails the areas it held; the
    rest are audited here. Ctrl-C stops the workers quietly (see _start_worker).
    """
    pending, summaries = deque(folders), []
    running: dict[Future, Path] = {}

    def finished(summary: AreaSummary, folder: Path) -> None:
        summaries.append(summary)
        if on_area:
            on_area(folder.name)

    pool = (ProcessPoolExecutor(max_workers=workers - 1, mp_context=get_context("spawn"), initializer=_start_worker)
            if workers > 1 else nullcontext())
    pool_usable = workers > 1
    with pool:
        try:
            while pending or running:
                while pool_usable and len(pending) > 1 and len(running) < 2 * (workers - 1):
                    folder = pending.popleft()
                    try:
                        with _sigint_deferred():  # a worker starting now inherits the block: no traceback mid-import
                            running[pool.submit(_summarise_safely, str(folder), guideline, reports[folder])] = folder
                    except BrokenProcessPool:
                        pending.appendleft(folder)
                        pool_usable = False
                if pending:
                    folder = pending.pop()
                    finished(_summarise_safely(str(folder), guideline, reports[folder]), folder)
                    done = [f for f in running if f.done()]
                else:
                    done = wait(running, return_when=FIRST_COMPLETED).done
                for future in done:
                    folder = running.pop(future)
                    try:
                        summary = future.result()
                    except BrokenProcessPool:
                        pool_usable = False
                        summary = _unaudited(folder, "failed", "could not be audited: the worker process auditing it "
                                                               "stopped (out of memory, or a crash in a reader)")
                    finished(summary, folder)
        except KeyboardInterrupt:
            if workers > 1:
                pool.shutdown(wait=False, cancel_futures=True)
            raise
    return summaries


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C back while a worker may be starting: it inherits the blocked signal and so cannot
    be interrupted while it imports; `_start_worker` then sets its own handling."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _start_worker() -> None:
    """In a worker: Ctrl-C (sent to the whole process group) ends it quietly, never with a traceback.

    A Ctrl-C held back while it started is dropped (SIG_IGN discards it); later ones exit the worker
    through SystemExit, so a report half written is removed on the way out (see write_atomic). The process-wide
    settings are the command's (audit/settings.py)."""
    from audit import settings

    settings.apply()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))


def is_small(count: int) -> bool:
    return 1 <= count <= 4


def suppress(areas: list[AreaSummary]) -> None:
    """Mark every indicator from which a count of 1-4 could be worked back.

    A cell is suppressed when its numerator, denominator or the complement
    (denominator minus numerator) is 1-4: the complement matters because the
    denominator and the percentage together give it away.
    """
    for area in areas:
        area.clients_suppressed = is_small(area.clients)
        for ind in area.indicators:
            ind.suppressed = _small_cell(ind.numerator, ind.denominator)
        area.changes = {k: v for k, v in area.changes.items()
                        if k not in area.small_first and not any(i.suppressed for i in area.indicators if i.id == k)}


def _small_cell(numerator: int, denominator: int) -> bool:
    return is_small(numerator) or is_small(denominator) or is_small(denominator - numerator)


def place_on_funnels(areas: list[AreaSummary], labels: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Pooled proportion per indicator (over published areas only) and each area's position."""
    pooled: dict[str, dict[str, Any]] = {}
    for ind_id, label in labels.items():
        cells = [i for a in areas for i in a.indicators if i.id == ind_id and not i.suppressed and i.denominator > 0]
        n = sum(i.numerator for i in cells)
        d = sum(i.denominator for i in cells)
        target = n / d if d else None
        lo, hi = wilson(n, d) if d else (None, None)
        pooled[ind_id] = {"id": ind_id, "label": label, "numerator": n, "denominator": d, "value": target,
                          "ci_low": lo, "ci_high": hi, "areas": len(cells), "min_denominator": MIN_DENOMINATOR}
        for cell in cells:
            cell.position = place(cell.numerator, cell.denominator, target)
    return pooled


def status_line(comparison: Comparison) -> str:
    """`compared 5 areas (3 ok, 1 validation-errors, 1 failed)`: every area counted once, by status."""
    from audit.reporting.output import plural

    counts = ", ".join(f"{n} {status}" for status, n in comparison.status_counts().items())
    return f"compared {plural(len(comparison.areas), 'area')} ({counts})"


def csv_text(comparison: Comparison) -> str:
    """One row per area and indicator, and one for an area without indicators, each with the area's status
    and the reason for it; safe to open in Excel (formula-like cells neutralised, hidden characters shown)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["area_code", "area_name", "status", "reason", "indicator", "numerator", "denominator", "value",
                     "ci_low", "ci_high", "position"])
    for area in comparison.areas:
        head = (area.code or "", area.name, area.status, area.reason or "")
        rows = [(ind.id, d["numerator"], d["denominator"], _round(d["value"]), _round(d["ci_low"]), _round(d["ci_high"]),
                 d["position"] or "") for ind in area.indicators for d in [ind.to_dict()]] or [("",) * 7]
        for row in rows:
            writer.writerow([safe_cell(visible(v) if isinstance(v, str) else v) for v in (*head, *row)])
    return buffer.getvalue()


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else ("" if value is None else value)


def safe_cell(value: Any) -> Any:
    """Text starting with = + - @ (or a tab/CR) gets a leading apostrophe so Excel shows it as text."""
    if isinstance(value, str) and value.startswith((*FORMULA_START, "\t", "\r")):
        return "'" + value
    return value


CHANGE_WORDS = {"improved": "improved", "worse": "worse", "no-clear-change": "no clear change"}
# The narrowest a matrix column gets: its longest word ("Buprenorphine" in a header, "(suppressed)" in a cell)
# at the matrix's type size, measured in Chromium, plus padding; and the page's own padding either side.
MATRIX_COLUMN_PX, PAGE_PADDING_PX = 94, 40


def matrix_cards_below(comparison: Comparison) -> int:
    """The window width (px) under which the matrix is shown as one card per area: below it the columns
    cannot fit side by side and the page would scroll sideways."""
    columns = 3 + len(comparison.pooled) + len(QUESTION_WORDS)  # area, clients, status; indicators; contract questions
    return columns * MATRIX_COLUMN_PX + PAGE_PADDING_PX


def render_compare(comparison: Comparison, output: Path) -> str:
    import datetime as dt

    from audit import __version__
    from audit.reporting.report import VERDICT_CLASS, environment

    rows = []
    for area in comparison.areas:
        row = dict(area.__dict__)
        row["by_id"] = {i.id: i for i in area.indicators}
        row["report_href"] = os.path.relpath(area.report, output.parent) if area.report else None
        rows.append(row)
    return environment().get_template("compare.html.j2").render(
        comparison=comparison, areas=rows, pooled=comparison.pooled, positions=POSITIONS, funnels=funnel_charts(comparison),
        min_denominator=MIN_DENOMINATOR, pooled_basis=pooled_basis(comparison.public), change_words=CHANGE_WORDS,
        verdict_class=VERDICT_CLASS, matrix_cards_below=matrix_cards_below(comparison), version=__version__, synthetic=any("SYNTHETIC" in a.name.upper() for a in comparison.areas),
        ran_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
