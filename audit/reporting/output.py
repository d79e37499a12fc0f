"""Rendering results for people (text) and programs (JSON), and writing them safely."""

from __future__ import annotations

import io
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from audit import __version__
from audit.errors import InputRefused
from audit.findings import Finding, summarise, worst_first, write_findings_json
from audit.prescribing.conditions import describe
from audit.printable import json_safe, markup
from audit.xlsx_write import write_atomic

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def envelope(command: str, inputs: Iterable[dict[str, str]], findings: list[Finding], **extra: Any) -> dict[str, Any]:
    """The JSON every command emits (cli.md)."""
    ordered = worst_first(findings)
    out: dict[str, Any] = {
        "tool": "ost-audit",
        "version": __version__,
        "command": command,
        "inputs": list(inputs),
        "summary": summarise(ordered),
        "findings": [f.to_dict() for f in ordered],
    }
    out.update(extra)
    return out


def envelope_stream(command: str, inputs: Iterable[dict[str, str]], findings_frame, summary: dict[str, int],
                    **extra: Any) -> Callable[[BinaryIO], None]:
    """The JSON of `envelope` as a writer: the findings array streams from polars (see write_findings_json)."""
    head = {"tool": "ost-audit", "version": __version__, "command": command, "inputs": list(inputs), "summary": summary}
    marker = "\u0000findings\u0000"
    before, after = to_json({**head, "findings": marker, **extra}).split(json.dumps(marker), 1)

    def write(stream: BinaryIO) -> None:
        stream.write(before.encode("utf-8"))
        write_findings_json(findings_frame, stream)
        stream.write(after.encode("utf-8"))
    return write


def to_json(data: dict[str, Any]) -> str:
    """Compact JSON: the C encoder is ten times faster than the indenting one (pipe it to `jq` to read).

    Hidden characters from inputs (bidi overrides, C1 controls) are written as escapes (see printable)."""
    return json_safe(json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)) + "\n"


SHOWN_PLACES = 5  # places listed per group of findings; --all lists every one with its own message

NOUNS = {"error": "errors", "warning": "warnings", "info": "notes"}


def plural(count: int, word: str, words: str | None = None) -> str:
    """`1 area`, `2 areas`: the count with its noun agreeing."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def counts_words(counts: dict[str, int]) -> str:
    """`2 errors, 1 warning, 0 notes`."""
    return ", ".join(plural(counts[level], "note" if level == "info" else level) for level in ("error", "warning", "info"))


def group_findings(findings: Iterable[Finding]) -> list[list[Finding]]:
    """Findings of one rule on one column (or place) together, worst and biggest group first."""
    groups: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
    for f in worst_first(findings):
        groups[(f.rule, f.location.sheet or "", f.location.column or "")].append(f)
    return sorted(groups.values(), key=lambda items: (items[0].severity.rank, -len(items), items[0].rule))


def places_text(items: list[Finding], limit: int | None) -> str:
    """`OST!C46, C50, C61 and 18 more`: the sheet named once, places in order."""
    labels, sheet = [], None
    for f in items if limit is None else items[:limit]:
        label = f.location.label()
        if f.location.cell and f.location.sheet == sheet:
            label = f.location.cell
        sheet = f.location.sheet if f.location.cell else None
        labels.append(markup(label))
    more = 0 if limit is None else len(items) - limit
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def text_findings(console, findings: list[Finding], *, show_all: bool = False, indent: str = "  ") -> None:
    """Per file a summary line, then one block per rule and column: count, first places, one message, the fix.

    The same fault on 21 cells is one block listing the cells; `show_all` lists every cell with its own message."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.location.file].append(f)
    for number, (file, items) in enumerate(sorted(by_file.items())):
        heading(console, f"[bold underline]{markup(file)}[/bold underline]: {counts_words(summarise(items))}", number)
        text_groups(console, items, show_all=show_all, indent=indent)


