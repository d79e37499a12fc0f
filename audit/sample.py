"""Synthetic sample areas: fictional places, fictional clients, labelled SYNTHETIC.

`ost-audit sample OUTDIR` writes what `sample_returns/` holds, so newcomers
and tests have realistic returns without any real patient data. Generation is
seeded: the same call gives the same workbooks.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.schema import load_schema
from audit.xlsx_write import append_row, save_atomic

PERIOD_START = dt.date(2024, 1, 1)
PERIOD_END = dt.date(2024, 3, 31)
SUBMITTED_ON = dt.date(2024, 4, 15)


@dataclass(frozen=True)
class Area:
    """A fictional area and the prescribing habits of its provider."""

    slug: str
    name: str
    code: str
    clients: int
    underdosed: float  # share of methadone maintenance clients below 60 mg
    naloxone: float  # share with take-home naloxone
    supervised_new: float  # share of new starts supervised
    faulty: bool = False


AREAS = (
    Area("northmere", "Northmere", "E06999991", 420, 0.12, 0.85, 0.90),
    Area("eastbrook", "Eastbrook", "E06999992", 260, 0.40, 0.55, 0.60),
    Area("westhaven", "Westhaven", "E06999993", 180, 0.18, 0.75, 0.85, faulty=True),
    Area("southfold", "Southfold", "E06999994", 340, 0.08, 0.92, 0.95),
    Area("kingsmoor", "Kingsmoor", "E06999995", 120, 0.25, 0.70, 0.80),
)

MEDICATIONS = [("methadone", 0.64), ("buprenorphine", 0.17), ("buprenorphine-naloxone", 0.05),
               ("buprenorphine-lyophilisate", 0.03), ("buprenorphine-pr-weekly", 0.03),
               ("buprenorphine-pr-monthly", 0.05), ("diamorphine", 0.03)]
PHASES = [("maintenance", 0.68), ("stabilisation", 0.10), ("induction", 0.07), ("reduction", 0.11), ("withdrawal", 0.04)]
DRUGS = [("heroin", 0.82), ("illicit-methadone", 0.04), ("other-opioid", 0.06), ("illicit-buprenorphine", 0.02),
         ("crack", 0.04), ("benzodiazepine", 0.02)]
DISCHARGES = [("Treatment completed - drug free", 0.3), ("Transferred - not in custody", 0.15),
              ("Transferred - in custody", 0.08), ("Incomplete - dropped out", 0.3),
              ("Incomplete - treatment withdrawn by provider", 0.1), ("Incomplete - client died", 0.07)]


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _dose(rng: random.Random, med: str, phase: str, underdosed: float) -> float:
    maintenance = phase in ("maintenance", "stabilisation")
    if med == "methadone":
        if phase == "induction":
            return float(rng.choice([10, 15, 20, 25, 30, 30, 35, 40, 45]))
        if maintenance and rng.random() < underdosed:
            return float(rng.randrange(20, 60, 5))
        if phase in ("reduction", "withdrawal"):
            return float(rng.randrange(5, 60, 5))
        return float(min(max(5 * round(rng.gauss(82, 18) / 5), 60), 150))
    if med in ("buprenorphine", "buprenorphine-naloxone"):
        if phase == "induction":
            return float(rng.choice([4, 6, 8, 8, 12]))
        if maintenance and rng.random() < underdosed:
            return float(rng.choice([4, 6, 8, 10]))
        top = 24 if med == "buprenorphine-naloxone" else 32
        return float(rng.choice([12, 14, 16, 16, 18, 20, 24, top]))
    if med == "buprenorphine-lyophilisate":
        return float(rng.choice([6, 8, 10, 12, 14, 16]))
    if med == "buprenorphine-pr-weekly":
        return float(rng.choice([8, 16, 24, 32]))
    if med == "buprenorphine-pr-monthly":
        return float(rng.choice([64, 96, 128, 160]))
    return float(rng.randrange(200, 600, 50))


def client_rows(area: Area, seed: int = 2024, period: tuple[dt.date, dt.date] = (PERIOD_START, PERIOD_END),
                first_id: int = 1) -> list[dict[str, Any]]:
    """Plausible clients for an area in one period, one dict per OST row."""
    rng = random.Random(f"{seed}-{area.slug}" if period == (PERIOD_START, PERIOD_END) else f"{seed}-{area.slug}-{period[0]}")
    start, end = period
    rows = []
    for i in range(area.clients):
        med = _pick(rng, MEDICATIONS)
        phase = _pick(rng, PHASES)
        triaged = _day(rng, dt.date(2016, 1, 1), end - dt.timedelta(days=10))
        new_start = phase == "induction" or rng.random() < 0.12
        ost_start = (_day(rng, end - dt.timedelta(days=85), end - dt.timedelta(days=3)) if new_start
                     else _day(rng, triaged, end - dt.timedelta(days=100)))
        triaged = min(triaged, ost_start) if rng.random() > 0.05 else triaged
        dose = _dose(rng, med, phase, area.underdosed)
        dose_date = _day(rng, ost_start, end)
        below = (med == "methadone" and dose < 60) or (med in ("buprenorphine", "buprenorphine-naloxone") and dose < 12)
        has_top = rng.random() < 0.85
        use = 0
        if has_top and rng.random() < (0.55 if below else 0.2):
            use = rng.randint(1, 28)
        injstat = _pick(rng, [("C", 0.15), ("P", 0.45), ("N", 0.35), ("Z", 0.05)])
        discharged = rng.random() < 0.06
        disd = _day(rng, start, end) if discharged else None
        if disd and disd < max(triaged, dose_date):
            disd = max(triaged, dose_date)
        high_methadone = med == "methadone" and dose > 100
        rows.append({
            "CLIENTID": client_id(area, first_id + i),
            "SEX": _pick(rng, [("M", 0.7), ("F", 0.28), ("X", 0.01), ("Z", 0.01)]),
            "AGE": rng.randint(21, 68),
            "LA": area.code if rng.random() > 0.04 else "E06999990",
            "DRUG1": _pick(rng, DRUGS),
            "INJSTAT": injstat,
            "TRIAGED": triaged,
            "OST_MEDICATION": med,
            "OST_START": ost_start,
            "DOSE_MG": dose,
            "DOSE_DATE": dose_date,
            "PREV_DOSE_MG": max(dose - rng.choice([0, 5, 5, 10, 10, 15, 20]), 0) if rng.random() < 0.7 else None,
            "PHASE": phase,
            "SUPERVISED": "Y" if (new_start and rng.random() < area.supervised_new) or rng.random() < 0.15 else "N",
            "LAST_REVIEW": _day(rng, end - dt.timedelta(days=140), end - dt.timedelta(days=1)),
            "TOPDATE": _day(rng, end - dt.timedelta(days=120), end) if has_top else None,
            "OPIUSE": use if has_top else None,
            "NALOXONE": "Y" if rng.random() < area.naloxone else "N",
            "HEPCSTAT": _pick(rng, [("A", 0.7), ("B", 0.18), ("D", 0.12)]),
            "ECG_DATE": _day(rng, dt.date(2022, 6, 1), end) if (high_methadone and rng.random() < 0.7) else None,
            "DISD": disd,
            "DISRSN": _pick(rng, DISCHARGES) if disd else None,
            "DOSE_NOTE": "Dose agreed at MDT: high tolerance, documented" if (med == "methadone" and dose > 120 and rng.random() < 0.5) else None,
        })
    return rows


def client_id(area: Area, number: int) -> str:
    return f"{area.code[-2:]}{area.slug[:2].upper()}{number:05d}"


def add_faults(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Mistakes providers really make; returns {CLIENTID: [what was planted]} for tests."""
    planted: dict[str, list[str]] = {}

    def plant(i: int, column: str, value: Any, what: str) -> None:
        rows[i][column] = value
        planted.setdefault(rows[i]["CLIENTID"], []).append(what)

    plant(3, "DOSE_MG", "60mg", "number with unit")
    plant(8, "PHASE", "Maintainance", "misspelt code")
    plant(12, "TRIAGED", "03/25/2023", "US-ordered date")
    plant(15, "NALOXONE", "Yes", "accepted Yes")
    plant(16, "PHASE", "Maintenance ", "accepted case and space")
    plant(21, "LAST_REVIEW", "15/02/2024", "accepted UK text date")
    plant(25, "SEX", None, "required blank")
    rows[30]["CLIENTID"] = rows[29]["CLIENTID"]
    planted.setdefault(rows[30]["CLIENTID"], []).append("duplicate id")
    rows[34]["OST_MEDICATION"] = "methadone"
    plant(34, "DOSE_MG", 800.0, "implausible dose (mg/ml confusion)")
    plant(40, "DISRSN", None, "discharge without reason")
    rows[40]["DISD"] = PERIOD_END - dt.timedelta(days=5)
    rows[40]["TRIAGED"] = min(rows[40]["TRIAGED"], rows[40]["DISD"])
    plant(44, "AGE", 16, "age out of range")
    plant(47, "HEPCSTAT", "Not offered", "unknown code")
    rows[51]["OST_MEDICATION"] = "buprenorphine-pr-weekly"
    plant(51, "DOSE_MG", 12.0, "not a product strength")
    return planted


