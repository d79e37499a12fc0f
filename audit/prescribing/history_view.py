"""The over-time view in words and pictures: text for a terminal (80 columns) and the report's section.

Both say the same things in the same words: one sentence of evidence per
flagged client, made here once.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

from audit.prescribing.history import TRAJECTORIES, UNPLANNED, Change, History, Quarter
from audit.reporting.output import percent, plural

WIDTH = 80
HEADINGS = {
    "vanished": "Vanished: in a return, not discharged, absent from the provider's next return",
    "re_presented": "Re-presented: discharged, then back in treatment within six months",
    "reduced_while_using": "Reduced while using: dose cut at two or more consecutive quarters, "
                           "using illicit opioids on top before each cut",
}
VERDICT_CLASS = {"improved": "good", "worse": "bad", "no-clear-change": "neutral"}
BACK_BY = {"TRIAGED": "a new treatment journey", "OST_START": "a new OST start",
           "PERIOD_START": "in the return, no new start date recorded"}


def counts_words(history: History) -> str:
    """`6 vanished, 3 re-presented, 7 reduced while using`."""
    return ", ".join(f"{len(history.trajectories[name])} {words}" for name, words in
                     (("vanished", "vanished"), ("re_presented", "re-presented"), ("reduced_while_using", "reduced while using")))


def quarter_label(q: Quarter) -> str:
    """`Apr 2023`: the month the period starts, short enough for a chart axis."""
    return q.period.start.strftime("%b %Y")


def evidence(name: str, item: dict[str, Any]) -> str:
    """One plain sentence of what the returns show about a flagged client."""
    if name == "vanished":
        again = f"; seen again from {item['seen_again_start']}" if item["seen_again_start"] else ""
        return (f"in the return for {item['last_seen_start']} to {item['last_seen_end']} "
                f"({item['medication']} {_mg(item['dose_mg'])}, {item['phase']}), not discharged; absent from the "
                f"return for {item['absent_from_start']} to {item['absent_from_end']}{again}")
    if name == "re_presented":
        lasted = "; the completion did not last six months" if item["completed"] else ""
        return (f"discharged {item['discharged']} ({item['reason'] or 'reason not given'}); back {item['back']} "
                f"({BACK_BY[item['back_by']]}), {item['days_out']} days later, on {item['medication']} "
                f"{_mg(item['dose_mg'])}{lasted}")
    doses = " > ".join(f"{d:g}" for d in item["doses_mg"])
    months = ", ".join(dt.date.fromisoformat(q).strftime("%b %Y") for q in item["quarters"])
    use = _and([str(u) for u in item["opiuse"]])
    return (f"{item['medication']} {doses} mg in the returns from {months}; illicit opioid use on "
            f"{use} of 28 days before the cuts")


def _and(words: list[str]) -> str:
    """`5, 11 and 19`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _mg(dose: Any) -> str:
    return "? mg" if dose is None else f"{dose:g} mg"


def _years(days: float | None) -> str:
    return "-" if days is None else f"{days / 365.25:.1f} years"


def _points(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.1f}"


def change_badge(change: Change) -> str:
    """The report's badge: the verdict, or "not computed" when an end quarter has nobody to judge (never a verdict)."""
    return "not computed" if change.difference is None else change.verdict


def change_words(change: Change, verdict: bool = True) -> str:
    """`+15.8 points, 95% CI +6.3 to +24.8: improved` (first quarter to last)."""
    if change.difference is None:  # the change is first to last: say which end has nobody to judge
        empty = [end for end, cell in (("first", change.first), ("last", change.last)) if not cell.denominator]
        why = "the first and last quarters have" if len(empty) == 2 else f"the {empty[0]} quarter has"
        return f"not computed: {why} no clients to judge" if verdict else f"{why} no clients to judge"
    words = f"{_points(change.difference)} points, 95% CI {_points(change.ci_low)} to {_points(change.ci_high)}"
    return f"{words}: {change.verdict.replace('-', ' ')}" if verdict else words


