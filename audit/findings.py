"""One finding shape for everything: validation, doses and contracts.

Reports, JSON and the annotated workbook all render these objects, so a new
check only has to produce Findings to appear everywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, BinaryIO


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
        out = {"file": self.file}
        for key, value in (("sheet", self.sheet), ("cell", self.cell), ("row", self.row), ("column", self.column),
                           ("page", self.page), ("clause", self.clause), ("paragraph", self.paragraph),
                           ("table", self.table), ("line", self.line)):
            if value is not None:
                out[key] = value
        return out

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
        return (_RANK[self.severity], loc.file, loc.sheet or "", loc.row or 0, loc.column or "", self.rule)


_RANK = {s: s.rank for s in Severity}


def summarise(findings: Iterable[Finding]) -> dict[str, int]:
    """Counts by severity, every level present even when zero."""
    counts = Counter(f.severity.value for f in findings)
    return {s.value: counts.get(s.value, 0) for s in Severity}


def worst_first(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=Finding.sort_key)


def fails(findings: Iterable[Finding], fail_on: str) -> bool:
    """True when any finding is at or above the `--fail-on` level."""
    return fails_counts(summarise(findings), fail_on)


def fails_counts(counts: dict[str, int], fail_on: str) -> bool:
    """`fails` from counts by severity, for results too big to hold as objects."""
    if fail_on == "never":
        return False
    threshold = Severity(fail_on).rank
    return any(counts.get(s.value, 0) for s in Severity if s.rank <= threshold)


# --- the same shape as a polars frame, for results with tens of thousands of findings ---

LOCATION_FIELDS = ("file", "sheet", "cell", "row", "column")


def _frame_schema():
    import polars as pl

    return {"rule": pl.String, "severity": pl.String, "message": pl.String,
            "location": pl.Struct({"file": pl.String, "sheet": pl.String, "cell": pl.String, "row": pl.Int64, "column": pl.String}),
            "value": pl.String, "client": pl.String, "citation": pl.String, "fix": pl.String, "confidence": pl.String}


def empty_findings_frame():
    import polars as pl

    return pl.DataFrame(schema=_frame_schema())


def findings_frame(findings: list[Finding]):
    """Workbook findings as a frame with the JSON shape (value as text, fix and confidence always present)."""
    import polars as pl

    rows = [{"rule": f.rule, "severity": f.severity.value, "message": f.message,
             "location": {k: getattr(f.location, k) for k in LOCATION_FIELDS},
             "value": None if f.value is None else str(f.value), "client": f.client, "citation": f.citation,
             "fix": f.fix, "confidence": f.extra.get("confidence")} for f in findings]
    return pl.DataFrame(rows, schema=_frame_schema()) if rows else empty_findings_frame()


def sort_findings_frame(frame):
    """Worst first, then by file, sheet, row, column and rule: the order of `worst_first`."""
    import polars as pl

    rank = pl.col("severity").replace_strict({s.value: s.rank for s in Severity}, return_dtype=pl.Int8)
    loc = pl.col("location").struct
    return frame.sort([rank, loc.field("file"), loc.field("sheet").fill_null(""), loc.field("row").fill_null(0),
                       loc.field("column").fill_null(""), pl.col("rule")])


def write_findings_json(frame, stream: BinaryIO) -> None:
    """The frame as a JSON array, one finding a line, encoded and written by polars.

    A big audit's findings never become one Python string: building and copying
    one costs more (in fresh memory pages) than the audit itself.
    """
    import polars as pl

    if frame.height == 0:
        stream.write(b"[]")
        return
    lines = frame.lazy().select(pl.struct(pl.all()).struct.json_encode())
    stream.write(b"[\n")
    # JSON text never holds a raw newline or needs CSV quoting, so each record is written as it is;
    # the streaming sink encodes on every core, in order.
    lines.slice(0, frame.height - 1).sink_csv(stream, include_header=False, quote_style="never", line_terminator=",\n")
    lines.slice(frame.height - 1).collect().write_csv(stream, include_header=False, quote_style="never", line_terminator="\n")
    stream.write(b"]")

