"""Several quarterly returns of one area: is care getting better, and who is being pushed out?

Indicators are per area and per period (the providers of a period pooled),
with the change from the first period to the last. Client trajectories follow
each provider's pseudonymised client ids from one of its returns to its next,
never matching on any other personal field, and never across a gap:

- vanished: in a return, not discharged, absent from the provider's next return;
- re_presented: discharged (any reason) and back in a later return within six months;
- reduced_while_using: DOSE_MG lower than in the previous return at two or more
  consecutive steps, with OPIUSE > 0 in the earlier return of each step.

Returns are validated first; a client whose row failed validation for a field
a definition needs is not judged by it (and counted), never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from audit.errors import InputRefused
from audit.findings import Finding, Location, Severity
from audit.prescribing.doses import DoseAudit, IndicatorResult, audit_doses
from audit.prescribing.guidelines import Guideline, load_guideline
from audit.prescribing.quarters import Period, by_period, pooled_indicators, provider_of
from audit.reporting.stats import newcombe_difference
from audit.returns.nhs import nhs_number_mask
from audit.returns.schema import load_schema
from audit.returns.validate import ROW

UNPLANNED = "Incomplete"  # NDTMS: every `Incomplete - ...` discharge reason is an unplanned exit
COMPLETED = "Treatment completed"
RE_PRESENT_WITHIN = "6mo"
# Time in treatment (TRIAGED to discharge or PERIOD_END), in days: upper bounds and their names.
TIME_BANDS = ((91, "under 3 months"), (365, "3 to 12 months"), (730, "1 to 2 years"), (1826, "2 to 5 years"),
              (None, "5 years or more"))
TRAJECTORIES = ("vanished", "re_presented", "reduced_while_using")
COLUMNS = ("CLIENTID", "OST_MEDICATION", "DOSE_MG", "OPIUSE", "PHASE", "DISD", "DISRSN", "TRIAGED", "OST_START")


@dataclass
class Quarter:
    """One period of the area: every provider's return for it, and what they add up to."""

    period: Period
    returns: list[DoseAudit]
    indicators: list[IndicatorResult]
    clients: int
    discharges: int
    unplanned: dict[str, int]  # unplanned discharge reason -> clients
    time_in_treatment: dict[str, int]  # band -> clients
    median_days: float | None

    @property
    def unplanned_total(self) -> int:
        return sum(self.unplanned.values())

    def to_dict(self) -> dict[str, Any]:
        return {"period_start": self.period.start.isoformat(), "period_end": self.period.end.isoformat(),
                "clients": self.clients, "providers": sorted(provider_of(a) for a in self.returns),
                "files": [a.validated.path for a in self.returns],
                "indicators": [i.to_dict() for i in self.indicators],
                "discharges": self.discharges, "unplanned_discharges": self.unplanned_total,
                "unplanned_by_reason": self.unplanned,
                "time_in_treatment": {"median_days": self.median_days, "bands": self.time_in_treatment}}


@dataclass
class Change:
    """An indicator from the first period to the last, with Newcombe's interval for the difference."""

    id: str
    label: str
    better: str
    first: IndicatorResult
    last: IndicatorResult
    difference: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def verdict(self) -> str:
        """improved / worse when the interval for the difference excludes zero, in the indicator's better direction."""
        if self.difference is None or self.ci_low is None or self.ci_high is None or self.ci_low <= 0 <= self.ci_high:
            return "no-clear-change"
        went_up = self.ci_low > 0
        return "improved" if went_up == (self.better == "high") else "worse"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "better": self.better, "first": self.first.value,
                "last": self.last.value, "first_counts": [self.first.numerator, self.first.denominator],
                "last_counts": [self.last.numerator, self.last.denominator], "difference": self.difference,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "verdict": self.verdict}


@dataclass
class Gap:
    """Days with no return between two returns (of the area, or of one provider)."""

    provider: str | None
    after: Period
    before: Period
    file: str  # the first return after the gap

    @property
    def missing(self) -> Period:
        return Period(self.after.end + dt.timedelta(days=1), self.before.start - dt.timedelta(days=1))

    def sentence(self) -> str:
        who = f"provider {self.provider}" if self.provider else "the area"
        return (f"No return from {who} for {self.missing}: nothing is judged across the gap "
                f"between {self.after} and {self.before}.")

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "from": self.missing.start.isoformat(), "to": self.missing.end.isoformat(),
                "message": self.sentence()}


