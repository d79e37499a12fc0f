"""A return must be an .xlsx workbook: anything else given as one is refused with what to do instead.

The reader's safety checks are written for the zip/OOXML package, so other spreadsheet
kinds (.ods, .xls, .csv) are refused before any byte is read rather than half-checked;
each refusal is one sentence a provider can act on.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from audit.errors import InputRefused

SAVE_AS = "open it in Excel or LibreOffice Calc and save it as an Excel workbook (.xlsx), then give that file"

ADVICE = {
    ".ods": f"is an OpenDocument spreadsheet, which ost-audit does not read; {SAVE_AS}",
    ".xls": f"is an Excel 97-2003 workbook, which ost-audit does not read; {SAVE_AS}",
    ".xlsb": f"is an Excel binary workbook, which ost-audit does not read; {SAVE_AS}",
    ".csv": "is a CSV file, which holds one sheet and no Submission details; copy its rows into the OST sheet "
            "of a blank return (`ost-audit template return.xlsx`), fill in the Submission sheet and give that file",
    ".tsv": "is a tab-separated file, which holds one sheet and no Submission details; copy its rows into the "
            "OST sheet of a blank return (`ost-audit template return.xlsx`), fill in the Submission sheet and give that file",
}


def refuse_non_returns(paths: Iterable[Path]) -> None:
    """Refuse, before any is read, a folder or a file of another spreadsheet kind given as a return."""
    for path in map(Path, paths):
        if path.is_dir():
            raise InputRefused(path, f"is a folder; give the returns in it (`{path}/*.xlsx`), "
                                     "or `ost-audit report` or `history` for one area's folder")
        advice = ADVICE.get(path.suffix.lower())
        if advice is not None:
            raise InputRefused(path, advice)
