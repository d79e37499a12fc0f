"""`history`: quarters, the change from first to last, and client trajectories.

The planted area is made here, with its own seed, by hand from the spec (not
from audit.samples.sample): two providers whose client ids overlap, four quarters,
and every kind of client the definitions must find or must leave alone.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from builders import SUBMISSION, client, write_return
from typer.testing import CliRunner

from audit.cli import app
from audit.errors import InputRefused
from audit.prescribing.history import Change, build_history, history_of
from audit.prescribing.history_view import text_lines
from audit.reporting.stats import newcombe_difference

Q = [(dt.date(2023, 4, 1), dt.date(2023, 6, 30)), (dt.date(2023, 7, 1), dt.date(2023, 9, 30)),
     (dt.date(2023, 10, 1), dt.date(2023, 12, 31)), (dt.date(2024, 1, 1), dt.date(2024, 3, 31))]
PROVIDERS = ("PRVA", "PRVB")
REASONS = ["Treatment completed - drug free", "Transferred - not in custody", "Incomplete - dropped out",
           "Incomplete - treatment withdrawn by provider", "Incomplete - retained in custody"]
runner = CliRunner()


def submission(k: int, provider: str = "TST01") -> dict[str, Any]:
    start, end = Q[k]
    return dict(SUBMISSION, PROVIDER_CODE=provider, PERIOD_START=start, PERIOD_END=end,
                SUBMITTED_ON=end + dt.timedelta(days=10))


def row(k: int, cid: str, **fields: Any) -> dict[str, Any]:
    """A valid client row for quarter k (reviews and TOP inside the quarter)."""
    end = Q[k][1]
    base = {"CLIENTID": cid, "LAST_REVIEW": end - dt.timedelta(days=20), "TOPDATE": end - dt.timedelta(days=20),
            "DOSE_DATE": dt.date(2023, 3, 1)}
    base.update(fields)
    return client(1, **base)


def write_quarters(folder: Path, quarters: list[list[dict[str, Any]]], provider: str = "TST01",
                   ks: list[int] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [write_return(folder / f"{provider}-q{k}.xlsx", rows, submission=submission(k, provider))
            for k, rows in zip(ks or range(len(quarters)), quarters)]


def items(history, name: str) -> set[tuple[str, str]]:
    return {(i["provider"], i["client"]) for i in history.trajectories[name]}


# ---------------------------------------------------------------- the planted area

def planted_area(folder: Path, seed: int = 9173) -> dict[str, Any]:
    """Four quarters of two providers, with planted trajectories and controls that must not be flagged."""
    rng = random.Random(seed)
    rows: dict[str, list[list[dict[str, Any]]]] = {p: [[], [], [], []] for p in PROVIDERS}
    truth: dict[str, set[tuple[str, str]]] = {k: set() for k in (
        "vanished", "re_presented", "reduced_while_using", "planned_reduction", "recorded_discharge", "not_reduced",
        "late_return", "not_judged")}

    def add(p: str, k: int, cid: str, **fields: Any) -> None:
        rows[p][k].append(row(k, cid, **fields))

    def random_fields() -> dict[str, Any]:
        return {"NALOXONE": rng.choice("YYN"), "INJSTAT": rng.choice("CPNZ"), "HEPCSTAT": rng.choice("AABD"),
                "OPIUSE": rng.choice([0, 0, 0, 2, 9])}

    for n, p in enumerate(PROVIDERS):
        other = PROVIDERS[1 - n]
        # everyday clients, present every quarter, doses never cut; the other provider's vanished ids among them
        background = [f"C{i:04d}" for i in range(1, 41)] + [f"C{900 + 50 * (1 - n) + j:04d}" for j in range(3)]
        for cid in background:
            med = rng.choice(["methadone", "methadone", "buprenorphine"])
            dose = rng.choice([40, 55, 60, 80, 100, 130]) if med == "methadone" else rng.choice([6, 10, 12, 16])
            phase = rng.choice(["maintenance", "maintenance", "stabilisation", "induction"])
            for k in range(4):
                dose += rng.choice([0, 0, 0, 5]) if med == "methadone" else rng.choice([0, 0, 2])
                add(p, k, cid, OST_MEDICATION=med, DOSE_MG=dose, PHASE=phase, **random_fields())
        # discharges recorded, then absent: never vanished (half of them on the last day of the quarter)
        for j in range(4):
            cid, k = f"D{j:03d}", rng.randrange(3)
            for kk in range(k + 1):
                disd = (Q[k][1] if j % 2 == 0 else Q[k][0] + dt.timedelta(days=rng.randrange(80))) if kk == k else None
                add(p, kk, cid, DISD=disd, DISRSN=rng.choice(REASONS) if disd else None, **random_fields())
            truth["recorded_discharge"].add((p, cid))
        # vanished: not discharged, absent from the next return; the same id is the other provider's client
        for j in range(3):
            cid, last = f"C{900 + 50 * n + j:04d}", j
            for k in range(last + 1):
                add(p, k, cid, **random_fields())
            truth["vanished"].add((p, cid))
        # re-presented within six months; and one back after seven months (not re-presented)
        for j in range(2):
            cid = f"R{j:03d}"
            disd = Q[0][0] + dt.timedelta(days=rng.randrange(10, 85))
            add(p, 0, cid, DISD=disd, DISRSN=REASONS[j], **random_fields())
            back = disd + dt.timedelta(days=rng.randrange(20, 170))
            for k in range(4):
                if Q[k][1] >= back:
                    add(p, k, cid, TRIAGED=back, OST_START=back, DOSE_DATE=back, **random_fields())
            truth["re_presented"].add((p, cid))
        cid = "L000"
        add(p, 0, cid, DISD=dt.date(2023, 5, 10), DISRSN=REASONS[0])
        add(p, 3, cid, TRIAGED=dt.date(2024, 1, 15), OST_START=dt.date(2024, 1, 15), DOSE_DATE=dt.date(2024, 1, 15))
        truth["late_return"].add((p, cid))
        # dose trajectories: (doses by quarter, OPIUSE by quarter, medications by quarter, what it is)
        plans = [
            ([90, 80, 70, 60], [5, 8, 3, 0], "methadone", "reduced_while_using"),
            ([None, 80, 70, 60], [None, 4, 4, 4], "methadone", "reduced_while_using"),
            ([90, 80, 70, 60], [0, 0, 0, 0], "methadone", "planned_reduction"),
            ([80, 80, 70, 70], [5, 5, 5, 5], "methadone", "not_reduced"),      # one cut only
            ([80, 70, 70, 60], [5, 5, 5, 5], "methadone", "not_reduced"),      # cuts not consecutive
            ([80, 70, 60, 60], [0, 5, 5, 5], "methadone", "not_reduced"),      # no use before the first cut
            ([80, 16, 12, 12], [5, 5, 5, 5], ["methadone", "buprenorphine", "buprenorphine", "buprenorphine"],
             "not_reduced"),                                                  # changed medicine, then one cut
            ([90, "80mg", 70, 60], [5, 5, 5, 5], "methadone", "not_judged"),  # a dose that failed validation
        ]
        for j, (doses, uses, meds, kind) in enumerate(plans):
            cid = f"T{j:03d}"
            for k, (dose, use) in enumerate(zip(doses, uses)):
                if dose is None:
                    continue
                med = meds[k] if isinstance(meds, list) else meds
                add(p, k, cid, OST_MEDICATION=med, DOSE_MG=dose, OPIUSE=use, PHASE="reduction" if kind == "planned_reduction"
                    else "maintenance", OST_START=dt.date(2022, 1, 17) if k == 0 or med == "methadone" else Q[1][0])
            truth[kind].add((p, cid))
        del other
    paths = []
    for p in PROVIDERS:
        for k in range(4):
            rng.shuffle(rows[p][k])
        paths += write_quarters(folder, rows[p], provider=p)
    return {"truth": truth, "rows": rows, "paths": paths}


def expected_counts(quarter_rows: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """A few indicators counted the plain way, from the rows as written (a dose with a unit is not judged)."""
    def methadone_maint(r):
        return r["OST_MEDICATION"] == "methadone" and r["PHASE"] in ("maintenance", "stabilisation")

    judged = [r for r in quarter_rows if not isinstance(r["DOSE_MG"], str)]
    discharged = [r for r in quarter_rows if r["DISD"] is not None]
    return {
        "naloxone-supplied": (sum(r["NALOXONE"] == "Y" for r in quarter_rows), len(quarter_rows)),
        "methadone-optimal": (sum(methadone_maint(r) and 60 <= r["DOSE_MG"] <= 120 for r in judged),
                              sum(methadone_maint(r) for r in judged)),
        "injectors-hcv-offered": (sum(r["INJSTAT"] in "CP" and r["HEPCSTAT"] in "AB" for r in quarter_rows),
                                  sum(r["INJSTAT"] in "CP" for r in quarter_rows)),
        "discharges-provider-withdrawn": (sum(r["DISRSN"] == REASONS[3] for r in discharged), len(discharged)),
    }


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("area")
    made = planted_area(folder)
    return folder, made, history_of([folder])


def test_every_planted_trajectory_is_found_and_nothing_else(planted):
    _, made, history = planted
    truth = made["truth"]
    assert items(history, "vanished") == truth["vanished"]
    assert items(history, "re_presented") == truth["re_presented"]
    assert items(history, "reduced_while_using") == truth["reduced_while_using"]


def test_controls_are_not_flagged(planted):
    _, made, history = planted
    flagged = set().union(*(items(history, name) for name in ("vanished", "re_presented", "reduced_while_using")))
    for control in ("planned_reduction", "recorded_discharge", "not_reduced", "late_return", "not_judged"):
        assert not made["truth"][control] & flagged, control


def test_clients_are_matched_within_their_provider_only(planted):
    _, made, history = planted
    # each vanished id is present in every quarter of the other provider: matching across providers would hide it
    other_ids = {(p, r["CLIENTID"]) for p in PROVIDERS for qrows in made["rows"][p] for r in qrows}
    for provider, cid in items(history, "vanished"):
        other = PROVIDERS[1 - PROVIDERS.index(provider)]
        assert (other, cid) in other_ids


def test_indicator_counts_per_quarter_are_exact(planted):
    _, made, history = planted
    assert [q.period.start for q in history.quarters] == [s for s, _ in Q]
    for k, quarter in enumerate(history.quarters):
        rows = made["rows"]["PRVA"][k] + made["rows"]["PRVB"][k]
        assert quarter.clients == len(rows)
        assert quarter.discharges == sum(r["DISD"] is not None for r in rows)
        assert quarter.unplanned_total == sum(r["DISD"] is not None and r["DISRSN"].startswith("Incomplete") for r in rows)
        got = {i.id: (i.numerator, i.denominator) for i in quarter.indicators}
        for ind, counts in expected_counts(rows).items():
            assert got[ind] == counts, (k, ind)


def test_not_judged_is_counted_and_the_reduced_evidence_is_right(planted):
    _, _, history = planted
    assert history.not_judged["reduced_while_using"] >= 2  # the "80mg" client of each provider
    item = next(i for i in history.trajectories["reduced_while_using"] if i["client"] == "T000" and i["provider"] == "PRVA")
    assert item["doses_mg"] == [90, 80, 70, 60] and item["opiuse"] == [5, 8, 3]
    assert item["quarters"] == [s.isoformat() for s, _ in Q]
    late = next(i for i in history.trajectories["reduced_while_using"] if i["client"] == "T001" and i["provider"] == "PRVB")
    assert late["doses_mg"] == [80, 70, 60] and late["quarters"][0] == Q[1][0].isoformat()


def test_change_first_to_last_uses_newcombe_and_the_better_direction(planted):
    _, _, history = planted
    first, last = history.quarters[0], history.quarters[-1]
    for change in history.changes:
        a = next(i for i in first.indicators if i.id == change.id)
        b = next(i for i in last.indicators if i.id == change.id)
        if a.denominator and b.denominator:
            assert (change.difference, change.ci_low, change.ci_high) == pytest.approx(
                newcombe_difference(a.numerator, a.denominator, b.numerator, b.denominator))


# ---------------------------------------------------------------- statistics and verdicts

@pytest.mark.parametrize("first,last,low,high", [
    # Newcombe RG (1998) Interval estimation for the difference between independent proportions,
    # Stat Med 17:873-890, Table II, method 10 (the difference is p1 - p2 there: here first is p2)
    ((48, 80), (56, 70), 0.0524, 0.3339),
    ((3, 10), (9, 10), 0.1705, 0.8090),
    ((0, 29), (5, 56), -0.0381, 0.1926),
    ((0, 20), (0, 10), -0.1611, 0.2775),
    ((0, 20), (10, 10), 0.6791, 1.0000),
])
def test_newcombe_matches_published_examples(first, last, low, high):
    _, lo, hi = newcombe_difference(*first, *last)
    assert lo == pytest.approx(low, abs=5e-5) and hi == pytest.approx(high, abs=5e-5)


def _change(better: str, first: tuple[int, int], last: tuple[int, int]) -> Change:
    from audit.prescribing.doses import IndicatorResult

    a = IndicatorResult("x", "x", *first, first[0] / first[1], None, None, better)
    b = IndicatorResult("x", "x", *last, last[0] / last[1], None, None, better)
    return Change("x", "x", better, a, b, *newcombe_difference(*first, *last))


def test_verdict_follows_the_better_direction():
    assert _change("high", (40, 100), (70, 100)).verdict == "improved"
    assert _change("low", (40, 100), (70, 100)).verdict == "worse"
    assert _change("low", (70, 100), (40, 100)).verdict == "improved"
    assert _change("high", (40, 100), (45, 100)).verdict == "no-clear-change"


# ---------------------------------------------------------------- hand-made edges

def test_a_client_who_changes_medication_is_not_a_dose_cut(tmp_path):
    cid = "MED1"
    quarters = [[row(0, cid, OST_MEDICATION="methadone", DOSE_MG=80, OPIUSE=6)],
                [row(1, cid, OST_MEDICATION="buprenorphine", DOSE_MG=16, OPIUSE=6, OST_START=dt.date(2023, 7, 3),
                     DOSE_DATE=dt.date(2023, 7, 3))],
                [row(2, cid, OST_MEDICATION="buprenorphine", DOSE_MG=12, OPIUSE=6, OST_START=dt.date(2023, 7, 3))]]
    write_quarters(tmp_path, quarters)
    history = history_of([tmp_path])
    assert history.trajectories["reduced_while_using"] == [] and history.trajectories["vanished"] == []
    # the same cuts on one medicine are flagged
    quarters[1][0].update(OST_MEDICATION="methadone", DOSE_MG=60, OST_START=dt.date(2022, 1, 17))
    quarters[2][0].update(OST_MEDICATION="methadone", DOSE_MG=40, OST_START=dt.date(2022, 1, 17))
    write_quarters(tmp_path, quarters)
    assert items(history_of([tmp_path]), "reduced_while_using") == {("TST01", cid)}


def test_a_discharge_on_the_last_day_of_a_quarter_is_recorded_not_vanished(tmp_path):
    quarters = [[row(0, "A1"), row(0, "LAST", DISD=Q[0][1], DISRSN="Incomplete - dropped out"), row(0, "GONE")],
                [row(1, "A1")]]
    write_quarters(tmp_path, quarters)
    history = history_of([tmp_path])
    assert items(history, "vanished") == {("TST01", "GONE")}
    assert history.quarters[0].discharges == 1 and history.quarters[0].unplanned == {"Incomplete - dropped out": 1}


def test_re_presentation_is_within_six_months_to_the_day(tmp_path):
    disd = dt.date(2023, 5, 10)
    quarters = [[row(0, "IN", DISD=disd, DISRSN=REASONS[0]), row(0, "OUT", DISD=disd, DISRSN=REASONS[2])],
                [], [row(2, "IN", TRIAGED=dt.date(2023, 11, 10), OST_START=dt.date(2023, 11, 10), DOSE_DATE=dt.date(2023, 11, 10)),
                     row(2, "OUT", TRIAGED=dt.date(2023, 11, 11), OST_START=dt.date(2023, 11, 11), DOSE_DATE=dt.date(2023, 11, 11))]]
    write_quarters(tmp_path, quarters)
    history = history_of([tmp_path])
    (item,) = history.trajectories["re_presented"]
    assert item["client"] == "IN" and item["completed"] is True and item["days_out"] == 184 and item["back_by"] == "TRIAGED"


def test_two_returns_of_one_provider_for_the_same_quarter_are_refused(tmp_path):
    a = write_return(tmp_path / "first.xlsx", [row(0, "A1")], submission=submission(0))
    b = write_return(tmp_path / "second.xlsx", [row(0, "A2")], submission=submission(0))
    with pytest.raises(InputRefused) as caught:
        history_of([tmp_path])
    message = f"{caught.value.path} {caught.value.reason}"
    assert str(a) in message and str(b) in message
    result = runner.invoke(app, ["history", str(tmp_path)])
    assert result.exit_code == 2 and "first.xlsx" in result.stderr and "second.xlsx" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_two_providers_in_one_quarter_are_pooled(tmp_path):
    write_quarters(tmp_path, [[row(0, "A1", NALOXONE="N")], [row(1, "A1")]], provider="PA")
    write_quarters(tmp_path, [[row(0, "A1"), row(0, "B2")], [row(1, "A1"), row(1, "B2")]], provider="PB")
    history = history_of([tmp_path])
    assert [q.clients for q in history.quarters] == [3, 3]
    naloxone = next(i for i in history.quarters[0].indicators if i.id == "naloxone-supplied")
    assert (naloxone.numerator, naloxone.denominator) == (2, 3)


def test_a_gap_is_said_and_nothing_is_judged_across_it(tmp_path):
    quarters = [[row(0, "CUT", DOSE_MG=90, OPIUSE=5), row(0, "STAY")],
                [row(1, "CUT", DOSE_MG=80, OPIUSE=5), row(1, "STAY"), row(1, "LOST")],
                [row(3, "CUT", DOSE_MG=70, OPIUSE=5), row(3, "STAY")]]
    write_quarters(tmp_path, quarters, ks=[0, 1, 3])
    history = history_of([tmp_path])
    assert history.trajectories["vanished"] == [] and history.trajectories["reduced_while_using"] == []
    (gap,) = history.gaps
    assert "2023-10-01 to 2023-12-31" in gap.sentence() and "nothing is judged across the gap" in gap.sentence()
    text = "\n".join(text_lines(history))
    assert "No return from the area for 2023-10-01 to 2023-12-31" in text
    # across a gap the change first to last is still given: it compares two quarters, not clients
    assert len(history.changes) == len(history.quarters[0].indicators)


def test_a_provider_gap_inside_the_area_is_said_once(tmp_path):
    write_quarters(tmp_path, [[row(0, "A1")], [row(1, "A1")], [row(2, "A1")]], provider="PA")
    write_quarters(tmp_path, [[row(0, "B1")], [row(2, "B1"), row(2, "B2")]], provider="PB", ks=[0, 2])
    history = history_of([tmp_path])
    assert [(g.provider, str(g.missing)) for g in history.gaps] == [("PB", "2023-07-01 to 2023-09-30")]
    assert history.trajectories["vanished"] == []


def test_a_client_whose_id_failed_validation_is_never_matched_or_written(tmp_path):
    from audit.prescribing.doses import audit_doses
    from audit.prescribing.guidelines import load_guideline

    nhs = "9434765919"  # passes the modulus-11 check
    paths = write_quarters(tmp_path, [[row(0, "A1"), row(0, nhs)], [row(1, "A1")]])
    with pytest.raises(InputRefused, match="NHS numbers"):
        history_of([tmp_path])  # as the report: a return carrying NHS numbers is not followed at all
    rules = load_guideline("uk-2017")
    history = build_history([audit_doses(p, rules) for p in paths], rules)
    assert history.trajectories["vanished"] == [] and history.not_judged["vanished"] == 1
    written = json.dumps(history.to_dict(), default=str) + "\n".join(text_lines(history))
    assert nhs not in written


def test_no_one_vanishes_into_a_return_whose_ids_are_missing(tmp_path):
    from builders import COLUMNS

    write_return(tmp_path / "q0.xlsx", [row(0, "A1"), row(0, "A2")], submission=submission(0))
    write_return(tmp_path / "q1.xlsx", [row(1, "A1")], submission=submission(1), columns=[c for c in COLUMNS if c != "CLIENTID"])
    history = history_of([tmp_path])
    assert history.trajectories["vanished"] == [] and history.not_judged["vanished"] >= 2
    assert any("no CLIENTID" in note and "q1.xlsx" in note for note in history.notes)


def test_returns_of_two_areas_are_refused(tmp_path):
    write_return(tmp_path / "a.xlsx", [row(0, "A1")], submission=submission(0))
    write_return(tmp_path / "b.xlsx", [row(1, "A1")], submission=dict(submission(1), LA_CODE="E06000024"))
    with pytest.raises(InputRefused, match="one area at a time"):
        history_of([tmp_path])


# ---------------------------------------------------------------- outputs

def test_text_fits_80_columns_and_names_every_flagged_client(planted):
    folder, _, history = planted
    result = runner.invoke(app, ["history", str(folder), "--fail-on", "never"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    for name in ("vanished", "re_presented", "reduced_while_using"):
        for item in history.trajectories[name]:
            assert f"{item['client']} (provider {item['provider']})" in result.stdout
    assert re.search(r"change [+-]\d+\.\d points, 95% CI", result.stdout)


def test_json_has_the_shape_of_the_spec(planted):
    folder, _, history = planted
    result = runner.invoke(app, ["history", str(folder), "--format", "json", "--fail-on", "never"])
    data = json.loads(result.stdout)
    assert data["command"] == "history" and len(data["inputs"]) == 8
    starts = [q["period_start"] for q in data["quarters"]]
    assert starts == sorted(starts) and len(starts) == 4
    for q in data["quarters"]:
        assert {"period_start", "period_end", "clients", "indicators"} <= set(q)
        assert all({"id", "label", "numerator", "denominator", "value", "ci_low", "ci_high"} <= set(i) for i in q["indicators"])
    for c in data["changes"]:
        assert {"id", "first", "last", "difference", "ci_low", "ci_high", "verdict"} <= set(c)
        assert c["verdict"] in ("improved", "worse", "no-clear-change")
    assert set(data["trajectories"]) == {"vanished", "re_presented", "reduced_while_using"}
    for name, listed in data["trajectories"].items():
        assert len(listed) == len(history.trajectories[name])
        assert all({"client", "provider"} <= set(i) for i in listed)
    rules = {f["rule"] for f in data["findings"]}
    assert {"HIST-VANISHED", "HIST-RE-PRESENTED", "HIST-REDUCED-WHILE-USING"} <= rules


def test_fail_on_warning_exits_1_when_someone_vanished(tmp_path):
    write_quarters(tmp_path, [[row(0, "A1"), row(0, "GONE")], [row(1, "A1")]])
    assert runner.invoke(app, ["history", str(tmp_path), "--fail-on", "warning"]).exit_code == 1
    assert runner.invoke(app, ["history", str(tmp_path), "--fail-on", "error"]).exit_code == 0


def test_report_of_a_multi_quarter_folder_uses_the_latest_quarter_and_shows_over_time(planted, tmp_path):
    from audit.reporting.area import audit_area
    from audit.reporting.report import render_report

    folder, made, history = planted
    area = audit_area([folder])
    assert {r.validated.submission["PERIOD_START"] for r in area.returns} == {Q[3][0]}
    latest_rows = made["rows"]["PRVA"][3] + made["rows"]["PRVB"][3]
    assert area.clients == len(latest_rows)  # never pooled across quarters
    naloxone = next(i for i in area.indicators if i.id == "naloxone-supplied")
    assert (naloxone.numerator, naloxone.denominator) == expected_counts(latest_rows)["naloxone-supplied"]
    html = render_report(area)
    section = html[html.index('<section id="over-time"'):]
    section = section[:section.index("</section>")]
    assert section.count("<svg") == len(area.guideline.indicators)
    assert section.count('class="ci"') >= len(area.guideline.indicators)
    for name in ("vanished", "re_presented", "reduced_while_using"):
        for item in history.trajectories[name]:
            assert f"<td>{item['client']}</td><td>{item['provider']}</td>" in section
    assert len(area.inputs()) == 8  # every quarter's return is listed as an input


def test_a_single_quarter_report_has_no_over_time_section(tmp_path):
    from audit.reporting.area import audit_area
    from audit.reporting.report import render_report

    write_quarters(tmp_path, [[row(0, "A1")]])
    assert 'id="over-time"' not in render_report(audit_area([tmp_path]))


def test_compare_shows_the_direction_of_change_beside_the_latest_value(tmp_path):
    from audit.reporting.compare import compare_areas

    many = tmp_path / "areas" / "many"
    write_quarters(many, [[row(0, f"A{i}", NALOXONE="N" if i < 30 else "Y") for i in range(40)],
                          [row(1, f"A{i}") for i in range(40)]])
    one = tmp_path / "areas" / "one"
    one.mkdir()
    write_return(one / "r.xlsx", [row(1, f"B{i}") for i in range(10)],
                 submission=dict(submission(1), LA_CODE="E06000024"))
    comparison = compare_areas(tmp_path / "areas", workers=1)
    by_folder = {Path(a.folder).name: a for a in comparison.areas}
    assert by_folder["many"].clients == 40 and by_folder["many"].changes["naloxone-supplied"] == "improved"
    assert by_folder["many"].to_dict()["changes_since"] == "2023-04-01"
    assert by_folder["one"].changes == {}
    naloxone = next(i for i in by_folder["many"].to_dict()["indicators"] if i["id"] == "naloxone-supplied")
    assert naloxone["change"] == "improved" and naloxone["numerator"] == 40


def test_public_compare_hides_a_change_from_small_counts(tmp_path):
    from audit.reporting.compare import compare_areas

    area = tmp_path / "areas" / "small"
    write_quarters(area, [[row(0, f"A{i}", NALOXONE="N" if i < 3 else "Y") for i in range(30)],
                          [row(1, f"A{i}") for i in range(30)]])
    assert "naloxone-supplied" in compare_areas(tmp_path / "areas", workers=1).areas[0].changes
    assert "naloxone-supplied" not in compare_areas(tmp_path / "areas", workers=1, public=True).areas[0].changes


def test_sample_area_with_four_quarters_shows_its_planted_clients(tmp_path):
    from audit.samples.sample import AREAS, HISTORY_AREA, history_rows, write_samples

    write_samples(tmp_path)
    _, planted = history_rows(next(a for a in AREAS if a.slug == HISTORY_AREA))
    history = history_of([tmp_path / HISTORY_AREA])
    assert len(history.quarters) == 4 and not history.gaps
    for name in ("vanished", "re_presented", "reduced_while_using"):
        assert {i["client"] for i in history.trajectories[name]} == planted[name]
    assert not planted["planned_reduction"] & {i["client"] for i in history.trajectories["reduced_while_using"]}


def test_small_multiple_draws_each_quarter_with_its_interval_and_escapes_labels():
    from audit.reporting.svg import small_multiple

    svg = small_multiple([("<Q1>", 0.5, 0.4, 0.6), ("Q2", None, None, None), ("Q3", 0.7, 0.6, 0.8)], "a & b")
    assert svg.count('class="point"') == 2 and svg.count('class="ci"') == 2
    assert "no clients to judge" in svg and "&lt;Q1&gt;" in svg and "<Q1>" not in svg and 'aria-label="a &amp; b"' in svg
    # 0% at the bottom, 100% at the top: the higher value is drawn higher
    ys = [float(m) for m in re.findall(r'class="point" cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys[0] > ys[1]


@pytest.mark.parametrize("first,last,words", [
    (0, 5, "change not computed: the first quarter has no clients to judge"),
    (5, 0, "change not computed: the last quarter has no clients to judge"),
    (0, 0, "change not computed: the first and last quarters have no clients to judge"),
])
def test_a_change_that_cannot_be_computed_says_which_quarter_lacks_clients(first, last, words):
    """Not "change no clear change (a quarter has ...)": the change is first to last, so say which end is empty."""
    from audit.prescribing.doses import IndicatorResult
    from audit.prescribing.history_view import change_words

    def result(n):
        return IndicatorResult("x", "X", n and 1, n, (1 / n) if n else None, None, None)

    change = Change("x", "X", "high", result(first), result(last), None, None, None)
    assert f"change {change_words(change)}" == words
    assert change_words(change, verdict=False) == words.removeprefix("change not computed: ")


def test_the_report_badge_of_a_change_not_computed_says_so():
    """The "Over time" badge of an indicator with nobody to judge at an end is "not computed", not "no-clear-change"."""
    from audit.prescribing.doses import IndicatorResult
    from audit.prescribing.history_view import change_badge

    empty, some = IndicatorResult("x", "X", 0, 0, None, None, None), IndicatorResult("x", "X", 1, 5, 0.2, 0.04, 0.6)
    assert change_badge(Change("x", "X", "high", empty, some, None, None, None)) == "not computed"
    assert change_badge(Change("x", "X", "high", some, some, 0.0, -0.4, 0.4)) == "no-clear-change"


def test_a_row_without_an_id_is_noted_only_where_there_is_an_earlier_return_to_judge(tmp_path):
    """Rows with no CLIENTID stop 'vanished' being judged for the provider's return before; the first return has none."""
    write_quarters(tmp_path, [[row(0, "A1"), row(0, None)], [row(1, "A1"), row(1, None)]])
    notes = [n for n in history_of([tmp_path]).notes if "with no CLIENTID" in n]
    assert len(notes) == 1 and "TST01-q1.xlsx" in notes[0], notes
