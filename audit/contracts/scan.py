"""Scan contracts: passages in, findings and per-contract verdicts out."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.contracts.categories import MONITORS, NO_TIME_LIMIT, PAYS, TIME_LIMIT, YES_NO
from audit.contracts.detect import CLEAR, REVIEW, Context, Judgement, judge
from audit.contracts.extract import SUFFIXES, extract
from audit.contracts.passages import Passage, clause_number
from audit.errors import InputRefused
from audit.findings import Finding, Location, Severity
from audit.returns.validate import file_sha256

BUDGET_SECONDS = 20.0  # per document: judging is linear, so only a pathological document gets near it
SEVERITY = {PAYS: Severity.ERROR, TIME_LIMIT: Severity.ERROR, MONITORS: Severity.INFO, NO_TIME_LIMIT: Severity.INFO}
MESSAGES = {
    PAYS: "pays for successful completion: money is tied to leaving treatment",
    MONITORS: "completions are monitored, with no money attached",
    TIME_LIMIT: "sets a time limit on treatment",
    NO_TIME_LIMIT: "says treatment is not time-limited",
}
REVIEW_MESSAGES = {
    PAYS: "may pay for successful completion: completion language in a payment context the scan could not settle; read it",
    TIME_LIMIT: "may time-limit treatment: duration language about treatment the scan could not settle; read it",
}
CITATION = ("National harm-reduction review recommendations: contracts must not pay for 'successful completion' "
            "and must not time-limit OST; ACMD report on time-limiting OST (2014)")
ITEM_RE = re.compile(r"^\s*(?:[-*\u2022\u2013]|\([a-z0-9]{1,4}\)|[a-z]\))\s+")


@dataclass
class ContractScan:
    file: str
    sha256: str
    status: str
    pages: int | None
    findings: list[Finding] = field(default_factory=list)
    synthetic: bool = False  # sample contracts say SYNTHETIC; reports show a banner
    complete: bool = True  # False when the time budget stopped the scan part-way

    @property
    def verdicts(self) -> dict[str, str]:
        """Per question, first that applies: `yes` (a clear finding), `review` (a review finding), `no` (a clear
        explicit negation), `no-evidence`; `no-text-layer` for image-only PDFs."""
        if self.status != "ok":
            return {"pays_for_completion": self.status, "time_limits": self.status}
        return {key: verdict(self.findings, yes, no) for key, (yes, no) in YES_NO.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "verdicts": self.verdicts, "status": self.status, "pages": self.pages, "complete": self.complete}


def verdict(findings: Iterable[Finding], yes: str, no: str) -> str:
    found = [(f.extra.get("category"), f.extra.get("certainty"), f.extra.get("details", {}).get("explicit_no", False))
             for f in findings]
    if any(c == yes and cert == CLEAR for c, cert, _ in found):
        return "yes"
    if any(c == yes and cert == REVIEW for c, cert, _ in found):
        return "review"
    if any(c == no and explicit for c, _, explicit in found):
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


def scan_contract(path: str | Path, budget: float = BUDGET_SECONDS) -> ContractScan:
    """Scan one contract; stops with a warning finding, never hangs, when judging takes over `budget` seconds."""
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
    for note in text.notes:  # what extraction read past: the scan may have missed text there
        scan.findings.append(Finding("CON-READ-NOTE", Severity.WARNING, note, Location(str(path)), citation=None,
                                     fix="open the file in Word and save it again (Word repairs it), then scan it again"))
    deadline = time.monotonic() + budget
    for n, (passage, context) in enumerate(with_context(text.passages)):
        if time.monotonic() > deadline:
            scan.complete = False
            scan.findings.append(Finding(
                "CON-SCAN-STOPPED", Severity.WARNING,
                f"the scan stopped after {budget:g} s at passage {n + 1} of {len(text.passages)}: the rest of the document "
                "was not read, so its verdicts cover only the part before; split the document or ask for a smaller one",
                _location(passage), citation=None))
            break
        if passage.kind == "heading":
            continue
        for judgement in judge(passage.text, context, _kind(passage)):
            scan.findings.append(_finding(passage, judgement))
    return scan


def with_context(passages: list[Passage]) -> Iterable[tuple[Passage, Context]]:
    """Each passage with what frames it, from the passage sequence alone: the heading path, a list's lead-in,
    a table's caption and header row, the paragraph before."""
    stack: list[tuple[int, str]] = []
    lead_in: str | None = None
    caption: str | None = None
    previous: str | None = None
    last: Passage | None = None
    first_heading = True  # a document's first heading is its title
    for p in passages:
        if p.kind == "heading":
            depth = 0 if first_heading else _heading_depth(p)
            first_heading = False
            while stack and stack[-1][0] >= depth:
                stack.pop()
            stack.append((depth, p.text))
            lead_in = caption = previous = None
        else:
            kind = _kind(p)
            if kind == "item" and (last is None or _kind(last) != "item"):
                lead_in = previous
            if p.kind == "row" and (last is None or last.kind != "row" or last.table != p.table):
                caption = previous
        headings = [text for _, text in stack] or ([p.heading] if p.heading else [])
        kind = _kind(p)
        yield p, Context(headings=headings, lead_in=lead_in if kind == "item" else None,
                         caption=caption if kind == "row" else None,
                         header=p.extra.get("header") or None, previous=previous if kind != "row" else None)
        if kind == "paragraph":
            previous = p.text
        last = p