@dataclass
class History:
    guideline: Guideline
    quarters: list[Quarter]
    changes: list[Change]
    trajectories: dict[str, list[dict[str, Any]]]
    not_judged: dict[str, int]
    gaps: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: list[InputRefused] = field(default_factory=list)

    @property
    def returns(self) -> list[DoseAudit]:
        return [a for q in self.quarters for a in q.returns]

    @property
    def synthetic(self) -> bool:
        return any(a.validated.synthetic for a in self.returns)

    @property
    def area(self) -> str:
        sub = self.returns[0].validated.submission if self.returns else {}
        return str(sub.get("LA_NAME") or sub.get("LA_CODE") or "?")

    def change(self, indicator_id: str) -> Change | None:
        return next((c for c in self.changes if c.id == indicator_id), None)

    def findings(self) -> list[Finding]:
        """Validation findings of every return, then one finding per gap and per client flagged."""
        out = [f for a in self.returns for f in a.validated.findings]
        out += [Finding("HIST-GAP", Severity.WARNING, g.sentence(), Location(g.file)) for g in self.gaps]
        for name, severity, what in (("vanished", Severity.WARNING, "left treatment with no discharge recorded"),
                                     ("reduced_while_using", Severity.WARNING, "dose cut at consecutive quarters while using on top"),
                                     ("re_presented", Severity.INFO, "back in treatment within six months of discharge")):
            for item in self.trajectories[name]:
                out.append(Finding(f"HIST-{name.upper().replace('_', '-')}", severity,
                                   f"client {item['client']} of provider {item['provider']}: {what}",
                                   Location(item["file"], load_schema().ost_sheet, item["cell"], item["row"], "CLIENTID"),
                                   item["client"], item["client"], extra={"details": item}))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"quarters": [q.to_dict() for q in self.quarters], "changes": [c.to_dict() for c in self.changes],
                "trajectories": self.trajectories, "not_judged": self.not_judged,
                "gaps": [g.to_dict() for g in self.gaps], "notes": self.notes}


def history_of(paths: Iterable[str | Path], guideline: str = "uk-2017",
               on_file: Callable[[str], None] | None = None) -> History:
    """Audit the returns of one area (a folder, or files) and follow them over time."""
    from audit.reporting.area import area_files, refuse_identifiable

    rules = load_guideline(guideline)
    returns, _contracts = area_files(paths)
    if not returns:
        raise InputRefused(", ".join(str(p) for p in paths), "holds no return (.xlsx) to follow over time")
    audits = []
    for path in returns:
        audits.append(refuse_identifiable(audit_doses(path, rules)))
        if on_file:
            on_file(str(path))
    return build_history(audits, rules)


def build_history(audits: Sequence[DoseAudit], guideline: Guideline) -> History:
    """Quarters, changes and trajectories of already-audited returns of one area."""
    _one_area(audits)
    groups = by_period(audits)
    periods = list(groups)
    sequences: dict[str, list[tuple[Period, DoseAudit]]] = {}
    for period, group in groups.items():
        for audit in group:
            sequences.setdefault(provider_of(audit), []).append((period, audit))
    frame = pl.concat([_clients(audit, provider, k, seq) for provider, seq in sequences.items()
                       for k, (_, audit) in enumerate(seq)], how="vertical_relaxed")
    quarters = [_quarter(p, group, frame.filter(pl.col("period_start") == p.start), guideline) for p, group in groups.items()]
    changes = _changes(quarters[0], quarters[-1]) if len(quarters) > 1 else []
    gaps = [Gap(None, a, b, groups[b][0].validated.path) for a, b in zip(periods, periods[1:]) if not b.follows(a)]
    notes = [] if len(quarters) > 1 else [f"Only one quarter ({periods[0]}): there is no change to measure and no client "
                                           "to follow; give the area's returns for several quarters."]
    for provider, seq in sorted(sequences.items()):
        ps = [p for p, _ in seq]
        gaps += [Gap(provider, a, b, later.validated.path) for (a, _), (b, later) in zip(seq, seq[1:])
                 if not b.follows(a) and (a, b) not in _pairs(periods)]
        if ps[-1] != periods[-1]:
            notes.append(f"Provider {provider} has no return after {ps[-1].end.isoformat()}: its clients in that "
                         "return are not followed further.")
    firsts = [seq[0][1].validated.path for seq in sequences.values()]  # nothing before a provider's first return to judge
    blank_ids = frame.filter(pl.col("CLIENTID").is_null() & ~pl.col("file").is_in(firsts))
    for (file, blank) in blank_ids.group_by("file", maintain_order=True).len().iter_rows():
        notes.append(f"{file} has {blank} row{'' if blank == 1 else 's'} with no CLIENTID: no client is judged to have vanished from the "
                     "return before it.")
    trajectories, not_judged = _trajectories(frame)
    return History(guideline, quarters, changes, trajectories, not_judged, gaps, notes)


