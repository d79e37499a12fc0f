"""Each speed-up with and without, on the commands users run: does it earn its place (over 10 %)?

    python bench/speedups.py [--rounds N] [--no-national]

Variants run as separate processes, shuffled within each round; the table
gives median wall seconds, median CPU seconds (user + system) and peak memory.
Run it on a quiet machine: a speed-up that uses the second core can only show
when that core is free, as it is on a commissioner's laptop.

- halves: a big sheet cut in two and parsed on both cores (audit/reading/halves.py); "without" sets the
  threshold out of reach.
- GIL switch interval 0.1 ms and polars' in-memory engine: removed in issue 17; measured again here from
  the command line as they were set.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from run import ROOT, venv  # noqa: E402

MAIN = "from audit.__main__ import main; main()"
TOOL = sys.executable
VARIANTS = {
    "as shipped": ("", {}),
    "without halves": ("import audit.reading.halves as h; h.SPLIT_MIN_BYTES = 1 << 62; ", {}),
    "with GIL switch 0.1 ms": ("import sys; sys.setswitchinterval(0.0001); ", {}),
    "with polars in-memory engine": ("", {"POLARS_ENGINE_AFFINITY": "in-memory"}),
}


def once(prefix: str, env: dict[str, str], args: list[str]) -> tuple[float, float, int]:
    code = f"import sys; sys.argv = ['ost-audit', *{args!r}]; {prefix}{MAIN}"
    start = time.perf_counter()
    proc = subprocess.Popen([TOOL, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **env})
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"failed: {args}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-national", action="store_true")
    args = parser.parse_args()
    global TOOL
    TOOL = venv("tool", str(ROOT), fresh=True)  # as users install it (see run.py)
    big = str(generate.single("100k"))
    commands = {"validate 100k": ["validate", big, "--format", "json", "--output", os.devnull, "--fail-on", "never"],
                "doses 100k": ["doses", big, "--format", "json", "--output", os.devnull, "--fail-on", "never"]}
    if not args.no_national:
        commands["compare, 150 areas"] = ["compare", str(generate.national()), "--output", "/tmp/ost-bench-compare.html", "--quiet"]
    print("| command | variant | median s | CPU s | peak MB | vs as shipped |\n|---|---|---:|---:|---:|---:|")
    for name, argv in commands.items():
        runs: dict[str, list[tuple[float, float, int]]] = {v: [] for v in VARIANTS}
        rounds = args.rounds if "compare" not in name else max(1, args.rounds // 2)
        for _ in range(rounds):
            for variant in random.sample(list(VARIANTS), len(VARIANTS)):
                runs[variant].append(once(*VARIANTS[variant], argv))
        base = statistics.median(r[0] for r in runs["as shipped"])
        for variant, got in runs.items():
            wall = statistics.median(r[0] for r in got)
            print(f"| {name} | {variant} | {wall:.2f} | {statistics.median(r[1] for r in got):.2f} | "
                  f"{max(r[2] for r in got)} | {100 * (wall - base) / base:+.0f} % |", flush=True)


if __name__ == "__main__":
    main()
