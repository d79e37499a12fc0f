"""Precision and recall of the passage classifier on labelled passages (JSON lines)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from audit.contracts.detect import MONITORS, NEITHER, NO_TIME_LIMIT, PAYS, TIME_LIMIT, classify

CATEGORIES = (PAYS, MONITORS, TIME_LIMIT, NO_TIME_LIMIT, NEITHER)


def load_labelled(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: Iterable[dict]) -> dict:
    """Per category: tp, fp, fn, precision, recall; plus the passages got wrong."""
    rows = list(rows)
    predicted = [classify(r["text"]) for r in rows]
    out: dict = {"n": len(rows), "wrong": [], "categories": {}}
    for row, guess in zip(rows, predicted):
        if guess != row["label"]:
            out["wrong"].append({"id": row["id"], "label": row["label"], "predicted": guess, "text": row["text"]})
    for cat in CATEGORIES:
        tp = sum(g == cat and r["label"] == cat for r, g in zip(rows, predicted))
        fp = sum(g == cat and r["label"] != cat for r, g in zip(rows, predicted))
        fn = sum(g != cat and r["label"] == cat for r, g in zip(rows, predicted))
        out["categories"][cat] = {"tp": tp, "fp": fp, "fn": fn,
                                  "precision": tp / (tp + fp) if tp + fp else None,
                                  "recall": tp / (tp + fn) if tp + fn else None}
    return out