def heading(console, text: str, number: int) -> None:
    """A file's heading line, a blank line before every one but the first; a long one continues two columns in."""
    if number:
        console.print()
    hang(console, "", text, more=2)


def text_groups(console, findings: list[Finding], *, show_all: bool = False, indent: str = "  ") -> None:
    """The blocks of `text_findings` for one file's findings."""
    hidden = 0
    for items in group_findings(findings):
        first = items[0]
        style = SEVERITY_STYLE[first.severity.value]
        where = " ".join(markup(part) for part in (first.location.sheet, first.location.column) if part)
        what = plural(len(items), "cell") if first.location.cell else plural(len(items), "place")
        hang(console, f"{indent}[{style}]{first.severity.value:<7}[/{style}] ", f"[bold]{first.rule}[/bold]"
             f"{' ' + where if where else ''}, {what}: {places_text(items, None if show_all else SHOWN_PLACES)}")
        pad = indent + " " * 8
        if show_all and len(items) > 1:
            for f in items:
                hang(console, pad, f"{markup(f.location.label())}: {markup(f.message)}", more=2)
        else:
            hang(console, pad, markup(first.message) + (f"  [dim](the first of {len(items)})[/dim]" if len(items) > 1 else ""), more=2)
        if first.fix:
            hang(console, f"{pad}[dim]fix:[/dim] ", f"[dim]{markup(first.fix)}[/dim]")
        hidden += 0 if show_all else max(0, len(items) - SHOWN_PLACES)
    if hidden:
        hang(console, indent, f"[dim]{plural(hidden, 'more place')} not listed: --all lists every one[/dim]", more=2)


def summary_line(findings: list[Finding], what: str) -> str:
    return counts_line(summarise(findings), what)


def counts_line(counts: dict[str, int], what: str) -> str:
    return f"{what}: {counts_words(counts)}"


def make_console(stream=None, colour: bool | None = None):
    """A terminal's console is as wide as the terminal; a pipe's or a file's is `file_width()`."""
    from rich.console import Console

    return Console(file=stream, highlight=False, force_terminal=colour, no_color=colour is False,
                   width=file_width() if stream is not None and not getattr(stream, "isatty", lambda: False)() else None)


def file_width() -> int:
    """Text for a pipe or a file wraps at COLUMNS when it is set, else at 80: a width every reader and editor shows."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) >= MIN_WIDTH else 80


MIN_WIDTH = 40  # narrower, a hanging line would have no room for its text


def hang(console, lead: str, body: str = "", more: int = 0) -> None:
    """One line of output wrapped to the console: `lead`, then `body` (both rich markup), each continuation line
    starting under the body's first character, `more` columns further in (2 where the lead is only indentation,
    so a continuation never looks like the next line)."""
    from rich.text import Text

    first, text, width = Text.from_markup(lead), Text.from_markup(body), console.width
    if first.cell_len + text.cell_len <= width:  # most lines fit: no wrapping to work out (--all prints thousands)
        console.print(Text.assemble(first, text), soft_wrap=True)
        return
    under = first.cell_len + more
    lines = text.wrap(console, max(MIN_WIDTH // 2, width - under))
    for line in lines:
        line.rstrip()
    console.print(Text("\n").join(Text.assemble(first if n == 0 else " " * under, line) for n, line in enumerate(lines)),
                  soft_wrap=True)


def capture_text(render) -> str:
    """Run a render function against a plain console and return what it wrote."""
    buffer = io.StringIO()
    render(make_console(buffer, colour=False))
    return buffer.getvalue()


def write_output(path: Path, content: str | Callable[[BinaryIO], None], inputs: Iterable[Path]) -> None:
    """Write an output file atomically, refusing to overwrite an input. `content` is text or a writer of bytes."""
    guard_output(path, inputs)
    if isinstance(content, str):
        write_atomic(path, lambda tmp: tmp.write_text(content, encoding="utf-8"))
        return

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            content(fh)
    write_atomic(path, write)


def guard_output(path: Path, inputs: Iterable[Path]) -> None:
    target = Path(path).resolve()
    for source in inputs:
        source = Path(source).resolve()
        if target == source:
            raise InputRefused(path, "is one of the inputs; choose another output path so the input is never overwritten")


def guard_outputs(outputs: dict[str, Path | None], inputs: Iterable[Path]) -> None:
    """Refuse, before any work, an output that is an input or two outputs that are one file (one would be lost).

    `outputs` maps each option to its path (None when not given); paths are compared resolved."""
    inputs = list(inputs)
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        guard_output(path, inputs)
        target = Path(path).resolve()
        if target in seen:
            raise InputRefused(path, f"is given as both {seen[target]} and {option}; one would overwrite the other, "
                                     "so choose two different files")
        seen[target] = option


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def text_table(title: str, columns: tuple[str, ...]):
    """A table of names then figures: the first column left, the figures right; a word too long folds, never cut."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for number, column in enumerate(columns):
        table.add_column(column, justify="right" if number else "left", overflow="fold")
    return table


