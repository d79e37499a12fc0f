"""The blank return workbook, generated from the schema.

Providers fill it in: every code column has a drop-down, numbers and dates
have cell validation, each header carries its description as a comment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.errors import InputRefused
from audit.reading.extent import EXCEL_ROWS
from audit.reading.workbook import column_letter
from audit.returns.checks import checks_of, whole_numbers
from audit.returns.schema import Field, ReturnSchema, load_schema
from audit.xlsx_write import append_row, save_atomic

MAX_ROWS = EXCEL_ROWS  # every row a sheet can have: a provider with 100,000 clients gets the drop-downs too


def build_template(schema: ReturnSchema | None = None, example_row: bool = False):
    """An openpyxl Workbook of the blank return (optionally with the schema's example row)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    schema = schema or load_schema()
    wb = Workbook()
    sub = wb.active
    sub.title = schema.submission_sheet
    append_row(sub, ["KEY", "VALUE", "NOTES"])
    for f in schema.submission_keys:
        prefilled = f.allowed[0] if len(f.allowed) == 1 else None
        append_row(sub, [f.name, f.example if example_row else prefilled, f"{'required' if f.required else 'optional'}: {f.description}"])
    sub.column_dimensions["A"].width = 18
    sub.column_dimensions["B"].width = 28
    sub.column_dimensions["C"].width = 80
    for cell in sub[1]:
        cell.font = Font(bold=True)

    ost = wb.create_sheet(schema.ost_sheet)
    append_row(ost, schema.column_names)
    if example_row:
        append_row(ost, [f.example if f.example != "" else None for f in schema.columns])
    ost.freeze_panes = "A2"
    header_fill = PatternFill("solid", fgColor="DDE7F0")
    lists = wb.create_sheet("Lists")
    for j, f in enumerate(schema.columns):
        letter = column_letter(j)
        head = ost[f"{letter}1"]
        head.font = Font(bold=True)
        head.fill = header_fill
        rule = f.rule_text().replace("`", "")
        head.comment = Comment(f"{f.description}\n{'Required' if f.required else 'Optional'}. {rule}".strip(), "ost-audit")
        ost.column_dimensions[letter].width = max(12, len(f.name) + 4)
        target = f"{letter}2:{letter}{MAX_ROWS}"
        dv = _validation(f, lists, letter, DataValidation)
        if dv is not None:
            # Excel refuses a workbook whose messages pass its limits (prompt 255, error 225, titles 32 characters)
            dv.error = _fit(f"{f.name}: {rule or f.description}", 225)
            dv.errorTitle = f.name[:32]
            dv.prompt = _fit(f"{f.description} {rule}".strip(), 255)
            dv.promptTitle = f.name[:32]
            dv.showErrorMessage = True
            dv.showInputMessage = True
            ost.add_data_validation(dv)
            dv.add(target)
        if f.type == "date":
            for row in range(2, 3):
                ost[f"{letter}{row}"].number_format = "dd/mm/yyyy"
    lists.sheet_state = "hidden"

    notes = wb.create_sheet("Notes")
    lines = [f"{schema.title} ({schema.id})", "",
             "One row per client on opioid substitution therapy at any point in the period, from row 2 of the OST sheet.",
             "Client ids must be pseudonymised: never names, dates of birth, postcodes or NHS numbers.",
             "Dates: format cells as dates (dd/mm/yyyy). Numbers: the number only, no units.",
             "Check the return before sending it: ost-audit validate RETURN.xlsx", "", "Columns:"]
    lines += [f"{f.name}: {f.description} {f.rule_text().replace('`', '')}".strip() for f in schema.columns]
    for line in lines:
        append_row(notes, [line])
    notes.column_dimensions["A"].width = 120
    return wb


def _validation(f: Field, lists, letter: str, DataValidation):
    """The first of the column's checks that Excel can check, else what its type allows."""
    spec = next((made for check in checks_of(f) if (made := check.excel(f)) is not None), None) or _by_type(f)
    if spec is None:
        return None
    spec = {"allow_blank": not f.required, **spec}
    if spec["type"] == "list":
        values = spec.pop("values")
        for i, v in enumerate(values, start=1):
            lists[f"{letter}{i}"] = v
        # the range without a leading "=": the form Excel writes, and the one it reads without a repair prompt
        spec["formula1"] = f"Lists!${letter}$1:${letter}${len(values)}"
    return DataValidation(**spec)


def _by_type(f: Field) -> dict[str, Any] | None:
    """A column with no check Excel can run still gets its type checked: dates, whole and decimal numbers."""
    if f.type == "date":
        return {"type": "date", "operator": "greaterThan", "formula1": "DATE(1990,1,1)"}
    if f.type == "integer":
        return whole_numbers(f)
    if f.type == "number":
        return {"type": "decimal", "operator": "greaterThanOrEqual", "formula1": "0"}
    return None


def _fit(text: str, limit: int) -> str:
    """Text cut at a word to `limit` characters, ending "..." when cut; the header comment holds the whole rule."""
    if len(text) <= limit:
        return text
    return text[:limit - 3].rsplit(" ", 1)[0].rstrip(",;") + "..."


def write_template(path: str | Path) -> Path:
    """Write the blank return; only to an .xlsx name, since that is what it is."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InputRefused(path, "is not an .xlsx name; the template is an Excel workbook, so give a name ending in .xlsx "
                                 "(for example ost-return.xlsx)")
    save_atomic(build_template(), path)
    return path
