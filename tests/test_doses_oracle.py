"""Counts per rule and severity on random returns equal a plain reading of the spec.

The oracle below is written from uk-2017-ost-rules.md in plain Python, one
client at a time, sharing no code with audit/prescribing/doses.py or the rule file.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from builders import PERIOD_END, client, write_return

from audit.findings import worst_first
from audit.prescribing.doses import audit_doses

LOWER = {"error": "warning", "warning": "info", "info": "info"}
MAINT = ("maintenance", "stabilisation")


def oracle(c: dict) -> list[tuple[str, str]]:
    med, dose, phase, prev = c["OST_MEDICATION"], c["DOSE_MG"], c["PHASE"], c["PREV_DOSE_MG"]
    use, note = c["OPIUSE"], bool(c["DOSE_NOTE"])
    using = use is not None and use > 0
    out: list[tuple[str, str, bool]] = []  # rule, severity, lowered by note
    if med == "methadone":
        if phase == "induction" and dose > 30:
            out.append(("MET-START-HIGH", "error" if dose > 40 else "warning", True))
        if phase in ("induction", "stabilisation") and prev is not None and dose - prev > 10:
            out.append(("MET-STEP-HIGH", "warning", True))
        if phase in MAINT and dose < 60:
            out.append(("MET-BELOW-OPTIMAL", "error" if using else "warning", True))
        if dose > 120:
            out.append(("MET-ABOVE-USUAL", "warning", True))
        if dose > 100 and (c["ECG_DATE"] is None or (PERIOD_END - c["ECG_DATE"]).days > 365):
            out.append(("MET-ECG-DUE", "warning", False))
    if med in ("buprenorphine", "buprenorphine-naloxone"):
        if phase == "induction" and dose > 8:
            out.append(("BUP-START-HIGH", "warning", True))
        if phase in MAINT and dose < 12:
            out.append(("BUP-BELOW-OPTIMAL", "error" if using else "warning", True))
    if med == "buprenorphine" and dose > 32:
        out.append(("BUP-ABOVE-MAX", "error", True))
    if med == "buprenorphine-naloxone" and dose > 24:
        out.append(("BNX-ABOVE-MAX", "error", True))
    if med == "buprenorphine-lyophilisate":
        if phase in MAINT and dose < 10:
            out.append(("LYO-BELOW-OPTIMAL", "error" if using else "warning", True))
        if dose > 18:
            out.append(("LYO-ABOVE-MAX", "error", True))
    if med not in ("buprenorphine-pr-weekly", "buprenorphine-pr-monthly", "diamorphine"):
        if (PERIOD_END - c["OST_START"]).days <= 91 and c["SUPERVISED"] == "N":
            out.append(("SUP-EARLY-UNSUPERVISED", "warning", False))
    if c["NALOXONE"] == "N":
        out.append(("NAL-NOT-SUPPLIED", "error" if using or c["INJSTAT"] == "C" else "warning", False))
    if c["HEPCSTAT"] == "D" and c["INJSTAT"] in ("C", "P"):
        out.append(("HCV-NOT-OFFERED", "warning", False))
    as_of = c["DISD"] or PERIOD_END
    if (as_of - c["LAST_REVIEW"]).days > 91:
        out.append(("REVIEW-OVERDUE", "warning", False))
    if phase in ("reduction", "withdrawal") and using:
        out.append(("REDUCTION-WHILE-USING", "warning", False))
    if c["DISRSN"] == "Incomplete - treatment withdrawn by provider":
        out.append(("DISCHARGE-PROVIDER-WITHDRAWN", "warning", False))
    return [(rule, LOWER[sev] if (lowered and note) else sev) for rule, sev, lowered in out]


DOSES = {"methadone": [10, 25, 30, 31, 40, 41, 55, 59, 60, 80, 100, 101, 120, 121, 150],
         "buprenorphine": [2, 8, 9, 11, 12, 16, 24, 25, 32, 33],
         "buprenorphine-naloxone": [4, 8, 9, 11, 12, 24, 25],
         "buprenorphine-lyophilisate": [2, 9, 10, 12, 18, 19],
         "buprenorphine-pr-weekly": [8, 16, 24, 32], "buprenorphine-pr-monthly": [64, 96, 128, 160],
         "diamorphine": [100, 400]}


def random_client(rng: random.Random, i: int) -> dict:
    med = rng.choice(list(DOSES))
    dose = rng.choice(DOSES[med])
    start = PERIOD_END - dt.timedelta(days=rng.choice([0, 30, 91, 92, 200, 900]))
    has_top = rng.random() < 0.8
    disd = rng.choice([None, None, None, dt.date(2024, 2, 15)])
    disd = disd if disd and disd >= start else None
    return client(
        i, OST_MEDICATION=med, DOSE_MG=dose, PHASE=rng.choice(["induction", "stabilisation", "maintenance", "reduction", "withdrawal"]),
        PREV_DOSE_MG=rng.choice([None, max(dose - 5, 0), max(dose - 10, 0), max(dose - 11, 0), max(dose - 20, 0)]),
        TRIAGED=start, OST_START=start, DOSE_DATE=start, SUPERVISED=rng.choice("YN"),
        TOPDATE=dt.date(2024, 2, 1) if has_top else None, OPIUSE=rng.choice([0, 0, 1, 12]) if has_top else None,
        NALOXONE=rng.choice("YN"), INJSTAT=rng.choice("CPNZ"), HEPCSTAT=rng.choice("ABD"),
        ECG_DATE=rng.choice([None, PERIOD_END - dt.timedelta(days=365), PERIOD_END - dt.timedelta(days=366)]),
        LAST_REVIEW=min(PERIOD_END - dt.timedelta(days=rng.choice([10, 91, 92, 150])), disd or PERIOD_END),
        DISD=disd, DISRSN=rng.choice(["Incomplete - dropped out", "Incomplete - treatment withdrawn by provider"]) if disd else None,
        DOSE_NOTE=rng.choice([None, None, "clinical reason recorded"]))


@pytest.mark.parametrize("seed", [1, 2])
def test_counts_match_an_independent_reading(tmp_path, seed):
    rng = random.Random(seed)
    clients = [random_client(rng, i) for i in range(1, 401)]
    audit = audit_doses(write_return(tmp_path / "r.xlsx", clients))
    assert [f for f in audit.validated.findings if f.severity.value == "error"] == []
    expected = Counter(hit for c in clients for hit in oracle(c))
    assert Counter((f.rule, f.severity.value) for f in audit.findings) == expected
    assert len(expected) >= 25  # the random return exercises most rules and severities
    # the fast JSON path (a polars frame) says what the Finding objects say, in the same order
    rows = audit.findings_frame().to_dicts()
    objects = [f.to_dict() for f in worst_first(audit.all_findings)]
    assert [(r["rule"], r["severity"], r["message"], r["location"]["cell"], r["client"], r["value"]) for r in rows] == \
           [(o["rule"], o["severity"], o["message"], o["location"].get("cell"), o["client"], o["value"]) for o in objects]