def text_doses(console, audits, quiet: bool = False, show_all: bool = False) -> None:
    """For a clinical lead: by medication, indicators, then findings by rule (first few clients, or all), worst first."""
    for number, audit in enumerate(audits):
        v = audit.validated
        sub = v.submission
        la, provider, start, end = (markup(str(sub.get(k) or "?")) for k in ("LA_NAME", "PROVIDER_NAME", "PERIOD_START", "PERIOD_END"))
        heading(console, f"[bold underline]{markup(v.path)}[/bold underline]  {la} / {provider}, {start} to {end}, "
                f"guideline {markup(audit.guideline.id)}", number)
        meds = text_table("By medication", ("medication", "clients", "median mg", "maintenance", "in optimal band"))
        for row in audit.by_medication():
            band = row["optimal_band"]
            share = (f"{row['in_band']}/{row['maintenance']} ({band[0]:g}-{band[1]:g} mg)"
                     if band and row["in_band"] is not None else "-")
            meds.add_row(markup(row["medication"]), str(row["clients"]), f"{row['median_dose']:g}", str(row["maintenance"]), share)
        console.print(meds)
        table = text_table("Indicators (95% Wilson interval)", ("indicator", "numerator", "denominator", "value", "95% CI"))
        for ind in audit.indicators:
            ci = "-" if ind.ci_low is None else f"{percent(ind.ci_low)} to {percent(ind.ci_high)}"
            table.add_row(markup(ind.label), str(ind.numerator), str(ind.denominator), percent(ind.value), ci)
        console.print(table)
        if audit.not_judged:
            hang(console, "", "[bold]Not judged[/bold] (a field the rule needs failed validation, or the sheet has no such column):", more=2)
            for nj in audit.not_judged:
                why = ", ".join(f"{k} {n}" for k, n in nj.reasons.items())
                hang(console, f"  {nj.rule}: ", f"{plural(nj.count, 'client')} ({markup(why)})")
        if quiet:
            continue
        by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in worst_first(audit.findings):
            by_rule[f.rule].append(f)
        for rule_id, items in sorted(by_rule.items(), key=lambda kv: (kv[1][0].severity.rank, -len(kv[1]), kv[0])):
            rule = audit.guideline.rule(rule_id)
            console.print()
            hang(console, f"  [bold]{rule_id}[/bold] ", f"{markup(rule.title)}: {plural(len(items), 'client')}")
            hang(console, "    ", f"[dim]{markup(rule.citation)}[/dim]", more=2)
            for f in items if show_all else items[:SHOWN_PLACES]:
                style = SEVERITY_STYLE[f.severity.value]
                hang(console, f"    [{style}]{f.severity.value:<7}[/{style}] ",
                     f"{markup(f.location.label()):<10} {markup(str(f.client))}: {markup(f.message)}")
            if not show_all and len(items) > SHOWN_PLACES:
                hang(console, "    ", f"[dim]and {plural(len(items) - SHOWN_PLACES, 'more client')} (--all lists every one)[/dim]", more=2)
        if audit.validated.findings:
            errors = [f for f in audit.validated.findings if f.severity.value == "error"]
            console.print()
            hang(console, "  validation: ", f"{counts_words(summarise(audit.validated.findings))} (`ost-audit validate` for each cell)")
            text_groups(console, errors, show_all=show_all, indent="    ")


