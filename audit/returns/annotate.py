"""An annotated copy of a return: each faulty cell filled and commented.

Providers fix a return faster in Excel than from a list. The copy is made
from the values we read (not by editing the input), so the input is never
touched and formula-like text from it stays text.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from audit.errors import InputRefused
from audit.findings import Finding, Severity, worst_first
from audit.reading.workbook import read_workbook
from audit.reporting.redact import mask_nhs_numbers, safe_text
from audit.returns.schema import load_schema
from audit.returns.validate import ValidatedReturn
from audit.xlsx_write import save_atomic, set_value

FILLS = {Severity.ERROR: "F4B6B6", Severity.WARNING: "FFD98C", Severity.INFO: "CFE2F3"}


def annotate_return(result: ValidatedReturn, out: str | Path) -> Path:
    """Write OUT: the return's sheets as read, faulty cells coloured and commented, plus a Findings sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    out = Path(out)
    if out.resolve() == Path(result.path).resolve():
        raise InputRefused(out, "is the input return; choose another path for the annotated copy")
    schema = load_schema()
    sheets = read_workbook(Path(result.path), (schema.submission_sheet, schema.ost_sheet))
    # findings name the schema's sheets; the copy keeps the names the provider gave them (`ost` is the OST sheet)
    actual = {want: sheet.name for want, sheet in sheets.items()}
    wb = Workbook()
    wb.remove(wb.active)
    for want, sheet in sheets.items():
        ws = wb.create_sheet(sheet.name)
        for i, row in enumerate(sheet.frame.iter_rows(), start=1):
            for letter, value in zip(sheet.letters, row):
                if value is not None:
                    set_value(ws[f"{letter}{i}"], _typed(mask_nhs_numbers(value)))
        for letter, width in zip(sheet.letters, _widths(sheet.frame)):
            ws.column_dimensions[letter].width = width
        if want == schema.ost_sheet:
            ws.freeze_panes = "A2"
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in worst_first(result.findings):
        if f.location.sheet in actual and f.location.cell:
            by_cell.setdefault((actual[f.location.sheet], f.location.cell), []).append(f)
    for (sheet, cell), items in by_cell.items():
        target = wb[sheet][cell]
        worst = items[0].severity
        target.fill = PatternFill("solid", fgColor=FILLS[worst])
        text = "\n".join(f"{f.severity.value}: {f.message}" + (f" Fix: {f.fix}" if f.fix else "") for f in items)
        target.comment = Comment(safe_text(text)[:3000], "ost-audit", width=320, height=160)
    listing = wb.create_sheet("Findings", 0)
    listing.append(["severity", "cell", "column", "rule", "message", "fix", "value"])
    for cell in listing[1]:
        cell.font = Font(bold=True)
    for f in worst_first(result.findings):
        row = listing.max_row + 1
        sheet_name = actual.get(f.location.sheet or "", f.location.sheet)
        place = f"{sheet_name}!{f.location.cell}" if f.location.cell else (sheet_name or "")
        values = [f.severity.value, place, f.location.column, f.rule, f.message, f.fix, None if f.value is None else str(f.value)]
        for col, value in enumerate(values, start=1):
            set_value(listing.cell(row=row, column=col), mask_nhs_numbers(value) if isinstance(value, str) else value)
        if f.location.cell and f.location.sheet in actual:
            quoted = sheet_name.replace("'", "''")  # a quote in a sheet name is doubled in a reference
            link = listing.cell(row=row, column=2)
            # a link inside the workbook (no target, only a location): Excel and LibreOffice both jump to the cell
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{f.location.cell}",
                                       tooltip=f"go to {place}")
            link.font = Font(color="0563C1", underline="single")
    for letter, width in zip("ABCDEFG", (9, 16, 16, 28, 90, 50, 20)):
        listing.column_dimensions[letter].width = width
    listing.freeze_panes = "A2"
    save_atomic(wb, out)
    return out


def _widths(frame) -> list[float]:
    """Column widths that show what was typed (dates as dd/mm/yyyy, whole ids), 10 to 50 characters."""
    import polars as pl

    shown = pl.all().cast(pl.String).str.replace(r" 00:00:00$", "")  # dates, written back as dd/mm/yyyy
    longest = frame.select(shown.str.len_chars().max()).row(0) if frame.height else (0,) * frame.width
    return [min(50, max(10, n or 0) + 2) for n in longest]


def _typed(value: str):
    """Numbers back to numbers, Excel dates back to dates; anything else stays text.

    Only canonical number text converts (`12`, `12.5`), so `007` or `1e2`
    typed as text are copied as typed.
    """
    if len(value) == 19 and value.endswith(" 00:00:00"):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if re.fullmatch(r"-?(0|[1-9]\d{0,14})", value):
        return int(value)
    if re.fullmatch(r"-?(0|[1-9]\d{0,14})\.\d*[1-9]", value):
        return float(value)
    return value