def write_return(path: Path, area: Area, rows: list[dict[str, Any]], columns: list[str] | None = None,
                 blank_rows_every: int = 0) -> Path:
    """Write an `ost-return-v1` workbook for an area."""
    from openpyxl import Workbook

    schema = load_schema()
    columns = columns or schema.column_names
    wb = Workbook(write_only=True)
    sub = wb.create_sheet(schema.submission_sheet)
    append_row(sub, ["KEY", "VALUE"])
    for key, value in submission_values(area).items():
        append_row(sub, [key, value])
    ost = wb.create_sheet(schema.ost_sheet)
    append_row(ost, columns)
    for i, row in enumerate(rows):
        if blank_rows_every and i and i % blank_rows_every == 0:
            append_row(ost, [])
        append_row(ost, [row.get(c) for c in columns])
    save_atomic(wb, path)
    return path


def submission_values(area: Area) -> dict[str, Any]:
    return {
        "SCHEMA_VERSION": "ost-return-v1",
        "PROVIDER_CODE": f"SYN{area.code[-2:]}",
        "PROVIDER_NAME": f"SYNTHETIC {area.name} Recovery Partnership",
        "LA_CODE": area.code,
        "LA_NAME": f"{area.name} (SYNTHETIC)",
        "PERIOD_START": PERIOD_START,
        "PERIOD_END": PERIOD_END,
        "SUBMITTED_ON": SUBMITTED_ON,
        "CONTACT_EMAIL": f"data@{area.slug}.example",
    }


