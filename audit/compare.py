"""Compare areas fairly: pooled proportions, funnel positions, suppression for publication.

Each sub-folder of AREAS_DIR is an area. Areas are audited in parallel, in
this process and in worker processes (one per further core); each worker
returns a small summary, and writes the area's own report when asked, so no
client-level data crosses back.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from audit.doses import IndicatorResult
from audit.errors import InputRefused
from audit.findings import Finding, Location, Severity
from audit.stats import funnel_limits, funnel_position, wilson
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
    status: str  # ok, validation-errors, no-return, unreadable
    notes: list[str] = field(default_factory=list)
    report: str | None = None
    clients_suppressed: bool = False
    changes: dict[str, str] = field(default_factory=dict)  # indicator -> verdict, first quarter to latest
    changes_since: str | None = None  # the first quarter's start, when the folder holds several
    small_first: set[str] = field(default_factory=set)  # indicators whose first-quarter counts are 1-4

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "code": self.code, "name": self.name,
                "clients": SUPPRESSED if self.clients_suppressed else self.clients,
                "status": self.status, "notes": self.notes, "validation_errors": self.validation_errors,
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


def _summarise(folder: str, guideline: str, report_dir: str | None) -> AreaSummary:
    """Audit one area folder (runs in a worker process)."""
    from audit.area import audit_area

    area = audit_area([folder], guideline, strict=False)
    notes = [f"not read: {Path(exc.path).name} {exc.reason}" for exc in area.refused]
    if not area.returns:
        status = "unreadable" if any(Path(e.path).suffix.lower() == ".xlsx" for e in area.refused) else "no-return"
        notes.append("no usable return: indicators could not be computed")
    elif area.validation_errors:
        status = "validation-errors"
        not_judged = sum(i.not_judged for i in area.indicators)
        notes.append(f"{area.validation_errors} validation error(s): indicators use only the clients whose fields are valid"
                     + (f" ({not_judged} client-indicator pairs left out)" if not_judged else ""))
    else:
        status = "ok"
    if not area.contracts:
        notes.append("no contract: payment and time limits not checked")
    report = None
    if report_dir is not None:
        from audit.report import write_report

        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(folder).name).strip("-") or "area"
        target = Path(report_dir) / f"{slug}.html"
        write_report(area, target)
        report = str(target)
    indicators = [AreaIndicator(**asdict(i)) for i in area.indicators]
    summary = AreaSummary(folder, area.code, area.name if area.returns else Path(folder).name, area.clients, indicators,
                          area.verdicts, area.validation_errors, status, notes, report)
    if area.history:
        summary.changes_since = area.history.quarters[0].period.start.isoformat()
        summary.notes.append(f"latest of {len(area.history.quarters)} quarters")
        # the first quarter's counts are published nowhere else: a change from small ones is not shown publicly
        summary.changes = {c.id: c.verdict for c in area.history.changes}
        summary.small_first = {c.id for c in area.history.changes if _small_cell(c.first.numerator, c.first.denominator)}
    return summary


def compare_areas(areas_dir: str | Path, guideline: str = "uk-2017", *, public: bool = False,
                  report_dir: str | Path | None = None, workers: int | None = None,
                  on_area: Callable[[str], None] | None = None) -> Comparison:
    """Audit every sub-folder of AREAS_DIR and place each area on each indicator's funnel."""
    from audit.guidelines import load_guideline

    root = Path(areas_dir)
    if not root.is_dir():
        raise InputRefused(root, "is not a folder of areas (one sub-folder per area)")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise InputRefused(root, "has no area sub-folders")
    rules = load_guideline(guideline)
    labels = {i.id: i.label for i in rules.indicators}
    report_target = None if (public or report_dir is None) else str(report_dir)
    workers = max(1, min(workers or os.cpu_count() or 1, len(folders)))
    summaries = _audit_all(folders, guideline, report_target, workers, on_area)
    summaries.sort(key=lambda s: s.folder)
    if public:
        suppress(summaries)
    pooled = place_on_funnels(summaries, labels)
    findings = [Finding("CMP-AREA-INCOMPLETE", Severity.WARNING, f"{s.name}: {'; '.join(s.notes)}", Location(s.folder))
                for s in summaries if s.status != "ok"]
    return Comparison(summaries, pooled, labels, public, guideline, findings)