def _pairs(periods: list[Period]) -> set[tuple[Period, Period]]:
    """Consecutive area periods: a provider's gap that is the area's gap is said once."""
    return set(zip(periods, periods[1:]))


def _one_area(audits: Sequence[DoseAudit]) -> None:
    codes: dict[str, str] = {}
    for audit in audits:
        code = audit.validated.submission.get("LA_CODE")
        if code:
            codes.setdefault(str(code), audit.validated.path)
    if len(codes) > 1:
        (a, path_a), (b, path_b) = list(codes.items())[:2]
        raise InputRefused(path_b, f"is a return for {b} but {path_a} is for {a}; `history` follows one area at a time")


def _quarter(period: Period, returns: list[DoseAudit], clients: pl.DataFrame, guideline: Guideline) -> Quarter:
    """A period's pooled indicators, discharges and time in treatment (each over the clients whose fields are valid)."""
    discharged = clients.filter(pl.col("ok_DISD") & pl.col("DISD").is_not_null())
    unplanned = discharged.filter(pl.col("ok_DISRSN") & pl.col("DISRSN").str.starts_with(UNPLANNED))
    days = clients.filter(pl.col("ok_DISD") & pl.col("ok_TRIAGED")).select(
        days=(pl.coalesce(pl.col("DISD"), pl.col("period_end")) - pl.col("TRIAGED")).dt.total_days()
    ).filter(pl.col("days") >= 0)["days"]
    band = pl.lit(TIME_BANDS[-1][1])
    for limit, name in reversed(TIME_BANDS[:-1]):
        band = pl.when(pl.col("days") < limit).then(pl.lit(name)).otherwise(band)
    counted = dict(days.to_frame().select(band).to_series().value_counts().iter_rows())
    return Quarter(period, returns, pooled_indicators(returns, guideline), sum(a.validated.clients.height for a in returns),
                   discharged.height, dict(sorted(unplanned.group_by("DISRSN").len().iter_rows())),
                   {name: int(counted.get(name, 0)) for _, name in TIME_BANDS},
                   float(days.median()) if len(days) else None)


def _changes(first: Quarter, last: Quarter) -> list[Change]:
    out = []
    for a, b in zip(first.indicators, last.indicators):
        if a.denominator and b.denominator:
            difference, low, high = newcombe_difference(a.numerator, a.denominator, b.numerator, b.denominator)
        else:
            difference = low = high = None
        out.append(Change(a.id, a.label, a.better, a, b, difference, low, high))
    return out


def _clients(audit: DoseAudit, provider: str, k: int, seq: list[tuple[Period, DoseAudit]]) -> pl.DataFrame:
    """One row per client of one return, with whether each field a definition needs is valid.

    `k` is the return's place in its provider's sequence; `follows` says the
    previous one ends the day before this one starts (no gap to judge across).
    """
    v = audit.validated
    period = seq[k][0]
    follows = k > 0 and period.follows(seq[k - 1][0])
    letter = v.letters.get("CLIENTID", "A")
    ids_ok = ~v.invalid["CLIENTID"] & v.clients["CLIENTID"].is_not_null()
    frame = v.clients.select(ROW, *COLUMNS).with_columns(
        pl.col("CLIENTID").cast(pl.String), pl.col("OPIUSE").cast(pl.Int64), pl.col("DOSE_MG").cast(pl.Float64),
        provider=pl.lit(provider), k=pl.lit(k), follows=pl.lit(follows), file=pl.lit(v.path),
        period_start=pl.lit(period.start), period_end=pl.lit(period.end), letter=pl.lit(letter),
        **{f"ok_{c}": ~v.invalid[c] for c in COLUMNS},
    )
    # ids failing validation (NHS numbers among them) are never matched, shown or written
    return frame.with_columns(ok_CLIENTID=ids_ok & ~nhs_number_mask(pl.col("CLIENTID")))


def _ok(*columns: str, suffix: str = "") -> pl.Expr:
    return pl.all_horizontal([pl.col(f"ok_{c}{suffix}") for c in columns])


