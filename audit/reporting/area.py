"""One area's full audit: its return(s) judged against a guideline, its contract(s) scanned.

The report and the area comparison both start here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit import __version__
from audit.contracts.scan import ContractScan, contract_files, scan_contract
from audit.errors import InputRefused
from audit.findings import Finding
from audit.prescribing.doses import DoseAudit, IndicatorResult, audit_doses
from audit.prescribing.guidelines import Guideline, load_guideline
from audit.prescribing.history import History, build_history
from audit.prescribing.quarters import latest_period, pooled_indicators
from audit.reading.return_kind import ADVICE as OTHER_SPREADSHEETS
from audit.reporting.single_area import one_area
from audit.returns.schema import ReturnSchema

RETURN_SUFFIXES = (".xlsx",)


@dataclass
class AreaAudit:
    paths: list[str]
    guideline: Guideline
    returns: list[DoseAudit] = field(default_factory=list)
    contracts: list[ContractScan] = field(default_factory=list)
    refused: list[InputRefused] = field(default_factory=list)
    history: History | None = None  # when the folder holds several periods: every period, `returns` the latest
    ran_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    version: str = __version__

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.returns for f in r.all_findings] + [f for c in self.contracts for f in c.findings]

    @property
    def submission(self) -> dict[str, Any]:
        return self.returns[0].validated.submission if self.returns else {}

    @property
    def code(self) -> str | None:
        return self.submission.get("LA_CODE")

    @property
    def name(self) -> str:
        return str(self.submission.get("LA_NAME") or self.code or Path(self.paths[0]).name)

    @property
    def clients(self) -> int:
        return sum(r.validated.clients.height for r in self.returns)

    @property
    def synthetic(self) -> bool:
        return any(r.validated.synthetic for r in self.returns) or any(c.synthetic for c in self.contracts)

    @property
    def validation_errors(self) -> int:
        return sum(f.severity.value == "error" for r in self.returns for f in r.validated.findings)

    @property
    def indicators(self) -> list[IndicatorResult]:
        """The latest period's, pooled over its returns (see audit.prescribing.quarters: periods are never pooled)."""
        return pooled_indicators(self.returns, self.guideline) if self.returns else []

    @property
    def verdicts(self) -> dict[str, str]:
        """Across the area's contracts, the first that applies: any `yes`, any `review`, any `no`, else no evidence."""
        out = {}
        for key in ("pays_for_completion", "time_limits"):
            values = [c.verdicts[key] for c in self.contracts]
            out[key] = ("yes" if "yes" in values else "review" if "review" in values else "no" if "no" in values else
                        "no-evidence" if values and "no-evidence" in values else values[0] if values else "no-contract")
        return out

    @property
    def missing(self) -> list[str]:
        """What the folder lacks, said plainly for the report's empty states."""
        out = []
        if not self.returns:
            out.append("return")
        if not self.contracts:
            out.append("contract")
        return out

    def inputs(self) -> list[dict[str, str]]:
        returns = self.history.returns if self.history else self.returns
        return ([{"path": r.validated.path, "sha256": r.validated.sha256} for r in returns]
                + [{"path": c.file, "sha256": c.sha256} for c in self.contracts])


def area_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Returns (.xlsx) and contracts among the given files and folders."""
    returns, contracts = [], []
    for p in map(Path, paths):
        if not p.exists():
            raise InputRefused(p, "no such file or folder")
        if p.is_dir():
            returns += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in RETURN_SUFFIXES
                              and not f.name.startswith((".", "~$")))
            contracts += contract_files([p])
        elif p.suffix.lower() in RETURN_SUFFIXES:
            returns.append(p)
        elif p.suffix.lower() in OTHER_SPREADSHEETS:
            raise InputRefused(p, OTHER_SPREADSHEETS[p.suffix.lower()])
        else:
            contracts.append(p)
    return returns, contracts


def audit_area(paths: Iterable[str | Path], guideline: str = "uk-2017", strict: bool = True,
               schema: ReturnSchema | None = None, files: tuple[list[Path], list[Path]] | None = None) -> AreaAudit:
    """Audit everything in an area's folder(s). With `strict`, an unusable file stops the audit
    (exit 2 for the CLI); without, it is recorded and the rest is still audited (for compare).
    `schema` may carry an export's own headers (`--columns`); `files` is `area_files(paths)` when the
    caller has already found them (so the folders are walked once)."""
    paths = list(paths)
    rules = load_guideline(guideline)
    area = AreaAudit([str(p) for p in paths], rules)
    returns, contracts = files if files is not None else area_files(paths)
    for path in returns:
        try:
            area.returns.append(refuse_identifiable(audit_doses(path, rules, schema)))
        except InputRefused as exc:
            if strict:
                raise
            area.refused.append(exc)
    try:
        one_area(area.returns, paths)  # before the quarters are sorted out: several areas are never one area
        with_history(area)
    except InputRefused as exc:
        if strict:
            raise
        area.refused.append(exc)
        area.returns = []
    for path in contracts:
        try:
            area.contracts.append(scan_contract(path))
        except InputRefused as exc:
            if strict:
                raise
            area.refused.append(exc)
    return area


def with_history(area: AreaAudit) -> None:
    """Several periods in one folder: current figures from the latest only, the rest as the over-time view."""
    area.returns, earlier = latest_period(area.returns)
    if earlier:
        area.history = build_history([*earlier, *area.returns], area.guideline)


def refuse_identifiable(audit: DoseAudit) -> DoseAudit:
    """Reports are shared: a return carrying NHS numbers as client ids is not reported at all."""
    rows = [f.location.row for f in audit.validated.findings if f.rule == "RET-NHS-NUMBER"]
    if rows:
        shown = ", ".join(str(r) for r in rows[:5]) + (" ..." if len(rows) > 5 else "")
        raise InputRefused(audit.validated.path, f"has client ids that look like NHS numbers (OST rows {shown}); "
                                                 "replace them with pseudonymised ids before reporting")
    return audit