def _kind(p: Passage) -> str:
    """A paragraph typed with a bullet ("- ", "•", "(a)") is a list item, whatever its Word style; a numbered
    clause ("6.1 ...") is a paragraph, even where the PDF reflow took its number for a bullet."""
    if p.kind == "paragraph" and ITEM_RE.match(p.text):
        return "item"
    if p.kind == "item" and p.clause and "." in p.clause:
        return "paragraph"
    return p.kind


def _heading_depth(p: Passage) -> int:
    """Schedules and parts open a new tree (0); `5.2` is deeper than `5`; other headings are leaves."""
    if re.match(r"^\s*(?:schedule|part|appendix|annex|section)\b", p.text, re.I):
        return 0
    number = p.clause or clause_number(p.text)
    return len(number.split(".")) if number else 99


def scan_contracts(paths: Iterable[str | Path], on_file: Callable[[str], None] | None = None) -> list[ContractScan]:
    scans = []
    for path in contract_files(paths):
        scans.append(scan_contract(path))
        if on_file:
            on_file(str(path))
    return scans


def _location(passage: Passage) -> Location:
    return Location(passage.file, page=passage.page, clause=passage.clause, paragraph=passage.paragraph,
                    table=passage.table, row=passage.row, line=passage.line)


def _finding(passage: Passage, judgement: Judgement) -> Finding:
    marks = _merge([(a, b) for a, b, _ in judgement.triggers])
    review = judgement.certainty == REVIEW and judgement.category in REVIEW_MESSAGES
    details: dict[str, Any] = {"reasons": judgement.reasons, "marks": marks, "marked": mark(passage.text, marks),
                               "explicit_no": judgement.explicit_no}
    if judgement.score is not None:
        details["score"] = round(judgement.score, 2)
    if judgement.context:
        details["context"] = judgement.context
    return Finding(
        rule=judgement.rule, severity=Severity.WARNING if review else SEVERITY[judgement.category],
        message=REVIEW_MESSAGES[judgement.category] if review else MESSAGES[judgement.category],
        location=_location(passage), value=None, client=None, citation=CITATION,
        extra={"category": judgement.category, "quote": passage.text, "trigger": judgement.trigger_text(passage.text),
               "certainty": judgement.certainty, "details": details})


def review_rank(findings: Iterable[Finding]) -> list[Finding]:
    """Review findings, most likely first: what a commissioner reads first."""
    return sorted((f for f in findings if f.extra.get("certainty") == REVIEW),
                  key=lambda f: -f.extra.get("details", {}).get("score", 0))


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