def _trajectories(frame: pl.DataFrame) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    present = frame.filter(pl.col("CLIENTID").is_not_null()).select("provider", "k", "CLIENTID")
    # a return with rows lacking a CLIENTID cannot show that anyone is absent from it
    follows_next = frame.group_by("provider", "k").agg(
        pl.col("follows").first(), next_start=pl.col("period_start").first(), next_end=pl.col("period_end").first(),
        next_file=pl.col("file").first(), identified=pl.col("CLIENTID").is_not_null().all(),
    ).with_columns(pl.col("k") - 1)
    judged = frame.filter(pl.col("ok_CLIENTID"))
    vanished, nj_vanished = _vanished(frame, judged, present, follows_next)
    re_presented, nj_re = _re_presented(frame, judged)
    reduced, nj_reduced = _reduced_while_using(judged, follows_next)
    not_judged_ids = frame.filter(~pl.col("ok_CLIENTID")).height
    return ({"vanished": vanished, "re_presented": re_presented, "reduced_while_using": reduced},
            {"vanished": nj_vanished + not_judged_ids, "re_presented": nj_re + not_judged_ids,
             "reduced_while_using": nj_reduced + not_judged_ids})


def _evidence_base() -> list[pl.Expr]:
    """client, provider and where the client's row is: kept in every trajectory item."""
    return [pl.col("CLIENTID").alias("client"), pl.col("provider"), pl.col("file"), pl.col(ROW).alias("row"),
            pl.concat_str([pl.col("letter"), pl.col(ROW).cast(pl.String)]).alias("cell")]


def _vanished(frame: pl.DataFrame, judged: pl.DataFrame, present: pl.DataFrame,
              follows_next: pl.DataFrame) -> tuple[list[dict[str, Any]], int]:
    """Not discharged in one return and absent from the provider's next one, when that next one follows without a gap."""
    candidates = judged.join(follows_next.filter(pl.col("follows")), on=["provider", "k"], how="inner")
    not_judged = candidates.filter(~pl.col("ok_DISD") | ~pl.col("identified")).height
    open_ = candidates.filter(pl.col("ok_DISD") & pl.col("identified") & pl.col("DISD").is_null())
    gone = open_.join(present.with_columns(pl.col("k") - 1), on=["provider", "k", "CLIENTID"], how="anti")
    later = present.rename({"k": "back_k"}).join(frame.select("provider", "k", back_start="period_start").unique(),
                                                 left_on=["provider", "back_k"], right_on=["provider", "k"])
    back = gone.join(later, on=["provider", "CLIENTID"], how="left").filter(
        pl.col("back_k").is_null() | (pl.col("back_k") > pl.col("k") + 1)).group_by("provider", "k", "CLIENTID").agg(
        pl.col("back_start").min())
    gone = gone.join(back, on=["provider", "k", "CLIENTID"], how="left")
    rows = gone.sort("provider", "period_start", "CLIENTID").select(
        *_evidence_base(), last_seen_start=pl.col("period_start"), last_seen_end=pl.col("period_end"),
        absent_from_start=pl.col("next_start"), absent_from_end=pl.col("next_end"), absent_from_file=pl.col("next_file"),
        medication=pl.col("OST_MEDICATION"), dose_mg=pl.col("DOSE_MG"), phase=pl.col("PHASE"), opiuse=pl.col("OPIUSE"),
        seen_again_start=pl.col("back_start"))
    return _items(rows), not_judged


