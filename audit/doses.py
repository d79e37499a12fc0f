"""The dose audit: judge every client the guideline rules can judge.

Validation comes first; a client whose row failed validation for a field a
rule needs is counted as not judged by that rule, never guessed. All rules
are evaluated in one polars query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from audit.conditions import compile_condition, context_column, contexts_used
from audit.findings import Finding, Location, Severity
from audit.guidelines import Guideline, Indicator, Rule, load_guideline
from audit.stats import wilson
from audit.validate import ROW, ValidatedReturn, _display, context_columns, hits_long, validate_return

# The Submission value each `$NAME` depends on.
CONTEXT_NEEDS = {"$PERIOD_END": "PERIOD_END", "$PERIOD_START": "PERIOD_START", "$AS_OF": "PERIOD_END",
                 "$SUBMITTED_ON": "SUBMITTED_ON", "$LA_CODE": "LA_CODE"}


@dataclass
class IndicatorResult:
    id: str
    label: str
    numerator: int
    denominator: int
    value: float | None
    ci_low: float | None
    ci_high: float | None
    better: str = "high"
    headline: bool = False
    not_judged: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "numerator": self.numerator, "denominator": self.denominator,
                "value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high}


@dataclass
class NotJudged:
    rule: str
    count: int
    reasons: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "count": self.count, "reasons": self.reasons}


@dataclass
class DoseAudit:
    """One return's validation plus its guideline findings and indicators."""

    validated: ValidatedReturn
    guideline: Guideline
    findings: list[Finding] = field(default_factory=list)
    indicators: list[IndicatorResult] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)

    @property
    def all_findings(self) -> list[Finding]:
        return self.validated.findings + self.findings

    def by_medication(self) -> list[dict[str, Any]]:
        """Clients, median dose and share of maintenance clients in the optimal band, per medication."""
        return medication_summary(self.validated, self.guideline)


def audit_doses(path: str | Path, guideline: str | Guideline = "uk-2017") -> DoseAudit:
    """Validate a return, then judge it against a guideline set."""
    rules = load_guideline(guideline) if isinstance(guideline, str) else guideline
    return judge(validate_return(path), rules)


def audit_doses_many(paths: Iterable[str | Path], guideline: str = "uk-2017",
                     on_file: Callable[[str], None] | None = None) -> list[DoseAudit]:
    rules = load_guideline(guideline)
    out = []
    for p in paths:
        out.append(audit_doses(p, rules))
        if on_file:
            on_file(str(p))
    return out


def judge(validated: ValidatedReturn, guideline: Guideline) -> DoseAudit:
    """Apply every rule and indicator of a set to a validated return."""
    audit = DoseAudit(validated, guideline)
    if validated.clients.height == 0:
        return audit
    frame = pl.concat([validated.clients.with_columns(context_columns(validated.submission)),
                       validated.invalid.rename(lambda c: BAD + c)], how="horizontal")
    submission = validated.submission
    structs, skipped = {}, {}
    for rule in guideline.rules:
        conditions = [rule.when, *(e.when for e in rule.escalate)]
        blocked = _blocked(rule.fields, conditions, submission)
        skipped[rule.id] = (_applies(rule) | pl.col(BAD + "OST_MEDICATION")) & blocked
        structs[rule.id] = pl.struct(hit=pl.when(_applies(rule) & ~blocked & compile_condition(rule.when)).then(_severity(rule)),
                                     because=_because(rule), noted=_noted(rule))
    hits = hits_long(frame, structs, [ROW])
    audit.findings = _findings(hits, frame, guideline, validated)
    sums = frame.select(
        [skipped[r.id].sum().alias(r.id) for r in guideline.rules]
        + [(skipped[r.id] & pl.col(BAD + c)).sum().alias(f"{r.id}|{c}") for r in guideline.rules for c in sorted(r.fields)]
    ).row(0, named=True)
    for rule in guideline.rules:
        if sums[rule.id]:
            reasons = {c: int(sums[f"{rule.id}|{c}"]) for c in sorted(rule.fields) if sums[f"{rule.id}|{c}"]}
            missing = _missing_context([rule.when, *(e.when for e in rule.escalate)], submission)
            reasons.update({f"{m} (Submission)": int(sums[rule.id]) for m in missing})
            audit.not_judged.append(NotJudged(rule.id, int(sums[rule.id]), reasons))
    audit.indicators = compute_indicators(frame, guideline.indicators, submission)
    return audit


BAD = "__bad_"


def _applies(rule: Rule) -> pl.Expr:
    if not rule.medications:
        return pl.lit(True)
    return pl.col("OST_MEDICATION").is_in(list(rule.medications)).fill_null(False)


def _missing_context(conditions: list[dict[str, Any]], submission: dict[str, Any]) -> list[str]:
    needed = set().union(*(contexts_used(c) for c in conditions))
    return sorted({CONTEXT_NEEDS[n] for n in needed if submission.get(CONTEXT_NEEDS[n]) is None})


