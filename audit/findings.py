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

# The JSON finding (cli.md, docs/finding.schema.json): these keys, in this order, on every finding.
FINDING_KEYS = ("rule", "severity", "message", "location", "value", "client", "citation", "fix", "confidence",
                "category", "quote", "trigger", "certainty", "details")
LOCATION_KEYS = ("file", "sheet", "cell", "row", "column", "page", "clause", "paragraph", "table", "line")
# `extra` entries shown as keys of their own; `extra["details"]` and any other entry go under `details`.
TOP_LEVEL_EXTRA = ("confidence", "category", "quote", "trigger", "certainty")


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
        """Every key of LOCATION_KEYS, null where it does not apply (cli.md)."""
        return {key: getattr(self, key) for key in LOCATION_KEYS}

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
        """The one JSON shape of a finding (docs/finding.schema.json): every key of FINDING_KEYS, in that
        order, null where it does not apply; `value` as text; whatever else `extra` holds under `details`."""
        details = {**(self.extra.get("details") or {}),
                   **{k: v for k, v in self.extra.items() if k not in TOP_LEVEL_EXTRA and k != "details"}}
        return {"rule": self.rule, "severity": self.severity.value, "message": self.message,
                "location": self.location.to_dict(), "value": None if self.value is None else str(self.value),
                "client": self.client, "citation": self.citation, "fix": self.fix,
                **{k: self.extra.get(k) for k in TOP_LEVEL_EXTRA}, "details": details or None}

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
# Built from FINDING_KEYS and LOCATION_KEYS, so the frame's JSON has the keys of Finding.to_dict, in its
# order (tests compare the two on the same findings). Frame findings carry no `details`.

_INTEGER_KEYS = {"row", "page", "paragraph", "table", "line"}


def _frame_schema():
    import polars as pl

    location = pl.Struct({k: pl.Int64 if k in _INTEGER_KEYS else pl.String for k in LOCATION_KEYS})
    return {k: location if k == "location" else pl.String for k in FINDING_KEYS}


def empty_findings_frame():
    import polars as pl

    return pl.DataFrame(schema=_frame_schema())


def location_struct(**fields):
    """A `location` column from expressions for some of LOCATION_KEYS; the rest are typed nulls."""
    import polars as pl

    types = _frame_schema()["location"].to_schema()
    return pl.struct(**{k: fields.get(k, pl.lit(None, dtype=types[k])).cast(types[k]) for k in LOCATION_KEYS})


def findings_select(frame, **columns):
    """`frame` as a findings frame: the given expressions for some of FINDING_KEYS, typed nulls for the rest."""
    import polars as pl

    schema = _frame_schema()
    return frame.select(**{k: columns.get(k, pl.lit(None, dtype=schema[k])).cast(schema[k]) for k in FINDING_KEYS})


def findings_frame(findings: list[Finding]):
    """Findings as a frame with the JSON shape: the rows are Finding.to_dict itself."""
    import polars as pl

    rows = [f.to_dict() for f in findings]
    if any(r["details"] is not None for r in rows):
        raise ValueError("findings with details are serialised by Finding.to_dict, not through a frame")
    return pl.DataFrame(rows, schema=_frame_schema()) if rows else empty_findings_frame()


def sort_findings_frame(frame):
    """Worst first, then by file, sheet, row, column and rule: the order of `worst_first` (stable, as it is)."""
    import polars as pl

    rank = pl.col("severity").replace_strict({s.value: s.rank for s in Severity}, return_dtype=pl.Int8)
    loc = pl.col("location").struct
    return frame.sort([rank, loc.field("file"), loc.field("sheet").fill_null(""), loc.field("row").fill_null(0),
                       loc.field("column").fill_null(""), pl.col("rule")], maintain_order=True)


def write_findings_json(frame, stream: BinaryIO) -> None:
    """The frame as a compact JSON array (as every command's JSON is), encoded and written by polars.

    A big audit's findings never become one Python string: building and copying
    one costs more (in fresh memory pages) than the audit itself.
    """
    import polars as pl

    from audit.printable import json_escapes

    if frame.height == 0:
        stream.write(b"[]")
        return
    line = pl.struct(pl.all()).struct.json_encode()
    if _any_beyond_ascii(frame):  # every hidden character JSON leaves raw is DEL or beyond; the check costs a tenth of the escaping
        line = line.str.replace_many(*json_escapes())  # as printable.json_safe does for the rest of the JSON
    lines = frame.lazy().select(line)
    stream.write(b"[")
    # JSON text never holds a raw newline or needs CSV quoting, so each record is written as it is;
    # the streaming sink encodes on every core, in order.
    lines.slice(0, frame.height - 1).sink_csv(stream, include_header=False, quote_style="never", line_terminator=",")
    lines.slice(frame.height - 1).collect().write_csv(stream, include_header=False, quote_style="never", line_terminator="")
    stream.write(b"]")



def _any_beyond_ascii(frame) -> bool:
    """True when a text field of the frame (nested ones too) holds DEL or any character beyond ASCII."""
    import polars as pl

    def texts(schema, parent=None):
        for name, dtype in schema.items():
            column = pl.col(name) if parent is None else parent.struct.field(name)
            if dtype == pl.String:
                yield (column.str.len_bytes() != column.str.len_chars()).any() | column.str.contains("\x7f", literal=True).any()
            elif isinstance(dtype, pl.Struct):
                yield from texts(dtype.to_schema(), column)
    return bool(frame.select(pl.any_horizontal(list(texts(frame.schema)))).item())


def frame_findings(frame) -> list[Finding]:
    """Finding objects from a findings frame (the inverse of `findings_frame`), for text, reports and
    the annotated copy; the frame stays the source."""
    severities = {s.value: s for s in Severity}
    return [Finding(r["rule"], severities[r["severity"]], r["message"], Location(**r["location"]), r["value"], r["client"],
                    r["citation"], r["fix"], {k: r[k] for k in TOP_LEVEL_EXTRA if r[k] is not None})
            for r in frame.iter_rows(named=True)]
