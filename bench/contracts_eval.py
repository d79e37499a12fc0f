"""Print precision and recall per category of the contract passage classifier.

    python bench/contracts_eval.py [FILE.jsonl ...]

Default: the shared dev corpus (../shared/corpus/contract-clauses-dev.jsonl)
and the project's own harder cases (tests/data/*.jsonl).
"""

from __future__ import annotations

import sys
from pathlib import Path

from audit.contracts.evaluate import evaluate, load_labelled

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT.parent / "shared" / "corpus" / "contract-clauses-dev.jsonl", *sorted((ROOT / "tests" / "data").glob("contract-*.jsonl"))]


def main(paths: list[Path]) -> None:
    for path in paths:
        if not path.exists():
            print(f"{path}: not found, skipped")
            continue
        result = evaluate(load_labelled(path))
        print(f"\n{path.name} ({result['n']} passages)")
        print(f"  {'category':<22} {'precision':>9} {'recall':>7}   tp  fp  fn")
        for cat, m in result["categories"].items():
            p = "-" if m["precision"] is None else f"{m['precision']:.2f}"
            r = "-" if m["recall"] is None else f"{m['recall']:.2f}"
            print(f"  {cat:<22} {p:>9} {r:>7}  {m['tp']:>3} {m['fp']:>3} {m['fn']:>3}")
        for w in result["wrong"]:
            print(f"  wrong: {w['id']} {w['label']} -> {w['predicted']}: {w['text']}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