def text_lines(history: History, quiet: bool = False) -> list[str]:
    """The history as lines of at most 80 characters."""
    qs = history.quarters
    out = wrap(f"History of {history.area}: {plural(len(qs), 'quarter')}, {qs[0].period.start} to {qs[-1].period.end}", "") + [
           f"Guideline {history.guideline.id}. Client ids are each provider's pseudonyms."]
    for sentence in [g.sentence() for g in history.gaps] + history.notes:
        out += wrap(sentence, "  ")
    out += ["", "Quarters", f"  {'period':<24} {'clients':>7} {'discharges':>10} {'unplanned':>9}  {'median stay':>11}"]
    for q in qs:
        out.append(f"  {str(q.period):<24} {q.clients:>7} {q.discharges:>10} {q.unplanned_total:>9}  {_years(q.median_days):>11}")
    out += ["", "Indicators by quarter (95% Wilson interval)"]
    for i, ind in enumerate(qs[0].indicators):
        out += wrap(f"{ind.label} ({'higher' if ind.better == 'high' else 'lower'} is better)", "  ")
        for q in qs:
            cell = q.indicators[i]
            ci = "" if cell.ci_low is None else f"  ({percent(cell.ci_low)} to {percent(cell.ci_high)})"
            out.append(f"    {quarter_label(q):<9} {cell.numerator:>5}/{cell.denominator:<5} {percent(cell.value):>6}{ci}")
        change = history.change(ind.id)
        if change is not None:
            out += wrap(f"change {change_words(change)}", "    ")
    for name in TRAJECTORIES:
        items = history.trajectories[name]
        out += [""] + wrap(f"{HEADINGS[name]}: {plural(len(items), 'client')}", "")
        if history.not_judged[name]:
            out += wrap(f"{plural(history.not_judged[name], 'client row')} not judged: a field this needs failed validation", "  ")
        if quiet:
            continue
        for item in items:
            out.append(f"  {item['client']} (provider {item['provider']})")
            out += wrap(evidence(name, item), "    ")
    return out


def wrap(text: str, indent: str = "") -> list[str]:
    """Lines of at most 80 characters; continuation lines indented two more."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ", break_on_hyphens=False)


def report_context(history: History) -> dict[str, Any]:
    """What the report's "Over time" section shows: a chart per indicator and the trajectory lists."""
    from audit.reporting.svg import small_multiple

    qs = history.quarters
    charts = []
    for i, ind in enumerate(qs[0].indicators):
        points = [(quarter_label(q), q.indicators[i].value, q.indicators[i].ci_low, q.indicators[i].ci_high) for q in qs]
        change = history.change(ind.id)
        charts.append({"label": ind.label, "id": ind.id, "better": ind.better, "svg": small_multiple(points, ind.label),
                       "verdict": change_badge(change) if change else None,
                       "verdict_class": VERDICT_CLASS.get(change.verdict, "neutral") if change else "neutral",
                       "words": change_words(change, verdict=False) if change else ""})
    lists = [{"name": name, "heading": HEADINGS[name], "not_judged": history.not_judged[name],
              "rows": [(item["client"], item["provider"], evidence(name, item)) for item in history.trajectories[name]]}
             for name in TRAJECTORIES]
    quarters = [{"period": str(q.period), "label": quarter_label(q), "clients": q.clients, "discharges": q.discharges,
                 "unplanned": q.unplanned_total,
                 "reasons": ", ".join(f"{reason.removeprefix(UNPLANNED + ' - ')} {n}" for reason, n in q.unplanned.items()), "median": _years(q.median_days),
                 "bands": q.time_in_treatment} for q in qs]
    return {"charts": charts, "lists": lists, "quarters": quarters,
            "gaps": [g.sentence() for g in history.gaps], "notes": history.notes,
            "first": qs[0].period.start.isoformat(), "last": qs[-1].period.end.isoformat(),
            "bands": list(qs[0].time_in_treatment)}
