"""How well the passage judge does on labelled passages (JSON lines `{"id", "text", "label"}`).

Two views: one label per passage (precision and recall per category, any
certainty), and the issue's review-tier measures: passages of a category
left without a finding of it (clear or review), clear findings that are
wrong, clear time limits on passages that are not time limits, NEITHER
passages sent for review.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from audit.contracts.categories import CATEGORIES, NEITHER, NO_TIME_LIMIT, PAYS, TIME_LIMIT
from audit.contracts.detect import CLEAR, REVIEW, judge, label_of


def load_labelled(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: Iterable[dict]) -> dict:
    """Per category: tp, fp, fn, precision, recall; the review-tier measures; the passages got wrong."""
    rows = list(rows)
    judged = [judge(r["text"]) for r in rows]
    predicted = [label_of(j) for j in judged]
    out: dict = {"n": len(rows), "wrong": [], "categories": {}}
    for row, guess, js in zip(rows, predicted, judged):
        if guess != row["label"]:
            out["wrong"].append({"id": row["id"], "label": row["label"], "predicted": guess, "text": row["text"],
                                 "found": [(j.category, j.certainty, j.rule) for j in js]})
    for cat in CATEGORIES:
        tp = sum(g == cat and r["label"] == cat for r, g in zip(rows, predicted))
        fp = sum(g == cat and r["label"] != cat for r, g in zip(rows, predicted))
        fn = sum(g != cat and r["label"] == cat for r, g in zip(rows, predicted))
        out["categories"][cat] = {"tp": tp, "fp": fp, "fn": fn,
                                  "precision": tp / (tp + fp) if tp + fp else None,
                                  "recall": tp / (tp + fn) if tp + fn else None}
    out["tiers"] = tiers(rows, judged)
    return out


def tiers(rows: list[dict], judged: list[list]) -> dict:
    """The issue's targets, counted: misses, wrong clear findings, clear limits on non-limits, NEITHER sent for review."""
    out: dict = {}
    for cat in (PAYS, TIME_LIMIT):
        ids = [r["id"] for r, js in zip(rows, judged) if r["label"] == cat and not any(j.category == cat for j in js)]
        total = sum(r["label"] == cat for r in rows)
        out[f"missed_{cat}"] = {"n": len(ids), "of": total, "ids": ids}
    clear = [(r, j) for r, js in zip(rows, judged) for j in js if j.certainty == CLEAR]
    wrong = [(r["id"], j.category, r["label"]) for r, j in clear if j.category != r["label"]]
    out["clear_wrong"] = {"n": len(wrong), "of": len(clear), "cases": wrong}
    clear_yes = [(r, j) for r, j in clear if j.category in (PAYS, TIME_LIMIT)]
    out["clear_yes_wrong"] = {"n": sum(j.category != r["label"] for r, j in clear_yes), "of": len(clear_yes)}
    out["clear_limit_on_no_limit"] = [r["id"] for r, j in clear if j.category == TIME_LIMIT and r["label"] in (NO_TIME_LIMIT, NEITHER)]
    neither = [(r, js) for r, js in zip(rows, judged) if r["label"] == NEITHER]
    flagged = [r["id"] for r, js in neither if any(j.certainty == REVIEW for j in js)]
    out["neither_review"] = {"n": len(flagged), "of": len(neither), "ids": flagged}
    return out
