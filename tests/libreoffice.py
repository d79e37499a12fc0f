"""Open a workbook in LibreOffice and save it again, as a commissioner's office suite would read it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-calc)")


def round_trip(path: Path, work: Path) -> Path:
    """`path` as LibreOffice Calc reads and writes it back (an .xlsx in `work`)."""
    assert SOFFICE is not None
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation={(work / 'lo').as_uri()}",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work / "rt"), str(path)],
                   check=True, capture_output=True, timeout=180)
    return work / "rt" / path.name