def _blocked(columns: set[str], conditions: list[dict[str, Any]], submission: dict[str, Any]) -> pl.Expr:
    """True where the rule cannot judge the row: an invalid field, or a missing Submission value."""
    if _missing_context(conditions, submission):
        return pl.lit(True)
    return pl.any_horizontal([pl.col(BAD + c) for c in sorted(columns)])


def _severity(rule: Rule) -> pl.Expr:
    severity: pl.Expr = pl.lit(rule.severity)
    for esc in reversed(rule.escalate):
        severity = pl.when(compile_condition(esc.when)).then(pl.lit(esc.severity)).otherwise(severity)
    if rule.lowered_by_note:
        lowered = severity.replace_strict({s.value: s.lowered().value for s in Severity}, return_dtype=pl.String)
        severity = pl.when(pl.col("DOSE_NOTE").is_not_null()).then(lowered).otherwise(severity)
    return severity


def _because(rule: Rule) -> pl.Expr:
    because: pl.Expr = pl.lit(None, dtype=pl.String)
    for esc in reversed(rule.escalate):
        because = pl.when(compile_condition(esc.when)).then(pl.lit(esc.because)).otherwise(because)
    return because


def _noted(rule: Rule) -> pl.Expr:
    return pl.col("DOSE_NOTE").is_not_null() if rule.lowered_by_note else pl.lit(False)


def _findings(hits: pl.DataFrame, frame: pl.DataFrame, guideline: Guideline, validated: ValidatedReturn) -> list[Finding]:
    if hits.height == 0:
        return []
    rows = hits.join(frame.with_columns(pl.col(context_column("AS_OF")).alias("AS_OF")), on=ROW, how="left")
    findings = []
    for record in rows.iter_rows(named=True):
        rule = guideline.rule(record["_key"])
        shown = {k: _display(v) for k, v in record.items()}
        message = rule.message.format(**{k: ("blank" if v is None else v) for k, v in shown.items()})
        if record["because"]:
            message += f"; {record['because']}"
        if record["noted"]:
            message += " (one level lower: DOSE_NOTE gives a reason)"
        row = record[ROW]
        findings.append(Finding(
            rule=rule.id, severity=Severity(record["hit"]), message=message,
            location=Location(validated.path, sheet="OST", cell=validated.cell(rule.location, row), row=row, column=rule.location),
            value=shown.get(rule.location), client=record["CLIENTID"], citation=rule.citation,
            extra={"confidence": rule.confidence}))
    return findings


def compute_indicators(frame: pl.DataFrame, indicators: Iterable[Indicator], submission: dict[str, Any]) -> list[IndicatorResult]:
    """Numerator and denominator over the clients each indicator can judge, with Wilson 95% intervals."""
    indicators = list(indicators)
    exprs = []
    for ind in indicators:
        valid = ~_blocked(ind.fields, [ind.denominator, ind.numerator], submission)
        den = valid & compile_condition(ind.denominator)
        exprs += [den.sum().alias(f"{ind.id}|d"), (den & compile_condition(ind.numerator)).sum().alias(f"{ind.id}|n"),
                  (~valid).sum().alias(f"{ind.id}|x")]
    sums = frame.select(exprs).row(0, named=True)
    out = []
    for ind in indicators:
        n, d = int(sums[f"{ind.id}|n"]), int(sums[f"{ind.id}|d"])
        lo, hi = wilson(n, d) if d else (None, None)
        out.append(IndicatorResult(ind.id, ind.label, n, d, n / d if d else None, lo, hi, ind.better, ind.headline,
                                   int(sums[f"{ind.id}|x"])))
    return out


def medication_summary(validated: ValidatedReturn, guideline: Guideline) -> list[dict[str, Any]]:
    clients = validated.clients.filter(~validated.invalid["DOSE_MG"] & ~validated.invalid["OST_MEDICATION"])
    if clients.height == 0:
        return []
    maintenance = pl.col("PHASE").is_in(["maintenance", "stabilisation"])
    exprs = [pl.len().alias("clients"), pl.col("DOSE_MG").median().alias("median_dose"),
             maintenance.sum().alias("maintenance")]
    table = clients.group_by("OST_MEDICATION").agg(exprs).sort("clients", descending=True)
    out = []
    for med, n, median, n_maint in table.iter_rows():
        band = guideline.dose_bands.get(med, {}).get("optimal")
        in_band = None
        if band and n_maint:
            in_band = clients.filter((pl.col("OST_MEDICATION") == med) & maintenance
                                     & pl.col("DOSE_MG").is_between(band[0], band[1])).height
        out.append({"medication": med, "clients": n, "median_dose": median, "maintenance": n_maint,
                    "optimal_band": band, "in_band": in_band})
    return out
