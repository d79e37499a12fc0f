"""Measure the contract passage judge: per category, and the issue's review-tier targets.

    python bench/contracts_eval.py [FILE.jsonl ...]     # quality
    python bench/contracts_eval.py --timing              # seconds per hostile 200 KB text (linear time)

Default: the project's own passages (tests/data/contract-*.jsonl and the shared
dev corpus, passages we wrote) and, reported apart, the real dev corpus
(../shared/corpus/real-dev.jsonl, quoted from public documents: measured on,
never trained on or copied).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from audit.contracts.detect import judge
from audit.contracts.evaluate import evaluate, load_labelled

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
OWN = [SHARED / "contract-clauses-dev.jsonl", *sorted((ROOT / "tests" / "data").glob("contract-*.jsonl"))]
REAL = [SHARED / "real-dev.jsonl"]
HOSTILE = {
    "pay": "pay ",
    "payment-completion": "payment for successful completion ",
    "sentences": "Payment by results applies. Successful completions are counted. ",
    "limits-negators": "not time limited no maximum of 12 months methadone ",
    "negators-in-cues": "no not exceed 12 months methadone ",
    "bullets": "\u2022 successful completion\n",
    "commas": "treatment, ",
}


def ratio(m: dict) -> str:
    return f"{m['n']}/{m['of']}"


def report(name: str, rows: list[dict]) -> None:
    result = evaluate(rows)
    t = result["tiers"]
    print(f"\n{name} ({result['n']} passages)")
    print(f"  {'category':<22} {'precision':>9} {'recall':>7}   tp  fp  fn")
    for cat, m in result["categories"].items():
        p = "-" if m["precision"] is None else f"{m['precision']:.2f}"
        r = "-" if m["recall"] is None else f"{m['recall']:.2f}"
        print(f"  {cat:<22} {p:>9} {r:>7}  {m['tp']:>3} {m['fp']:>3} {m['fn']:>3}")
    print(f"  PAYS passages without a PAYS finding: {ratio(t['missed_PAYS_FOR_COMPLETION'])} (target <= 1 in 10)")
    print(f"  TIME_LIMIT passages without a TIME_LIMIT finding: {ratio(t['missed_TIME_LIMIT'])} (target <= 1 in 6)")
    print(f"  clear findings wrong: {ratio(t['clear_wrong'])} (target <= 1 in 10)")
    print(f"  clear TIME_LIMIT on NO_TIME_LIMIT/NEITHER passages: {len(t['clear_limit_on_no_limit'])} (target 0)")
    print(f"  NEITHER passages sent for review: {ratio(t['neither_review'])} (target <= 1 in 5)")
    for w in result["wrong"]:
        print(f"  wrong: {w['id']} {w['label']} -> {w['predicted']} {w['found']}")


def quality(paths: list[Path]) -> None:
    if paths:
        for path in paths:
            report(path.name, load_labelled(path))
        return
    own = [row for path in OWN if path.exists() for row in load_labelled(path)]
    report("project's own passages: " + ", ".join(p.name for p in OWN if p.exists()), own)
    for path in REAL:
        if path.exists():
            report(f"real passages (measured only): {path.name}", load_labelled(path))
        else:
            print(f"\n{path}: not found, skipped")


def timing(rounds: int = 3, size: int = 200_000) -> None:
    """Hostile texts, interleaved rounds, medians: before the rewrite 160 KB of "pay " never finished."""
    texts = {name: (unit * (size // len(unit) + 1))[:size] for name, unit in HOSTILE.items()}
    times: dict[str, list[float]] = {name: [] for name in texts}
    for _ in range(rounds):
        for name, text in texts.items():
            start = time.perf_counter()
            judge(text)
            times[name].append(time.perf_counter() - start)
    print(f"\njudging one {size // 1000} KB passage (median of {rounds} interleaved rounds)")
    for name, values in times.items():
        print(f"  {name:<22} {statistics.median(values):6.2f} s")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--timing"]:
        timing()
    else:
        quality([Path(p) for p in args])
