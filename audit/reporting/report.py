"""The area audit as one self-contained HTML page (Jinja2, autoescaped, no network)."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from audit.contracts.categories import CATEGORY_WORDS, QUESTION_WORDS, VERDICT_WORDS
from audit.contracts.scan import review_rank
from audit.findings import Finding, summarise, worst_first
from audit.reporting.area import AreaAudit
from audit.reporting.output import plural
from audit.reporting.redact import safe_text
from audit.resources import data_dir
from audit.returns.schema import load_schema
from audit.xlsx_write import write_atomic

VERDICT_CLASS = {"yes": "bad", "review": "warning", "no": "good", "no-evidence": "neutral", "no-text-layer": "neutral", "no-contract": "neutral"}


@cache
def environment() -> Environment:
    """One Jinja environment per process, so templates compile once (compare renders one report per area)."""
    env = Environment(loader=FileSystemLoader(str(data_dir("templates"))), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True, finalize=_shown)
    # codes shown beside their words, read from the contract vocabulary (audit/contracts/categories.py)
    env.globals.update(verdict_words=VERDICT_WORDS, category_words=CATEGORY_WORDS, question_words=QUESTION_WORDS)
    env.filters["pct"] = lambda v: "-" if v is None else f"{100 * v:.1f}%"
    env.filters["num"] = lambda v: "-" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))
    env.filters["plural"] = plural  # `{{ n | plural("client") }}`: the same agreement as the terminal's
    return env


def _shown(value: Any) -> Any:
    """Every text the page prints passes here: an NHS number anywhere in it is masked, control characters shown.

    Markup (the SVG charts, built by audit/reporting/svg.py from area codes and numbers) is left alone.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return safe_text(value)
    return value


def segments(text: str, marks: list[list[int]]) -> list[tuple[str, bool]]:
    """A quote cut into (text, is_trigger) pieces, so the template marks triggers without |safe."""
    out, last = [], 0
    for a, b in marks:
        if a > last:
            out.append((text[last:a], False))
        out.append((text[a:b], True))
        last = b
    if last < len(text):
        out.append((text[last:], False))
    return out


def report_context(area: AreaAudit) -> dict[str, Any]:
    """Everything the template shows, computed here so the template stays plain."""
    from audit.reporting.svg import SIZES, histogram

    validation = [f for r in area.returns for f in r.validated.findings]
    dose_findings = [f for r in area.returns for f in r.findings]
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in worst_first(dose_findings):
        by_rule[f.rule].append(f)
    rule_groups = [{"rule": area.guideline.rule(rule_id), "rows": [_dose_row(f) for f in items],
                    "counts": summarise(items)} for rule_id, items in
                   sorted(by_rule.items(), key=lambda kv: (kv[1][0].severity.rank, -len(kv[1])))]
    charts = []
    for med, band in area.guideline.dose_bands.items():
        doses = [d for r in area.returns for d in _doses(r, med)]
        if doses:
            charts.append({"medication": med, "n": len(doses),
                           "svg": {size: histogram(doses, f"{med} dose (mg)", band.get("optimal"), band.get("maximum"), size)
                                   for size in SIZES}})
    contracts = []
    for scan in area.contracts:
        def piece(f: Finding) -> dict[str, Any]:
            if "quote" not in f.extra:
                return {"finding": f, "segments": [(f.message, False)]}
            return {"finding": f, "segments": segments(f.extra["quote"], f.extra["details"].get("marks", []))}
        review = review_rank(scan.findings)
        evidence = [piece(f) for f in worst_first(scan.findings) if f not in review]
        contracts.append({"scan": scan, "evidence": evidence, "review": [piece(f) for f in review], "verdicts": scan.verdicts})
    indicators = area.indicators
    return {
        "area": area, "submission": area.submission, "verdicts": area.verdicts,
        "verdict_class": VERDICT_CLASS, "headline": [i for i in indicators if i.headline], "indicators": indicators,
        "validation_rows": [_validation_row(f) for f in worst_first(validation)], "validation_counts": summarise(validation),
        "by_medication": [row for r in area.returns for row in r.by_medication()],
        "not_judged": [n for r in area.returns for n in r.not_judged],
        "rule_groups": rule_groups, "dose_counts": summarise(dose_findings), "charts": charts, "contracts": contracts,
        "sources": sorted(area.guideline.sources.values(), key=lambda s: s.key), "rules": area.guideline.rules,
        "inputs": area.inputs(), "refused": area.refused, "history": _over_time(area),
        "medication_words": load_schema().column("OST_MEDICATION").codes,
    }


def _over_time(area: AreaAudit) -> dict[str, Any] | None:
    """The "Over time" section's data when the folder holds several quarters."""
    from audit.prescribing.history_view import report_context as history_context

    return history_context(area.history) if area.history else None


# A report of a big return has thousands of table rows: the cells are made here, as plain text the
# template escapes, because looking attributes up from the template cost more than escaping them.

def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _validation_row(f: Finding) -> tuple[str, ...]:
    """severity, cell, column, client, value, what is wrong, how to fix it, rule."""
    return (f.severity.value, f.location.label(), _text(f.location.column), _text(f.client), _text(f.value),
            f.message, _text(f.fix), f.rule)


def _dose_row(f: Finding) -> tuple[str, ...]:
    """severity, client, cell, value, finding."""
    return f.severity.value, _text(f.client), f.location.label(), _text(f.value), f.message


def _doses(dose_audit, medication: str) -> list[float]:
    v = dose_audit.validated
    clients = v.clients.filter((v.clients["OST_MEDICATION"] == medication) & ~v.invalid["DOSE_MG"] & ~v.invalid["OST_MEDICATION"])
    return clients["DOSE_MG"].drop_nulls().to_list()


def compare_page_href(report_dir: str | Path) -> str:
    """From an area report back to the compare page: `compare` writes OUT.html beside OUT-areas/."""
    name = Path(report_dir).name
    return f"../{name.removesuffix('-areas')}.html"


def render_report(area: AreaAudit, compare_href: str | None = None) -> str:
    """The page; `compare_href` links back to the comparison it was written for."""
    return environment().get_template("report.html.j2").render(**report_context(area), compare_href=compare_href)


def write_report(area: AreaAudit, output: str | Path, compare_href: str | None = None) -> Path:
    output = Path(output)
    html = render_report(area, compare_href)
    write_atomic(output, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    return output
