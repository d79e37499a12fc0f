"""Benchmark inputs: returns of 1k, 10k and 100k clients and a 150-area national set.

Written once into bench/data/ (git-ignored) and reused while the generator is unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path

from audit.sample import Area, client_rows, write_return

DATA = Path(__file__).resolve().parent / "data"
SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
NATIONAL_AREAS = 150
NATIONAL_CLIENTS = 700  # about 105,000 people on OST across England's upper-tier areas


def single(label: str) -> Path:
    path = DATA / f"return-{label}.xlsx"
    if not path.exists():
        area = Area(f"bench{label}", f"Bench {label}", "E06999990", SIZES[label], 0.2, 0.8, 0.85)
        write_return(path, area, client_rows(area))
    return path


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
    wanted = sys.argv[1:] or [*SIZES, "national"]
    for label in wanted:
        print(national() if label == "national" else single(label))
