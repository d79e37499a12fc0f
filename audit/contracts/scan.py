"""Scan contracts: passages in, findings and per-contract verdicts out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.contracts.detect import MONITORS, NO_TIME_LIMIT, PAYS, TIME_LIMIT, Judgement, judge_payment, judge_time
from audit.contracts.extract import SUFFIXES, extract
from audit.contracts.passages import Passage
from audit.errors import InputRefused
from audit.findings import Finding, Location, Severity
from audit.validate import file_sha256

SEVERITY = {PAYS: Severity.ERROR, TIME_LIMIT: Severity.ERROR, MONITORS: Severity.INFO, NO_TIME_LIMIT: Severity.INFO}
MESSAGES = {
    PAYS: "pays for successful completion: money is tied to leaving treatment",
    MONITORS: "completions are monitored, with no money attached",
    TIME_LIMIT: "sets a time limit on treatment",
    NO_TIME_LIMIT: "says treatment is not time-limited",
}
CITATION = ("National harm-reduction review recommendations: contracts must not pay for 'successful completion' "
            "and must not time-limit OST; ACMD report on time-limiting OST (2014)")


@dataclass
class ContractScan:
    file: str
    sha256: str
    status: str
    pages: int | None
    findings: list[Finding] = field(default_factory=list)
    synthetic: bool = False  # sample contracts say SYNTHETIC; reports show a banner

    @property
    def verdicts(self) -> dict[str, str]:
        """`yes`, `no` (explicit evidence against) or `no-evidence`; `no-text-layer` for image-only PDFs."""
        if self.status != "ok":
            return {"pays_for_completion": self.status, "time_limits": self.status}
        cats = [(f.extra["category"], f.extra.get("explicit_no", False)) for f in self.findings if "category" in f.extra]
        return {
            "pays_for_completion": _verdict(cats, PAYS, MONITORS),
            "time_limits": _verdict(cats, TIME_LIMIT, NO_TIME_LIMIT),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "verdicts": self.verdicts, "status": self.status, "pages": self.pages}


def _verdict(categories: list[tuple[str, bool]], yes: str, no: str) -> str:
    if any(c == yes for c, _ in categories):
        return "yes"
    if any(c == no and explicit for c, explicit in categories):
        return "no"
    return "no-evidence"


def contract_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every contract file under a folder (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                          and not f.name.startswith((".", "~$")) and not f.stem.lower() == "readme")
        elif not p.exists():
            raise InputRefused(p, "no such file or folder")
        else:
            out.append(p)
    return out


def scan_contract(path: str | Path) -> ContractScan:
    path = Path(path)
    text = extract(path)
    scan = ContractScan(str(path), file_sha256(path), text.status, text.pages,
                        synthetic=any("SYNTHETIC" in p.text for p in text.passages[:5]))
    if text.status == "no-text-layer":
        scan.findings.append(Finding(
            "CON-NO-TEXT-LAYER", Severity.WARNING,
            "has no text layer (a scanned, image-only PDF): the scan could not read it; run OCR or ask for the original",
            Location(str(path)), citation=None))
        return scan
    for passage in text.passages:
        context = " ".join(filter(None, [passage.heading, passage.extra.get("header")]))
        for judgement in (judge_payment(passage.text, context, passage.kind), judge_time(passage.text)):
            if judgement is not None:
                scan.findings.append(_finding(passage, judgement))
    return scan


def scan_contracts(paths: Iterable[str | Path], on_file: Callable[[str], None] | None = None) -> list[ContractScan]:
    scans = []
    for path in contract_files(paths):
        scans.append(scan_contract(path))
        if on_file:
            on_file(str(path))
    return scans


def _finding(passage: Passage, judgement: Judgement) -> Finding:
    location = Location(passage.file, page=passage.page, clause=passage.clause, paragraph=passage.paragraph,
                        table=passage.table, row=passage.row, line=passage.line)
    marks = _merge([(a, b) for a, b, _ in judgement.triggers])
    return Finding(
        rule=judgement.rule, severity=SEVERITY[judgement.category], message=MESSAGES[judgement.category],
        location=location, value=None, client=None, citation=CITATION,
        extra={"category": judgement.category, "quote": passage.text, "trigger": judgement.trigger_text(passage.text),
               "marks": marks, "marked": mark(passage.text, marks), "explicit_no": judgement.explicit_no,
               "context": passage.extra.get("header") or passage.heading})


def _merge(spans: list[tuple[int, int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return merged


def mark(text: str, marks: list[list[int]], left: str = "\u00ab", right: str = "\u00bb") -> str:
    """The quote with trigger words between guillemets: «paid» for «successful completions»."""
    out, last = [], 0
    for a, b in marks:
        out += [text[last:a], left, text[a:b], right]
        last = b
    out.append(text[last:])
    return "".join(out)
