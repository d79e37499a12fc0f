"""Rendering results for people (text) and programs (JSON), and writing them safely."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from audit import __version__
from audit.errors import InputRefused
from audit.findings import Finding, summarise, worst_first
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


def to_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def text_findings(console, findings: list[Finding], *, heading: str | None = None) -> None:
    """Findings grouped by file, sheet and column (or place), worst first."""
    from rich.markup import escape

    if heading:
        console.print(f"[bold]{escape(heading)}[/bold]")
    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in worst_first(findings):
        where = f.location.sheet or ""
        what = f.location.column or f.rule
        groups[(f.location.file, f"{where} {what}".strip())].append(f)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][0], min(f.severity.rank for f in kv[1]), kv[0][1]))
    current_file = None
    for (file, group), items in ordered:
        if file != current_file:
            console.print(f"\n[bold underline]{escape(file)}[/bold underline]")
            current_file = file
        console.print(f"  [bold]{escape(group)}[/bold]")
        for f in items:
            style = SEVERITY_STYLE[f.severity.value]
            place = f.location.label()
            console.print(f"    [{style}]{f.severity.value:<7}[/{style}] {escape(place):<10} {escape(f.message)}  [dim]({f.rule})[/dim]")
            if f.fix:
                console.print(f"            [dim]fix: {escape(f.fix)}[/dim]")


def summary_line(findings: list[Finding], what: str) -> str:
    counts = summarise(findings)
    return f"{what}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)"


def make_console(stream=None, colour: bool | None = None):
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=True, force_terminal=colour, no_color=colour is False,
                   width=200 if stream is not None and not getattr(stream, "isatty", lambda: False)() else None)


def capture_text(render) -> str:
    """Run a render function against a plain console and return what it wrote."""
    buffer = io.StringIO()
    render(make_console(buffer, colour=False))
    return buffer.getvalue()


def write_output(path: Path, text: str, inputs: Iterable[Path]) -> None:
    """Write an output file atomically, refusing to overwrite an input."""
    guard_output(path, inputs)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def guard_output(path: Path, inputs: Iterable[Path]) -> None:
    target = Path(path).resolve()
    for source in inputs:
        source = Path(source).resolve()
        if target == source:
            raise InputRefused(path, "is one of the inputs; choose another output path so the input is never overwritten")
