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

from audit.returns.schema import load_schema
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
                 blank_rows_every: int = 0, period: tuple[dt.date, dt.date] = (PERIOD_START, PERIOD_END)) -> Path:
    """Write an `ost-return-v1` workbook for an area."""
    from openpyxl import Workbook

    schema = load_schema()
    columns = columns or schema.column_names
    wb = Workbook(write_only=True)
    sub = wb.create_sheet(schema.submission_sheet)
    append_row(sub, ["KEY", "VALUE"])
    for key, value in submission_values(area, period).items():
        append_row(sub, [key, value])
    ost = wb.create_sheet(schema.ost_sheet)
    append_row(ost, columns)
    for i, row in enumerate(rows):
        if blank_rows_every and i and i % blank_rows_every == 0:
            append_row(ost, [])
        append_row(ost, [row.get(c) for c in columns])
    save_atomic(wb, path)
    return path


def submission_values(area: Area, period: tuple[dt.date, dt.date] = (PERIOD_START, PERIOD_END)) -> dict[str, Any]:
    return {
        "SCHEMA_VERSION": "ost-return-v1",
        "PROVIDER_CODE": f"SYN{area.code[-2:]}",
        "PROVIDER_NAME": f"SYNTHETIC {area.name} Recovery Partnership",
        "LA_CODE": area.code,
        "LA_NAME": f"{area.name} (SYNTHETIC)",
        "PERIOD_START": period[0],
        "PERIOD_END": period[1],
        "SUBMITTED_ON": period[1] + (SUBMITTED_ON - PERIOD_END),
        "CONTACT_EMAIL": f"data@{area.slug}.example",
    }


# The area whose folder holds four quarters (2023-24, Q1 to Q4; Q4 is the single-quarter sample's return).
HISTORY_AREA = "eastbrook"
QUARTERS = ((dt.date(2023, 4, 1), dt.date(2023, 6, 30)), (dt.date(2023, 7, 1), dt.date(2023, 9, 30)),
            (dt.date(2023, 10, 1), dt.date(2023, 12, 31)), (PERIOD_START, PERIOD_END))


def history_rows(area: Area, seed: int = 2024) -> tuple[list[list[dict[str, Any]]], dict[str, set[str]]]:
    """Four quarters of one area, oldest first, and the clients planted in each trajectory (for tests).

    The latest quarter is `client_rows(area)`; earlier quarters are built back
    from it (the same clients, on the same medicine since OST_START), plus
    clients who left with a discharge recorded, a few who vanished without
    one, a few who came back within six months, and doses cut quarter after
    quarter, some while the client used on top (planted) and some not.
    """
    rng = random.Random(f"{seed}-{area.slug}-history")
    quarters: list[list[dict[str, Any]]] = [[], [], [], client_rows(area, seed)]
    planted: dict[str, set[str]] = {"vanished": set(), "re_presented": set(), "reduced_while_using": set(),
                                    "planned_reduction": set()}
    for row in quarters[3]:
        if row["OST_START"] >= QUARTERS[3][0] and row["DISD"] is None and len(planted["re_presented"]) < 3:
            _re_presentation(rng, row, quarters, planted)
            continue
        cuts = (row["OST_MEDICATION"] == "methadone" and row["PHASE"] in ("maintenance", "reduction")
                and isinstance(row["DOSE_MG"], float) and row["DOSE_MG"] <= 50 and rng.random() < 0.5)
        using = cuts and rng.random() < 0.6
        later, steps = row, 0
        for k in (2, 1, 0):
            if row["TRIAGED"] > QUARTERS[k][1] or row["OST_START"] > QUARTERS[k][1]:
                break
            later, steps = _earlier(rng, later, k, area, cut=10.0 if cuts else 0.0, using=using), steps + 1
            quarters[k].append(later)
        if cuts and steps >= 2:  # two consecutive cuts at least
            planted["reduced_while_using" if using else "planned_reduction"].add(row["CLIENTID"])
    number = area.clients + 1
    for k in (0, 1, 2):
        leavers = client_rows(area, seed, QUARTERS[k], first_id=number)[: round(0.08 * area.clients)]
        number += len(leavers)
        for i, row in enumerate(leavers):
            if i < 2:  # vanished: no discharge recorded, absent from the next return
                row["DISD"] = row["DISRSN"] = None
                planted["vanished"].add(row["CLIENTID"])
            else:
                row["DISD"] = _day(rng, max(QUARTERS[k][0], row["TRIAGED"], row["DOSE_DATE"]), QUARTERS[k][1])
                row["DISRSN"] = row["DISRSN"] or _pick(rng, DISCHARGES)
            quarters[k].append(row)
            if k and row["TRIAGED"] <= QUARTERS[k - 1][1] and row["OST_START"] <= QUARTERS[k - 1][1]:
                quarters[k - 1].append(_earlier(rng, row, k - 1, area))
    for rows in quarters[:3]:
        rows.sort(key=lambda r: r["CLIENTID"])
    return quarters, planted


