"""Benchmark inputs: returns of 1k, 10k and 100k clients, a messy 100k return and a 150-area national set.

Written once into bench/data/ (git-ignored) and reused while the generator is unchanged.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audit.samples.sample import PERIOD_END, PERIOD_START, SUBMITTED_ON, Area, client_rows, write_return

DATA = Path(__file__).resolve().parent / "data"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
NATIONAL_AREAS = 150
NATIONAL_CLIENTS = 700  # about 105,000 people on OST across England's upper-tier areas
MESSY_VERSION = 3  # part of the file name: a changed generator writes a new file


def single(label: str) -> Path:
    path = DATA / f"return-{label}.xlsx"
    if not path.exists():
        write_return(path, _area(label), client_rows(_area(label)))
    return path


def _area(label: str) -> Area:
    return Area(f"bench{label}", f"Bench {label}", "E06999990", SIZES[label], 0.2, 0.8, 0.85)


Row = dict[str, Any]
# Each fault a provider's first draft really has, as (what, how to plant it in a row). Every rule the
# validator knows at cell level is here, with the values that once crashed it (huge numbers, dates past
# 9999) and NHS numbers in the forms that used to slip through.
# Each names the rules that must find it (any one of them: a huge dose is implausible, a huge age out of range).
FAULTS: list[tuple[str, list[str], Callable[[Row, random.Random, list[Row], int], None]]] = [
    ("number with a unit", ["RET-NUMBER-WITH-UNIT"], lambda r, g, rows, i: r.update(DOSE_MG=f"{r['DOSE_MG']:g}{g.choice(['mg', ' mg', 'mls', 'MG'])}")),
    ("not a number", ["RET-NOT-A-NUMBER"], lambda r, g, rows, i: r.update(PREV_DOSE_MG=g.choice(["sixty", "n/a", "?", "tbc"]))),
    ("fractional age", ["RET-NOT-AN-INTEGER"], lambda r, g, rows, i: r.update(AGE=r["AGE"] + 0.5)),
    ("age out of range", ["RET-OUT-OF-RANGE"], lambda r, g, rows, i: r.update(AGE=g.choice([0, 12, 16, 17, 101, 150, 420]))),
    ("huge number", ["RET-OUT-OF-RANGE", "RET-DOSE-IMPLAUSIBLE"], lambda r, g, rows, i: r.update(**{g.choice(["AGE", "DOSE_MG", "OPIUSE"]): g.choice([1e30, 1e308, 10**25, -1e300])})),
    ("OPIUSE out of range", ["RET-OUT-OF-RANGE"], lambda r, g, rows, i: r.update(OPIUSE=g.choice([29, 31, -1]), TOPDATE=r["TOPDATE"] or PERIOD_END)),
    ("US-ordered date", ["RET-DATE-US-ORDER"], lambda r, g, rows, i: r.update(TRIAGED=f"{r['TRIAGED']:%m/%d/%Y}" if r["TRIAGED"].day > 12 else "03/25/2023")),
    ("UK date typed as text", ["RET-DATE-AS-TEXT"], lambda r, g, rows, i: r.update(LAST_REVIEW=f"{r['LAST_REVIEW']:%d/%m/%Y}")),
    ("ISO date typed as text", ["RET-DATE-AS-TEXT"], lambda r, g, rows, i: r.update(DOSE_DATE=r["DOSE_DATE"].isoformat())),
    ("not a date", ["RET-NOT-A-DATE"], lambda r, g, rows, i: r.update(LAST_REVIEW=g.choice(["last week", "2023-02-30", "31/31/2023", "TBC"]))),
    ("serial number as text", ["RET-NOT-A-DATE"], lambda r, g, rows, i: r.update(OST_START=str((r["OST_START"] - dt.date(1899, 12, 30)).days))),
    # what the reader gives for a date-formatted cell holding a serial past 2958465 (31/12/9999)
    ("date serial past 9999", ["RET-DATE-OUT-OF-RANGE"], lambda r, g, rows, i: r.update(DOSE_DATE=g.choice(["+10000-01-01 00:00:00",
                                                                                                           "+10113-09-19 00:00:00"]))),
    ("ambiguous day/month", ["RET-DATE-AMBIGUOUS"], lambda r, g, rows, i: r.update(TRIAGED="04/05/2015")),
    ("unknown code", ["RET-CODE-NOT-ALLOWED"], lambda r, g, rows, i: r.update(**g.choice([{"SEX": "Male"}, {"HEPCSTAT": "Not offered"},
                                                                {"DRUG1": "opiates"}, {"INJSTAT": "never"}]))),
    ("misspelt phase", ["RET-CODE-NOT-ALLOWED"], lambda r, g, rows, i: r.update(PHASE=g.choice(["Maintainance", "stabilization", "reduce"]))),
    ("NDTMS code (accepted)", ["RET-CODE-NDTMS"], lambda r, g, rows, i: r.update(DRUG1="1105")),
    ("code variant (accepted)", ["RET-CODE-NORMALISED"], lambda r, g, rows, i: r.update(PHASE=r["PHASE"].title() + " ", NALOXONE={"Y": "Yes", "N": "no"}[r["NALOXONE"]])),
    ("bad LA pattern", ["RET-PATTERN"], lambda r, g, rows, i: r.update(LA=g.choice(["E0600002", "W06000023", "Bristol"]))),
    ("bad client id", ["RET-PATTERN"], lambda r, g, rows, i: r.update(CLIENTID=f"{r['CLIENTID'][:4]} {r['CLIENTID'][4:]}")),
    ("NHS number as id", ["RET-NHS-NUMBER"], lambda r, g, rows, i: r.update(CLIENTID=_nhs_number(g))),
    ("too long note", ["RET-TOO-LONG"], lambda r, g, rows, i: r.update(DOSE_NOTE="high tolerance; " * 40)),
    ("duplicate id", ["RET-DUPLICATE-ID"], lambda r, g, rows, i: r.update(CLIENTID=rows[i - 1]["CLIENTID"])),
    ("required blank", ["RET-REQUIRED"], lambda r, g, rows, i: r.update(**{g.choice(["SEX", "AGE", "PHASE", "LAST_REVIEW", "HEPCSTAT"]): None})),
    ("implausible dose", ["RET-DOSE-IMPLAUSIBLE", "RET-OUT-OF-RANGE"], lambda r, g, rows, i: r.update(OST_MEDICATION="methadone", DOSE_MG=g.choice([0, 800.0, 1000.0]))),
    ("not a product strength", ["RET-DOSE-IMPLAUSIBLE"], lambda r, g, rows, i: r.update(OST_MEDICATION="buprenorphine-pr-weekly", DOSE_MG=12.0)),
    ("dose date before start", ["RET-DOSE-DATE-BEFORE-START"], lambda r, g, rows, i: r.update(DOSE_DATE=r["OST_START"] - dt.timedelta(days=30))),
    ("discharge before triage", ["RET-DISCHARGE-BEFORE-TRIAGE"], lambda r, g, rows, i: r.update(DISD=PERIOD_START + dt.timedelta(days=3), DISRSN="Incomplete - dropped out",
                                                               TRIAGED=PERIOD_START + dt.timedelta(days=9))),
    ("discharge outside period", ["RET-DISCHARGE-OUTSIDE-PERIOD"], lambda r, g, rows, i: r.update(DISD=PERIOD_START - dt.timedelta(days=20), DISRSN="Incomplete - dropped out")),
    ("reason without discharge", ["RET-DISRSN-WITHOUT-DISD"], lambda r, g, rows, i: r.update(DISD=None, DISRSN="Transferred - not in custody")),
    ("discharge without reason", ["RET-DISD-WITHOUT-DISRSN"], lambda r, g, rows, i: r.update(DISD=PERIOD_END - dt.timedelta(days=5), DISRSN=None)),
    ("TOP without OPIUSE", ["RET-OPIUSE-MISSING"], lambda r, g, rows, i: r.update(TOPDATE=PERIOD_END - dt.timedelta(days=9), OPIUSE=None)),
    ("review after period", ["RET-AFTER-PERIOD-END"], lambda r, g, rows, i: r.update(LAST_REVIEW=PERIOD_END + dt.timedelta(days=4))),
    ("ECG after submission", ["RET-AFTER-SUBMITTED"], lambda r, g, rows, i: r.update(ECG_DATE=SUBMITTED_ON + dt.timedelta(days=4))),
    ("date before 1990", ["RET-DATE-TOO-EARLY"], lambda r, g, rows, i: r.update(TRIAGED=dt.date(1989, 6, 1), OST_START=dt.date(1989, 7, 1))),
]


def _nhs_number(g: random.Random) -> str:
    """A number passing the modulus-11 check, written the ways people write one."""
    while True:
        digits = [g.randrange(10) for _ in range(9)]
        check = (11 - sum(d * (10 - k) for k, d in enumerate(digits)) % 11) % 11
        if check != 10:
            break
    plain = "".join(map(str, digits)) + str(check)
    spaced = f"{plain[:3]} {plain[3:6]} {plain[6:]}"
    return g.choice([plain, spaced, spaced.replace(" ", "\u00a0"), spaced.replace(" ", "."), f"NHS No: {spaced}",
                     plain.translate(str.maketrans("0123456789", "０１２３４５６７８９"))])


def messy(label: str = "100k") -> Path:
    """The clean return of that size with one row in ten faulty (see `messy_rows`)."""
    path = DATA / f"return-{label}-messy-v{MESSY_VERSION}.xlsx"
    if not path.exists():
        write_return(path, _area(label), messy_rows(client_rows(_area(label)), label)[0])
    return path


def messy_rows(rows: list[Row], seed: str) -> tuple[list[Row], dict[int, str]]:
    """One row in ten made faulty, the faults drawn in turn from FAULTS; also {row index: fault}."""
    g = random.Random(f"messy-{seed}")
    faulty = sorted(g.sample(range(1, len(rows)), len(rows) // 10))
    planted = {}
    for n, i in enumerate(faulty):
        what, _, plant = FAULTS[n % len(FAULTS)]
        plant(rows[i], g, rows, i)
        planted[i] = what
    return rows, planted


def national() -> Path:
    root = DATA / "national"
    for k in range(NATIONAL_AREAS):
        folder = root / f"area{k:03d}"
        path = folder / "return.xlsx"
        if not path.exists():
            area = Area(f"area{k:03d}", f"Area {k:03d}", f"E06{k:06d}", NATIONAL_CLIENTS - 300 + (k * 37) % 600,
                        0.05 + (k % 10) / 25, 0.6 + (k % 7) / 20, 0.7 + (k % 5) / 20)
            write_return(path, area, client_rows(area, seed=k))
    return root


if __name__ == "__main__":
    wanted = sys.argv[1:] or [*SIZES, "messy", "national"]
    for label in wanted:
        print(national() if label == "national" else messy() if label == "messy" else single(label))