def _re_presented(frame: pl.DataFrame, judged: pl.DataFrame) -> tuple[list[dict[str, Any]], int]:
    """Discharged (any reason) and in a later return of the same provider within six months.

    Back is dated by the later row's TRIAGED when it is after the discharge (a new
    journey), else its OST_START, else the start of the later return's period.
    """
    discharged = judged.filter(pl.col("DISD").is_not_null() | ~pl.col("ok_DISD"))
    not_judged = discharged.filter(~pl.col("ok_DISD")).height
    discharged = discharged.filter(pl.col("ok_DISD"))
    later = judged.select("provider", "CLIENTID", "file", ROW, "letter", "TRIAGED", "OST_START", "OST_MEDICATION",
                          "DOSE_MG", "ok_TRIAGED", "ok_OST_START", back_k="k", back_start="period_start")
    pairs = discharged.join(later, on=["provider", "CLIENTID"], suffix="_back").filter(pl.col("back_k") > pl.col("k"))
    first = pairs.sort("back_k").group_by("provider", "k", "CLIENTID", maintain_order=True).first()
    not_judged += first.filter(~pl.col("ok_TRIAGED_back") | ~pl.col("ok_OST_START_back")).height
    first = first.filter(pl.col("ok_TRIAGED_back") & pl.col("ok_OST_START_back"))
    after = pl.col("DISD")
    back = (pl.when(pl.col("TRIAGED_back") > after).then(pl.col("TRIAGED_back"))
            .when(pl.col("OST_START_back") > after).then(pl.col("OST_START_back"))
            .otherwise(pl.max_horizontal(pl.col("back_start"), after)))
    evidence = (pl.when(pl.col("TRIAGED_back") > after).then(pl.lit("TRIAGED"))
                .when(pl.col("OST_START_back") > after).then(pl.lit("OST_START")).otherwise(pl.lit("PERIOD_START")))
    found = first.with_columns(back=back, back_by=evidence).filter(
        pl.col("back") <= pl.col("DISD").dt.offset_by(RE_PRESENT_WITHIN))
    rows = found.sort("provider", "DISD", "CLIENTID").select(
        client=pl.col("CLIENTID"), provider=pl.col("provider"), file=pl.col("file_back"), row=pl.col(f"{ROW}_back"),
        cell=pl.concat_str([pl.col("letter_back"), pl.col(f"{ROW}_back").cast(pl.String)]),
        discharged=pl.col("DISD"), reason=pl.col("DISRSN"), completed=pl.col("DISRSN").str.starts_with(COMPLETED).fill_null(False),
        discharge_quarter_start=pl.col("period_start"), discharge_file=pl.col("file"),
        back=pl.col("back"), back_by=pl.col("back_by"), back_quarter_start=pl.col("back_start"),
        days_out=(pl.col("back") - pl.col("DISD")).dt.total_days(), medication=pl.col("OST_MEDICATION_back"),
        dose_mg=pl.col("DOSE_MG_back"))
    return _items(rows), not_judged


def _reduced_while_using(judged: pl.DataFrame, follows_next: pl.DataFrame) -> tuple[list[dict[str, Any]], int]:
    """Runs of two or more consecutive quarter-to-quarter dose cuts of one medicine, each while using (OPIUSE > 0)."""
    needs = ("OST_MEDICATION", "DOSE_MG", "OPIUSE")
    steps = judged.join(follows_next.filter(pl.col("follows")).select("provider", "k"), on=["provider", "k"]).join(
        judged.with_columns(pl.col("k") - 1), on=["provider", "k", "CLIENTID"], suffix="_next")
    valid = _ok(*needs) & _ok("OST_MEDICATION", "DOSE_MG", suffix="_next")
    not_judged = steps.filter(~valid).select("provider", "CLIENTID").unique().height
    cut = steps.filter(valid & (pl.col("OST_MEDICATION") == pl.col("OST_MEDICATION_next"))
                       & (pl.col("DOSE_MG_next") < pl.col("DOSE_MG")) & (pl.col("OPIUSE") > 0))
    cut = cut.sort("provider", "CLIENTID", "k").with_columns(
        run=(pl.col("k") != pl.col("k").shift(1).over("provider", "CLIENTID") + 1).fill_null(True).cum_sum())
    runs = cut.group_by("provider", "CLIENTID", "run").agg(
        pl.len().alias("steps"), pl.col("file_next").last().alias("file"), pl.col(f"{ROW}_next").last().alias("row"),
        pl.col("letter_next").last().alias("letter"), pl.col("OST_MEDICATION").first().alias("medication"),
        pl.col("period_start").alias("from"), pl.col("period_start_next").alias("to"),
        pl.col("DOSE_MG").alias("dose_from"), pl.col("DOSE_MG_next").alias("dose_to"), pl.col("OPIUSE").alias("opiuse"),
        pl.col("PHASE").alias("phase"),
    ).filter(pl.col("steps") >= 2)
    rows = runs.sort("provider", "CLIENTID", "run").select(
        client=pl.col("CLIENTID"), provider=pl.col("provider"), file=pl.col("file"), row=pl.col("row"),
        cell=pl.concat_str([pl.col("letter"), pl.col("row").cast(pl.String)]), medication=pl.col("medication"),
        quarters=pl.concat_list(pl.col("from").list.first(), pl.col("to")),
        doses_mg=pl.concat_list(pl.col("dose_from").list.first(), pl.col("dose_to")),
        opiuse=pl.col("opiuse"), phase=pl.col("phase"))
    return _items(rows), not_judged


def _items(rows: pl.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready dicts: dates as ISO text, whole doses without .0."""
    return [{k: _plain(v) for k, v in item.items()} for item in rows.to_dicts()]


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