def _earlier(rng: random.Random, row: dict[str, Any], k: int, area: Area, cut: float = 0.0,
             using: bool = False) -> dict[str, Any]:
    """The client's row in quarter k, one quarter before `row`: the same person and medicine, not discharged."""
    start, end = QUARTERS[k]
    dose = row["DOSE_MG"]
    earlier = dict(row, DISD=None, DISRSN=None)
    if cut:
        earlier.update(DOSE_MG=dose + cut, DOSE_DATE=max(row["OST_START"], _day(rng, start, end)), PREV_DOSE_MG=None)
        row["PREV_DOSE_MG"], row["DOSE_DATE"] = dose + cut, max(row["DOSE_DATE"], end + dt.timedelta(days=1))
    elif row["DOSE_DATE"] > end:
        previous = row["PREV_DOSE_MG"]
        known = isinstance(previous, float) and previous > 0 and not row["OST_MEDICATION"].startswith("buprenorphine-pr")
        earlier.update(DOSE_MG=previous if known else dose,
                       DOSE_DATE=row["OST_START"], PREV_DOSE_MG=None)
    top = row["TOPDATE"] is not None or using
    earlier.update(
        LAST_REVIEW=_day(rng, end - dt.timedelta(days=120), end - dt.timedelta(days=1)),
        TOPDATE=_day(rng, end - dt.timedelta(days=80), end) if top else None,
        OPIUSE=(rng.randint(3, 20) if using else 0 if cut else row["OPIUSE"]) if top else None,
        # naloxone supply grows over the year: some who have it now did not have it earlier
        NALOXONE="N" if row["NALOXONE"] == "N" or rng.random() < 0.18 else "Y",
        ECG_DATE=row["ECG_DATE"] if row["ECG_DATE"] and row["ECG_DATE"] <= end else None,
        PHASE="reduction" if cut and not using else row["PHASE"],
    )
    return earlier


def _re_presentation(rng: random.Random, row: dict[str, Any], quarters: list[list[dict[str, Any]]],
                     planted: dict[str, set[str]]) -> None:
    """A new start this quarter who was discharged in the quarter before: a new journey within six months."""
    start, end = QUARTERS[2]
    row["TRIAGED"] = row["OST_START"]
    before = dict(row, TRIAGED=dt.date(2021, 5, 4), OST_START=dt.date(2021, 5, 11), DOSE_DATE=dt.date(2023, 2, 1),
                  PREV_DOSE_MG=None, LAST_REVIEW=_day(rng, start, end - dt.timedelta(days=30)), TOPDATE=None, OPIUSE=None,
                  DISD=_day(rng, start + dt.timedelta(days=30), end), PHASE="maintenance",
                  DISRSN=("Treatment completed - drug free", "Incomplete - dropped out",
                          "Incomplete - treatment withdrawn by provider")[len(planted["re_presented"])])
    before["DOSE_MG"] = 60.0 if row["OST_MEDICATION"] == "methadone" else row["DOSE_MG"]
    quarters[2].append(before)
    quarters[1].append(dict(before, DISD=None, DISRSN=None, LAST_REVIEW=_day(rng, *QUARTERS[1])))
    planted["re_presented"].add(row["CLIENTID"])


def write_samples(outdir: str | Path) -> list[Path]:
    """Every sample area under OUTDIR/<area>/ (four quarters for HISTORY_AREA); returns the files written."""
    outdir = Path(outdir)
    written = []
    for area in AREAS:
        if area.slug == HISTORY_AREA:
            quarters, _planted = history_rows(area)
        else:
            quarters = [client_rows(area)]
        if area.faulty:
            add_faults(quarters[-1])
        for number, rows in zip(range(5 - len(quarters), 5), quarters):
            period = QUARTERS[number - 1]
            written.append(write_return(outdir / area.slug / f"{area.slug}-2023-24-q{number}-ost-return.xlsx", area, rows,
                                        period=period))
    from audit.samples.sample_contracts import write_sample_contracts

    written += write_sample_contracts(outdir)
    readme = outdir / "README.md"
    readme.write_text(SAMPLE_README, encoding="utf-8")
    written.append(readme)
    return written


SAMPLE_README = """# Sample areas (SYNTHETIC)

Everything here is made up by `ost-audit sample`: fictional areas (codes
E0699999x), fictional providers and fictional clients. No real person is in
these files. One folder per area, each with a quarterly OST return and its
service specification (as .docx and .pdf). Eastbrook holds four quarterly
returns (2023-24, Q1 to Q4) for trying `ost-audit history`: some clients
vanish without a discharge, some come back within six months, and some have
their dose cut quarter after quarter while still using. The Westhaven return
carries the mistakes providers really make, for trying `ost-audit validate`. The
contracts differ in what the scan finds: Northmere pays for completions in
its payment schedule, Eastbrook time-limits prescribing, Southfold says
explicitly that neither happens, Kingsmoor gives no evidence either way, and
Westhaven ties money to drug-free exits but does not time-limit OST.
"""