def _audit_all(folders: list[Path], guideline: str, report_target: str | None, workers: int,
               on_area: Callable[[str], None] | None) -> list[AreaSummary]:
    """Areas on `workers - 1` processes and on this one, which takes them from the far end of the list.

    A spawned worker spends its first second importing; this process has its
    imports done and audits areas meanwhile. Each worker holds two areas at
    most, so it never waits on this process for work, nor is left with a tail.
    With one worker wanted, this process audits them all and spawns nothing.
    """
    pending, summaries = deque(folders), []
    running: dict[Future, Path] = {}

    def finished(summary: AreaSummary, folder: Path) -> None:
        summaries.append(summary)
        if on_area:
            on_area(folder.name)

    pool = ProcessPoolExecutor(max_workers=workers - 1, mp_context=get_context("spawn")) if workers > 1 else nullcontext()
    with pool:
        while pending or running:
            while len(pending) > 1 and len(running) < 2 * (workers - 1):
                folder = pending.popleft()
                running[pool.submit(_summarise, str(folder), guideline, report_target)] = folder
            if pending:
                folder = pending.pop()
                finished(_summarise(str(folder), guideline, report_target), folder)
                done = [f for f in running if f.done()]
            else:
                done = wait(running, return_when=FIRST_COMPLETED).done
            for future in done:
                finished(future.result(), running.pop(future))
    return summaries


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
                          "ci_low": lo, "ci_high": hi, "areas": len(cells)}
        for cell in cells:
            cell.position = funnel_position(cell.numerator, cell.denominator, target) if target is not None else None
    return pooled


def funnel_svgs(comparison: Comparison) -> dict[str, str]:
    """One funnel plot per indicator; points labelled by LA code or area number."""
    from audit.svg import funnel

    out = {}
    for ind_id, pool in comparison.pooled.items():
        if not pool["denominator"]:
            continue
        points = []
        for number, area in enumerate(comparison.areas, start=1):
            for ind in area.indicators:
                if ind.id == ind_id and not ind.suppressed and ind.denominator:
                    points.append((area_label(area, number), ind.numerator, ind.denominator))
        out[ind_id] = funnel(points, pool["value"], lambda n, t=pool["value"]: funnel_limits(t, n), pool["label"])
    return out


def area_label(area: AreaSummary, number: int) -> str:
    """A short, safe label for charts: the validated LA code, else the area's number."""
    return area.code if area.code and re.fullmatch(r"E\d{8}", area.code) else f"#{number}"


def csv_text(comparison: Comparison) -> str:
    """One row per area and indicator; safe to open in Excel (formula-like cells neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["area_code", "area_name", "status", "indicator", "numerator", "denominator", "value", "ci_low", "ci_high", "position"])
    for area in comparison.areas:
        for ind in area.indicators:
            d = ind.to_dict()
            writer.writerow([safe_cell(v) for v in (area.code or "", area.name, area.status, ind.id, d["numerator"], d["denominator"],
                                                    _round(d["value"]), _round(d["ci_low"]), _round(d["ci_high"]), d["position"] or "")])
    return buffer.getvalue()


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else ("" if value is None else value)


def safe_cell(value: Any) -> Any:
    """Text starting with = + - @ (or a tab/CR) gets a leading apostrophe so Excel shows it as text."""
    if isinstance(value, str) and value.startswith((*FORMULA_START, "\t", "\r")):
        return "'" + value
    return value


POSITIONS = {
    "above-99.8": {"symbol": "\u25b2\u25b2", "words": "above the 99.8% limit", "css": {"high": "pos-good2", "low": "pos-bad2"}},
    "above-95": {"symbol": "\u25b2", "words": "above the 95% limit", "css": {"high": "pos-good1", "low": "pos-bad1"}},
    "within": {"symbol": "\u25cf", "words": "within the limits", "css": {"high": "pos-within", "low": "pos-within"}},
    "below-95": {"symbol": "\u25bc", "words": "below the 95% limit", "css": {"high": "pos-bad1", "low": "pos-good1"}},
    "below-99.8": {"symbol": "\u25bc\u25bc", "words": "below the 99.8% limit", "css": {"high": "pos-bad2", "low": "pos-good2"}},
}


CHANGE_WORDS = {"improved": "improved", "worse": "worse", "no-clear-change": "no clear change"}


def render_compare(comparison: Comparison, output: Path) -> str:
    import datetime as dt

    from audit import __version__
    from audit.report import VERDICT_CLASS, environment

    rows = []
    for area in comparison.areas:
        row = dict(area.__dict__)
        row["by_id"] = {i.id: i for i in area.indicators}
        row["report_href"] = os.path.relpath(area.report, output.parent) if area.report else None
        rows.append(row)
    return environment().get_template("compare.html.j2").render(
        comparison=comparison, areas=rows, pooled=comparison.pooled, positions=POSITIONS, funnels=funnel_svgs(comparison),
        verdict_class=VERDICT_CLASS, change_words=CHANGE_WORDS, version=__version__, synthetic=any("SYNTHETIC" in a.name.upper() for a in comparison.areas),
        ran_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