def text_rules(console, guideline) -> None:
    """One block per rule, its id alone on a line (never cut), the rest wrapped and indented to the terminal."""
    hang(console, "", markup(f"{guideline.id}: {guideline.title}"))
    for rule in guideline.rules:
        severity = rule.severity + "".join(f"; {e.severity} when {describe(e.when)}" for e in rule.escalate)
        lowered = "a clinical note lowers it" if rule.lowered_by_note else "a note does not lower it"
        console.print(f"\n[bold]{markup(rule.id)}[/bold]")
        for line in [f"{severity}; {lowered}; confidence {rule.confidence}", f"applies when: {rule.condition_text()}",
                     *citation_text(rule).splitlines()]:
            hang(console, "  ", markup(line))


def citation_text(rule) -> str:
    """The citation with each source's quoted wording, then the rule's note (disagreements, conventions)."""
    parts = [c.text + (f' "{c.quote}"' if c.quote else "") for c in rule.citations]
    return "source: " + "\nalso: ".join(parts) + (f"\nnote: {rule.note}" if rule.note else "")


def rules_data(guideline) -> list[dict[str, Any]]:
    return [{"id": r.id, "title": r.title, "medications": list(r.medications), "condition": r.condition_text(),
             "severity": r.severity, "escalate": [{"severity": e.severity, "when": describe(e.when), "because": e.because}
                                                  for e in r.escalate],
             "lowered_by_note": r.lowered_by_note, "location": r.location, "citation": r.citation,
             "source": r.source.key, "quote": r.quote, "note": r.note or None, "confidence": r.confidence,
             "sources": [{"source": c.source.key, "title": c.source.title, "section": c.section, "quote": c.quote,
                          "url": c.source.url, "no_url": c.source.no_url} for c in r.citations]} for r in guideline.rules]


def text_contracts(console, scans, quiet: bool = False) -> None:
    """Verdicts first, then the evidence quotes with their places, then the passages to review, most likely first."""
    from audit.contracts.categories import CATEGORY_WORDS, QUESTION_WORDS
    from audit.contracts.scan import review_rank

    for number, scan in enumerate(scans):
        heading(console, f"[bold underline]{markup(scan.file)}[/bold underline]", number)
        for key, question in QUESTION_WORDS.items():
            hang(console, f"  {question}: ", f"[bold]{scan.verdicts[key]}[/bold]")
        if quiet:
            continue
        review = review_rank(scan.findings)
        for f in [f for f in worst_first(scan.findings) if f not in review] + review:
            style = SEVERITY_STYLE[f.severity.value]
            category = f.extra.get("category")
            named = f"[{style}]{CATEGORY_WORDS[category]}[/{style}] {category}" if category else f"[{style}]{f.rule}[/{style}]"
            details = f.extra.get("details") or {}
            tier = f", review, score {details.get('score')}" if f in review else ""
            hang(console, "    ", f"{named}{tier} {markup(f.location.label())} ({f.rule})", more=2)
            if "marked" in details:
                hang(console, '      "', f'{markup(details["marked"])}"')
            else:
                hang(console, "      ", markup(f.message), more=2)

    def count(key: str, value: str) -> int:
        return sum(s.verdicts[key] == value for s in scans)
    console.print()
    hang(console, "", f"{plural(len(scans), 'contract')} scanned: {count('pays_for_completion', 'yes')} pay for completion "
         f"({count('pays_for_completion', 'review')} to review), {count('time_limits', 'yes')} time-limit "
         f"treatment ({count('time_limits', 'review')} to review)", more=2)
