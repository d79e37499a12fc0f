"""Returns placed in time: which period each covers, grouped by period, the latest one.

An area folder may hold several quarters. Current figures come from the latest
period only (never pooled across quarters); `history` uses every period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from audit.errors import InputRefused
from audit.prescribing.doses import DoseAudit, IndicatorResult
from audit.prescribing.guidelines import Guideline
from audit.reporting.stats import wilson


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def follows(self, earlier: Period) -> bool:
        """True when this period starts the day after `earlier` ends: no gap between them."""
        return self.start == earlier.end + dt.timedelta(days=1)


def period_of(audit: DoseAudit) -> Period:
    """The Submission period of a return; refused when it cannot be placed in time."""
    sub = audit.validated.submission
    start, end = sub.get("PERIOD_START"), sub.get("PERIOD_END")
    if not isinstance(start, dt.date) or not isinstance(end, dt.date) or end < start:
        raise InputRefused(audit.validated.path, "has no valid PERIOD_START and PERIOD_END on its Submission sheet, "
                                                 "so it cannot be placed among the quarters")
    return Period(start, end)


def provider_of(audit: DoseAudit) -> str:
    provider = audit.validated.submission.get("PROVIDER_CODE")
    if not isinstance(provider, str) or not provider:
        raise InputRefused(audit.validated.path, "has no valid PROVIDER_CODE on its Submission sheet, "
                                                 "so its clients cannot be followed from quarter to quarter")
    return provider


def by_period(audits: Sequence[DoseAudit]) -> dict[Period, list[DoseAudit]]:
    """Returns grouped by period, oldest first. Refuses two returns of one provider for the same
    period, and periods that overlap without being the same (they cannot be put in order)."""
    groups: dict[Period, list[DoseAudit]] = {}
    seen: dict[tuple[str, Period], DoseAudit] = {}
    for audit in audits:
        period, provider = period_of(audit), provider_of(audit)
        other = seen.setdefault((provider, period), audit)
        if other is not audit:
            raise InputRefused(other.validated.path, f"and {audit.validated.path} are both provider {provider}'s return "
                                                     f"for {period}; keep one of them")
        groups.setdefault(period, []).append(audit)
    ordered = dict(sorted(groups.items()))
    periods = list(ordered)
    for earlier, later in zip(periods, periods[1:]):
        if later.start <= earlier.end:
            raise InputRefused(ordered[later][0].validated.path,
                               f"covers {later}, which overlaps {earlier} of {ordered[earlier][0].validated.path}; "
                               "returns of one area must cover separate periods")
    return ordered


def latest_period(audits: Sequence[DoseAudit]) -> tuple[list[DoseAudit], list[DoseAudit]]:
    """(the returns of the latest period, the earlier ones), refusing what `by_period` refuses."""
    if len(audits) < 2:
        return list(audits), []
    groups = by_period(audits)
    latest = list(groups)[-1]
    return groups[latest], [a for p, group in groups.items() if p != latest for a in group]


def pooled_indicators(audits: Sequence[DoseAudit], guideline: Guideline) -> list[IndicatorResult]:
    """Indicators over the returns of one period: numerators and denominators add up (0 of 0 when empty)."""
    if len(audits) == 1 and audits[0].indicators:
        return audits[0].indicators
    pooled = []
    for ind in guideline.indicators:
        parts = [i for a in audits for i in a.indicators if i.id == ind.id]
        n, d = sum(i.numerator for i in parts), sum(i.denominator for i in parts)
        lo, hi = wilson(n, d) if d else (None, None)
        pooled.append(IndicatorResult(ind.id, ind.label, n, d, n / d if d else None, lo, hi, ind.better, ind.headline,
                                      sum(i.not_judged for i in parts)))
    return pooled
