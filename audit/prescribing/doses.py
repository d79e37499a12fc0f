"""The dose audit: judge every client the guideline rules can judge.

Validation comes first; a client whose row failed validation for a field a
rule needs is counted as not judged by that rule, never guessed. Each rule is
a polars query over the clients it applies to (messages made for hits only),
and the queries of all rules are collected together.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from audit.findings import (
    Finding,
    Location,
    Severity,
    empty_findings_frame,
    findings_select,
    location_struct,
    sort_findings_frame,
)
from audit.prescribing.conditions import compile_condition, context_column, contexts_used
from audit.prescribing.guidelines import Guideline, Rule, load_guideline
from audit.reporting.stats import wilson
from audit.returns.nhs import nhs_number_mask
from audit.returns.schema import ReturnSchema, load_schema
from audit.returns.validate import ROW, ValidatedReturn, context_columns, validate_return

# The Submission value each `$NAME` depends on.
CONTEXT_NEEDS = {"$PERIOD_END": "PERIOD_END", "$PERIOD_START": "PERIOD_START", "$AS_OF": "PERIOD_END",
                 "$SUBMITTED_ON": "SUBMITTED_ON", "$LA_CODE": "LA_CODE"}  # $DISCHARGE_OUTCOME needs none


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
    hits: pl.DataFrame | None = None  # one row per dose finding, message and value already rendered
    indicators: list[IndicatorResult] = field(default_factory=list)
    not_judged: list[NotJudged] = field(default_factory=list)

    @cached_property
    def findings(self) -> list[Finding]:
        """The dose findings as Finding objects (made on first use: a big return has tens of thousands)."""
        return _findings(self.hits, self.guideline, self.validated) if self.hits is not None else []

    @property
    def all_findings(self) -> list[Finding]:
        return self.validated.findings + self.findings

    def findings_frame(self) -> pl.DataFrame:
        """Validation and dose findings, worst first, in the JSON shape (see write_findings_json)."""
        doses = _findings_frame(self.hits, self.guideline, self.validated) if self.hits is not None else empty_findings_frame()
        return sort_findings_frame(pl.concat([self.validated.findings_frame(), doses], how="vertical"))

    def counts(self) -> dict[str, int]:
        """Findings by severity, validation and doses together, without building them."""
        counts = self.validated.counts()
        if self.hits is not None and self.hits.height:
            for severity, n in self.hits.group_by("hit").len().iter_rows():
                counts[severity] += n
        return counts

    def by_medication(self) -> list[dict[str, Any]]:
        """Clients, median dose and share of maintenance clients in the optimal band, per medication."""
        return medication_summary(self.validated, self.guideline)


def audit_doses(path: str | Path, guideline: str | Guideline = "uk-2017", schema: ReturnSchema | None = None) -> DoseAudit:
    """Validate a return (`schema` may carry an export's own headers), then judge it against a guideline set."""
    rules = load_guideline(guideline) if isinstance(guideline, str) else guideline
    _compiled(rules)  # now, while nothing waits on it: validate_return waits for the sheet to be read
    return judge(validate_return(path, schema), rules)


def audit_doses_many(paths: Iterable[str | Path], guideline: str = "uk-2017",
                     on_file: Callable[[str], None] | None = None, schema: ReturnSchema | None = None) -> list[DoseAudit]:
    rules = load_guideline(guideline)
    out = []
    for p in paths:
        out.append(audit_doses(p, rules, schema))
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
    compiled = _compiled(guideline).rules
    skipped, parts = {}, []
    rows = frame.lazy().with_columns(pl.col(context_column("AS_OF")).alias("AS_OF"))
    for rule in guideline.rules:
        c = compiled[rule.id]
        blocked = pl.lit(True) if _missing_context(c.conditions, submission) else c.any_invalid
        skipped[rule.id] = (c.applies | pl.col(BAD + "OST_MEDICATION")) & blocked
        # messages and values are made for the rows that hit only, never for every client
        parts.append(rows.filter(c.applies & ~blocked & c.when).select(
            ROW, "CLIENTID", _key=pl.lit(rule.id), hit=c.severity, message=c.message, value=c.value))
    audit.hits = pl.concat(pl.collect_all(parts)).with_columns(CLIENT) if parts else None  # ids checked once, not once a rule
    sums = frame.select(
        [skipped[r.id].sum().alias(r.id) for r in guideline.rules]
        + [(skipped[r.id] & pl.col(BAD + c)).sum().alias(f"{r.id}|{c}") for r in guideline.rules for c in sorted(r.fields)]
    ).row(0, named=True)
    for rule in guideline.rules:
        if sums[rule.id]:
            # a column the sheet lacks failed nothing: say it is missing, as validation said nothing about it
            reasons = {(c if c in validated.letters else f"{c} (no column)"): int(sums[f"{rule.id}|{c}"])
                       for c in sorted(rule.fields) if sums[f"{rule.id}|{c}"]}
            missing = _missing_context(compiled[rule.id].conditions, submission)
            reasons.update({f"{m} (Submission)": int(sums[rule.id]) for m in missing})
            audit.not_judged.append(NotJudged(rule.id, int(sums[rule.id]), reasons))
    audit.indicators = compute_indicators(frame, guideline, submission)
    return audit


@dataclass(frozen=True)
class _RuleExprs:
    conditions: list[dict[str, Any]]
    applies: pl.Expr
    when: pl.Expr
    any_invalid: pl.Expr
    severity: pl.Expr
    message: pl.Expr
    value: pl.Expr


@dataclass(frozen=True)
class _IndicatorExprs:
    conditions: list[dict[str, Any]]
    denominator: pl.Expr
    numerator: pl.Expr
    any_invalid: pl.Expr


@dataclass(frozen=True)
class _Compiled:
    """A guideline's rules and indicators as polars expressions, the same for every return."""

    guideline: Guideline
    rules: dict[str, _RuleExprs]
    indicators: dict[str, _IndicatorExprs]


_COMPILED: dict[int, _Compiled] = {}


def _compiled(guideline: Guideline) -> _Compiled:
    """Built once per guideline object: building the expressions costs more than judging
    a 700-client return, and `compare` judges 150 of them."""
    cached = _COMPILED.get(id(guideline))
    if cached is None or cached.guideline is not guideline:
        rules = {r.id: _RuleExprs([r.when, *(e.when for e in r.escalate)], _applies(r), compile_condition(r.when),
                                  _any_invalid(r.fields), _severity(r), _message(r), _shown(pl.col(r.location)))
                 for r in guideline.rules}
        indicators = {i.id: _IndicatorExprs([i.denominator, i.numerator], compile_condition(i.denominator),
                                            compile_condition(i.numerator), _any_invalid(i.fields))
                      for i in guideline.indicators}
        cached = _COMPILED[id(guideline)] = _Compiled(guideline, rules, indicators)
    return cached


BAD = "__bad_"
# the client id a finding shows: blank when it is an NHS number (audit/returns/nhs.py), made for hit rows only
CLIENT = pl.when(nhs_number_mask(pl.col("CLIENTID"))).then(pl.lit(None, dtype=pl.String)).otherwise(pl.col("CLIENTID")).alias("CLIENTID")


def _applies(rule: Rule) -> pl.Expr:
    if not rule.medications:
        return pl.lit(True)
    return pl.col("OST_MEDICATION").is_in(list(rule.medications)).fill_null(False)


def _missing_context(conditions: list[dict[str, Any]], submission: dict[str, Any]) -> list[str]:
    needed = set().union(*(contexts_used(c) for c in conditions))
    return sorted({CONTEXT_NEEDS[n] for n in needed if n in CONTEXT_NEEDS and submission.get(CONTEXT_NEEDS[n]) is None})


def _any_invalid(columns: set[str]) -> pl.Expr:
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
        because = pl.when(compile_condition(esc.when)).then(pl.lit(f"; {esc.because}")).otherwise(because)
    return because


def _shown(expr: pl.Expr) -> pl.Expr:
    """A value as text the way a person typed it: 60 not 60.0, dates as ISO, blanks as 'blank'."""
    as_text = expr.cast(pl.String)
    whole = expr.cast(pl.Int64, strict=False).cast(pl.String)
    return pl.when(as_text.str.ends_with(".0") & whole.is_not_null()).then(whole).otherwise(as_text).fill_null("blank")


def _message(rule: Rule) -> pl.Expr:
    """The rule's message template filled in for every row at once, with why it escalated or was lowered."""
    literal, fields = [], []
    for text, name, _, _ in string.Formatter().parse(rule.message):
        literal.append(text.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            literal.append("{}")
            fields.append(_shown(pl.col(name)))
    message = pl.format("".join(literal), *fields) if fields else pl.lit(rule.message)
    suffix = pl.concat_str([_because(rule).fill_null(""),
                            pl.when(_noted(rule)).then(pl.lit(" (one level lower: DOSE_NOTE gives a reason)")).otherwise(pl.lit(""))])
    return pl.concat_str([message, suffix])


def _noted(rule: Rule) -> pl.Expr:
    return pl.col("DOSE_NOTE").is_not_null() if rule.lowered_by_note else pl.lit(False)


def _findings(hits: pl.DataFrame, guideline: Guideline, validated: ValidatedReturn) -> list[Finding]:
    """Findings from the hits; messages and values were made in the query, so this loop only wraps them."""
    if hits.height == 0:
        return []
    rules = {r.id: r for r in guideline.rules}
    letters = {r.id: validated.letters.get(r.location, "?") for r in guideline.rules}
    extras = {r.id: {"confidence": r.confidence} for r in guideline.rules}
    severities = {s.value: s for s in Severity}
    path = validated.path
    findings = []
    columns = hits.select(ROW, "CLIENTID", "_key", "hit", "message", "value")
    for row, client, rule_id, severity, message, value in columns.iter_rows():
        rule = rules[rule_id]
        findings.append(Finding(
            rule_id, severities[severity], message,
            Location(path, load_schema().ost_sheet, f"{letters[rule_id]}{row}", row, rule.location),
            None if value == "blank" else value, client, rule.citation, None, extras[rule_id]))
    return findings


def _findings_frame(hits: pl.DataFrame, guideline: Guideline, validated: ValidatedReturn) -> pl.DataFrame:
    """The dose findings in the JSON shape, as a frame: serialised by polars, never one object per finding."""
    if hits.height == 0:
        return empty_findings_frame()
    column = pl.col("_key").replace_strict({r.id: r.location for r in guideline.rules}, return_dtype=pl.String)
    letter = pl.col("_key").replace_strict({r.id: validated.letters.get(r.location, "?") for r in guideline.rules}, return_dtype=pl.String)
    citation = pl.col("_key").replace_strict({r.id: r.citation for r in guideline.rules}, return_dtype=pl.String)
    confidence = pl.col("_key").replace_strict({r.id: r.confidence for r in guideline.rules}, return_dtype=pl.String)
    return findings_select(
        hits, rule=pl.col("_key"), severity=pl.col("hit"), message=pl.col("message"),
        location=location_struct(file=pl.lit(validated.path), sheet=pl.lit(load_schema().ost_sheet), cell=pl.concat_str([letter, pl.col(ROW).cast(pl.String)]),
                                 row=pl.col(ROW), column=column),
        value=pl.when(pl.col("value") != "blank").then(pl.col("value")), client=pl.col("CLIENTID"),
        citation=citation, confidence=confidence)


def compute_indicators(frame: pl.DataFrame, guideline: Guideline, submission: dict[str, Any]) -> list[IndicatorResult]:
    """Numerator and denominator over the clients each indicator can judge, with Wilson 95% intervals."""
    compiled = _compiled(guideline).indicators
    exprs = []
    for ind in guideline.indicators:
        c = compiled[ind.id]
        valid = pl.lit(False) if _missing_context(c.conditions, submission) else ~c.any_invalid
        den = valid & c.denominator
        exprs += [den.sum().alias(f"{ind.id}|d"), (den & c.numerator).sum().alias(f"{ind.id}|n"), (~valid).sum().alias(f"{ind.id}|x")]
    sums = frame.select(exprs).row(0, named=True)
    out = []
    for ind in guideline.indicators:
        n, d = int(sums[f"{ind.id}|n"]), int(sums[f"{ind.id}|d"])
        lo, hi = wilson(n, d) if d else (None, None)
        out.append(IndicatorResult(ind.id, ind.label, n, d, n / d if d else None, lo, hi, ind.better, ind.headline,
                                   int(sums[f"{ind.id}|x"])))
    return out


def medication_summary(validated: ValidatedReturn, guideline: Guideline) -> list[dict[str, Any]]:
    clients = validated.clients.filter(~validated.invalid["DOSE_MG"] & ~validated.invalid["OST_MEDICATION"])
    if clients.height == 0:
        return []
    bands = {med: b.get("optimal") for med, b in guideline.dose_bands.items() if b.get("optimal")}
    low = pl.col("OST_MEDICATION").replace_strict({m: float(b[0]) for m, b in bands.items()}, default=None, return_dtype=pl.Float64)
    high = pl.col("OST_MEDICATION").replace_strict({m: float(b[1]) for m, b in bands.items()}, default=None, return_dtype=pl.Float64)
    maintenance = pl.col("PHASE").is_in(["maintenance", "stabilisation"])
    table = clients.group_by("OST_MEDICATION").agg(
        pl.len().alias("clients"), pl.col("DOSE_MG").median().alias("median_dose"), maintenance.sum().alias("maintenance"),
        (maintenance & pl.col("DOSE_MG").is_between(low, high)).sum().alias("in_band"),
    ).sort(["clients", "OST_MEDICATION"], descending=[True, False])
    return [{"medication": med, "clients": n, "median_dose": median, "maintenance": n_maint, "optimal_band": bands.get(med),
             "in_band": in_band if med in bands and n_maint else None}
            for med, n, median, n_maint, in_band in table.iter_rows()]


@dataclass
class DosesRun:
    """What `ost-audit doses` shows for several returns: each return's audit, and the totals across them."""

    guideline: str
    audits: list[DoseAudit]

    def counts(self) -> dict[str, int]:
        """Findings by severity over every return, validation and doses together."""
        per_file = [a.counts() for a in self.audits]
        return {s: sum(c[s] for c in per_file) for s in ("error", "warning", "info")}

    def findings_frame(self) -> pl.DataFrame:
        """Every return's findings in one frame, worst first (as `DoseAudit.findings_frame`)."""
        frames = [a.findings_frame() for a in self.audits]  # each already worst first
        return frames[0] if len(frames) == 1 else sort_findings_frame(pl.concat(frames))

    def inputs(self) -> list[dict[str, str]]:
        return [{"path": a.validated.path, "sha256": a.validated.sha256} for a in self.audits]

    def to_dict(self) -> dict[str, Any]:
        """What the JSON holds beside the envelope (cli.md): indicators and clients not judged, each with its file."""
        return {"guideline": self.guideline,
                "indicators": [dict(i.to_dict(), file=a.validated.path) for a in self.audits for i in a.indicators],
                "not_judged": [dict(n.to_dict(), file=a.validated.path) for a in self.audits for n in a.not_judged]}


def doses_run(paths: Iterable[str | Path], guideline: str = "uk-2017", on_file: Callable[[str], None] | None = None,
              schema: ReturnSchema | None = None) -> DosesRun:
    """`ost-audit doses` as a library call: the same result the command renders."""
    return DosesRun(guideline, audit_doses_many(paths, guideline, on_file=on_file, schema=schema))
