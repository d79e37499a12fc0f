"""A report is one area.

Returns belong to one area when their Submission sheets name the same LA
code; several quarters of one area are still one area (audit_area keeps the
latest quarter's returns for the figures, the rest as its history). A folder
holding several areas is refused, before its quarters are sorted out:
pooling them under the first area's name would mislead whoever reads the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.errors import InputRefused
from audit.prescribing.doses import DoseAudit


def area_key(submission: dict[str, Any]) -> str:
    """The LA code as written (case and spaces ignored); the LA name when no code was given."""
    code = str(submission.get("LA_CODE") or "").strip().upper()
    return code or str(submission.get("LA_NAME") or "").strip() or "(no LA code)"


def one_area(returns: Sequence[DoseAudit], paths: Sequence[str | Path]) -> None:
    """Nothing when every return names one LA; refused, naming the areas and pointing to `compare`, when not."""
    names: dict[str, str] = {}
    for r in returns:
        key = area_key(r.validated.submission)
        names.setdefault(key, str(r.validated.submission.get("LA_NAME") or "").strip())
    if len(names) > 1:
        where = paths[0] if len(paths) == 1 else ", ".join(str(p) for p in paths)
        found = ", ".join(f"{key} {name}".strip() for key, name in sorted(names.items()))
        target = paths[0] if len(paths) == 1 and Path(paths[0]).is_dir() else "AREAS_DIR"
        raise InputRefused(where, f"holds returns of {len(names)} areas ({found}); a report covers one area, so "
                                  f"compare them with `ost-audit compare {target}` (one sub-folder per area)")
