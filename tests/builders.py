"""Build return workbooks for tests, by hand from the spec (not from audit.samples.sample)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from audit.reading.workbook import column_letter

PERIOD_START = dt.date(2024, 1, 1)
PERIOD_END = dt.date(2024, 3, 31)

SUBMISSION: dict[str, Any] = {
    "SCHEMA_VERSION": "ost-return-v1",
    "PROVIDER_CODE": "TST01",
    "PROVIDER_NAME": "Test Provider",
    "LA_CODE": "E06000023",
    "LA_NAME": "Testshire",
    "PERIOD_START": PERIOD_START,
    "PERIOD_END": PERIOD_END,
    "SUBMITTED_ON": dt.date(2024, 4, 10),
    "CONTACT_EMAIL": "data@test.example",
}

COLUMNS = ["CLIENTID", "SEX", "AGE", "LA", "DRUG1", "INJSTAT", "TRIAGED", "OST_MEDICATION", "OST_START",
           "DOSE_MG", "DOSE_DATE", "PREV_DOSE_MG", "PHASE", "SUPERVISED", "LAST_REVIEW", "TOPDATE", "OPIUSE",
           "NALOXONE", "HEPCSTAT", "ECG_DATE", "DISD", "DISRSN", "DOSE_NOTE"]


def client(i: int = 1, **overrides: Any) -> dict[str, Any]:
    """A client the spec finds nothing wrong with: methadone 80 mg in maintenance."""
    row: dict[str, Any] = {
        "CLIENTID": f"TS{i:06d}", "SEX": "M", "AGE": 40, "LA": "E06000023", "DRUG1": "heroin",
        "INJSTAT": "P", "TRIAGED": dt.date(2022, 1, 10), "OST_MEDICATION": "methadone",
        "OST_START": dt.date(2022, 1, 17), "DOSE_MG": 80, "DOSE_DATE": dt.date(2023, 6, 1),
        "PREV_DOSE_MG": 75, "PHASE": "maintenance", "SUPERVISED": "N", "LAST_REVIEW": dt.date(2024, 2, 20),
        "TOPDATE": dt.date(2024, 2, 20), "OPIUSE": 0, "NALOXONE": "Y", "HEPCSTAT": "A",
        "ECG_DATE": None, "DISD": None, "DISRSN": None, "DOSE_NOTE": None,
    }
    row.update(overrides)
    return row


def write_return(path: Path, clients: list[dict[str, Any]], *, columns: list[str] | None = None,
                 headers: list[str] | None = None, submission: dict[str, Any] | None = None,
                 origin: tuple[int, int] = (1, 1), blank_after: set[int] = frozenset(),
                 ost_sheet: str = "OST", extra_sheets: bool = False) -> Path:
    """Write a return; `origin` is the (row, column) of the OST header, 1-based.

    Returns the path. `blank_after` holds client indexes after which a blank
    row is left. The Excel row of each client is in `rows_of(...)`.
    """
    columns = columns or COLUMNS
    headers = headers or columns
    wb = Workbook()
    sub = wb.active
    sub.title = "Submission"
    sub.append(["KEY", "VALUE"])
    for key, value in (submission if submission is not None else SUBMISSION).items():
        sub.append([key, value])
        if isinstance(value, str) and value.startswith("="):
            sub.cell(row=sub.max_row, column=2).data_type = "s"
    if ost_sheet:
        ws = wb.create_sheet(ost_sheet)
        r0, c0 = origin
        for j, h in enumerate(headers):
            ws.cell(row=r0, column=c0 + j, value=h)
        for (excel_row, row) in zip(rows_of(clients, origin, blank_after), clients):
            for j, col in enumerate(columns):
                value = row.get(col)
                cell = ws.cell(row=excel_row, column=c0 + j, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
                if isinstance(value, (dt.date, dt.datetime)):
                    cell.number_format = "dd/mm/yyyy"
    wb.save(path)
    return path


def rows_of(clients: list[Any], origin: tuple[int, int] = (1, 1), blank_after: set[int] = frozenset()) -> list[int]:
    """The Excel row each client lands on."""
    rows, r = [], origin[0]
    for i in range(len(clients)):
        r += 1
        rows.append(r)
        if i in blank_after:
            r += 1
    return rows


def cell_of(column: str, client_index: int, *, columns: list[str] | None = None, origin: tuple[int, int] = (1, 1),
            blank_after: set[int] = frozenset(), n: int = 1000) -> str:
    columns = columns or COLUMNS
    letter = column_letter(origin[1] - 1 + columns.index(column))
    return f"{letter}{rows_of(list(range(n)), origin, blank_after)[client_index]}"
