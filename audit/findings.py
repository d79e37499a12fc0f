"""One finding shape for everything: validation, doses and contracts.

Reports, JSON and the annotated workbook all render these objects, so a new
check only has to produce Findings to appear everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Lower is worse: used to sort worst first."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]

    def lowered(self) -> Severity:
        """One level down (error to warning, warning to info)."""
        return {"error": Severity.WARNING, "warning": Severity.INFO, "info": Severity.INFO}[self.value]


@dataclass(slots=True)
class Location:
    """Where a finding is: a cell in a workbook or a place in a contract."""

    file: str
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None
    column: str | None = None
    page: int | None = None
    clause: str | None = None
    paragraph: int | None = None
    table: int | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}

    def label(self) -> str:
        """Human form: `OST!J17`, `contract.pdf p.3 clause 7.2`."""
        if self.cell:
            return f"{self.sheet}!{self.cell}" if self.sheet else self.cell
        parts = []
        for key, fmt in (("page", "p.{}"), ("clause", "clause {}"), ("paragraph", "para {}"),
                         ("table", "table {}"), ("row", "row {}"), ("line", "line {}")):
            value = getattr(self, key)
            if value is not None:
                parts.append(fmt.format(value))
        if self.sheet and not parts:
            parts.append(f"sheet {self.sheet}")
        return " ".join(parts)


@dataclass(slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    location: Location
    value: Any = None
    client: str | None = None
    citation: str | None = None
    fix: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_dict(),
            "value": self.value,
            "client": self.client,
            "citation": self.citation,
        }
        if self.fix:
            out["fix"] = self.fix
        out.update(self.extra)
        return out

    def sort_key(self) -> tuple:
        loc = self.location
        return (self.severity.rank, loc.file, loc.sheet or "", loc.row or 0, loc.column or "", self.rule)


def summarise(findings: Iterable[Finding]) -> dict[str, int]:
    """Counts by severity, every level present even when zero."""
    counts = Counter(f.severity.value for f in findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def worst_first(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def fails(findings: Iterable[Finding], fail_on: str) -> bool:
    """True when any finding is at or above the `--fail-on` level."""
    if fail_on == "never":
        return False
    threshold = Severity(fail_on).rank
    return any(f.severity.rank <= threshold for f in findings)