def write_samples(outdir: str | Path) -> list[Path]:
    """Every sample area under OUTDIR/<area>/; returns the files written."""
    outdir = Path(outdir)
    written = []
    for area in AREAS:
        rows = client_rows(area)
        if area.faulty:
            add_faults(rows)
        written.append(write_return(outdir / area.slug / f"{area.slug}-2023-24-q4-ost-return.xlsx", area, rows))
    from audit.sample_contracts import write_sample_contracts

    written += write_sample_contracts(outdir)
    readme = outdir / "README.md"
    readme.write_text(SAMPLE_README, encoding="utf-8")
    written.append(readme)
    return written


SAMPLE_README = """# Sample areas (SYNTHETIC)

Everything here is made up by `ost-audit sample`: fictional areas (codes
E0699999x), fictional providers and fictional clients. No real person is in
these files. One folder per area, each with a quarterly OST return and its
service specification (as .docx and .pdf). The Westhaven return carries the
mistakes providers really make, for trying `ost-audit validate`. The
contracts differ in what the scan finds: Northmere pays for completions in
its payment schedule, Eastbrook time-limits prescribing, Southfold says
explicitly that neither happens, Kingsmoor gives no evidence either way, and
Westhaven ties money to drug-free exits but does not time-limit OST.
"""
