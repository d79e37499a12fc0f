"""Benchmark: ost-audit against the raw read and against its peers.

    python bench/run.py [--repeats N] [--sizes 1k,10k,100k] [--no-peers] [--no-national] [--no-messy]

Every command runs in its own process, interleaved with the others, several
times; the table shows medians, ratios to the raw read (`polars.read_excel`
with calamine) and peak memory (max RSS of the process). Writes
bench/RESULTS.md. Inputs come from bench/generate.py (cached in bench/data/).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

ROOT = HERE.parent
VENVS = HERE / ".venvs"
OUT = Path(tempfile.mkdtemp(prefix="ost-bench-"))


def venv(name: str, *packages: str, fresh: bool = False) -> str:
    """A separate environment, so each tool is measured as its users install it:
    ost-audit from `pip install .` (no test extras, so no hypothesis for pandera to import), the peers with
    their own libraries. `fresh` reinstalls the packages themselves each run: the tree under test changes."""
    path = VENVS / name
    python = path / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *packages], check=True)
    elif fresh:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", *packages], check=True)
    return str(python)

RAW = "import polars as pl; pl.read_excel({path!r}, sheet_name='OST', engine='calamine')"
PANDAS_PANDERA = """
import pandas as pd, sys
sys.path[:0] = [{here!r}, {root!r}]
from peers import pandas_schema
import pandera.pandas as pa
df = pd.read_excel({path!r}, sheet_name='OST', engine='openpyxl')
try:
    pandas_schema().validate(df, lazy=True)
except pa.errors.SchemaErrors as e:
    len(e.failure_cases)
"""
FRICTIONLESS = """
from frictionless import Resource, formats
import os
resource = Resource(os.path.basename({path!r}), basepath=os.path.dirname({path!r}), control=formats.ExcelControl(sheet='OST'))
report = resource.validate(limit_errors=10**9)
assert report.tasks[0].stats['rows'] > 0, report.flatten(['type', 'note'])[:3]
"""
TOOL = sys.executable


def run(argv: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS (MB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    allowed = (0, 1) if argv[1:3] == ["-m", "audit"] else (0,)  # ost-audit exits 1 when it finds faults
    if os.waitstatus_to_exitcode(status) not in allowed:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return elapsed, usage.ru_maxrss // 1024


def cli(*args: str) -> list[str]:
    return [TOOL, "-m", "audit", *args]


def commands(path: Path, peers: bool) -> dict[str, list[str]]:
    out = {
        "raw read (polars + calamine)": [TOOL, "-c", RAW.format(path=str(path))],
        "ost-audit validate": cli("validate", str(path), "--format", "json", "--output", str(OUT / "v.json"), "--fail-on", "never"),
        "ost-audit doses": cli("doses", str(path), "--format", "json", "--output", str(OUT / "d.json"), "--fail-on", "never"),
    }
    if peers:
        peer = venv("peers", "pandas>=2.0", "pandera>=0.22", "openpyxl>=3.1", "frictionless[excel]>=5.0", "pyyaml>=6.0")
        out["pandas.read_excel (openpyxl) + pandera"] = [peer, "-c", PANDAS_PANDERA.format(path=str(path), here=str(HERE), root=str(ROOT))]
        out["frictionless validate"] = [peer, "-c", FRICTIONLESS.format(path=str(path))]
    return out


def measure(cmds: dict[str, list[str]], repeats: int, slow: set[str]) -> dict[str, tuple[float, int, float, float]]:
    """Median seconds, peak MB, fastest and slowest run of each command."""
    times: dict[str, list[float]] = {k: [] for k in cmds}
    memory: dict[str, int] = {k: 0 for k in cmds}
    for rep in range(repeats):
        for name, argv in cmds.items():  # interleaved: every command once per round
            if name in slow and rep > 0:
                continue
            seconds, mb = run(argv)
            times[name].append(seconds)
            memory[name] = max(memory[name], mb)
    return {k: (statistics.median(v), memory[k], min(v), max(v)) for k, v in times.items()}


def messy_section(repeats: int) -> list[str]:
    """The 100k return with one row in ten faulty beside the clean one: validation must cost the same
    whatever the number of faults (bench/generate.py `messy`)."""
    clean, messy = generate.single("100k"), generate.messy("100k")
    # the raw read takes every cell as text here: polars cannot infer a type for the messy columns
    # (`1e30` in an integer column), and ost-audit reads every cell as text too
    raw = "import polars as pl; pl.read_excel({path!r}, sheet_name='OST', engine='calamine', infer_schema_length=0)"
    cmds = {f"{what} ({name})": ([TOOL, "-c", raw.format(path=str(path))] if what.startswith("raw read") else argv)
            for name, path in (("clean", clean), ("messy", messy)) for what, argv in commands(path, peers=False).items()}
    results = measure(cmds, repeats, set())
    lines = [f"## 100k clients, clean and messy (one row in ten faulty: {len(generate.FAULTS)} kinds of fault)", "",
             "| command | seconds | x raw read | fastest-slowest s | peak MB | x raw memory |", "|---|---:|---:|---:|---:|---:|"]
    for name, (t, m, lo, hi) in results.items():
        raw_t, raw_m, _, _ = results[f"raw read (polars + calamine) ({name.rsplit('(', 1)[1]}"]
        lines.append(f"| {name} | {t:.2f} | {t / raw_t:.2f} | {lo:.2f}-{hi:.2f} | {m} | {m / raw_m:.2f} |")
    return lines + [""]


def contracts_cost(repeats: int) -> list[tuple[str, int | None, float | None, float]]:
    """Scan time vs raw text extraction, per page, for a long generated PDF; scan time for the same text as Word."""
    from pypdf import PdfReader

    from audit.contracts.scan import scan_contract
    from audit.samples.sample_contracts import SPECS, ContractSpec, write_docx, write_pdf

    spec = SPECS[0]
    long = ContractSpec("long", spec.area, spec.expected, spec.special * 150)
    path = write_pdf(long, OUT / "long.pdf")
    word = write_docx(long, OUT / "long.docx")
    extract, scan, scan_word = [], [], []
    for _ in range(repeats):  # interleaved
        t = time.perf_counter()
        [page.extract_text() for page in PdfReader(str(path)).pages]
        extract.append(time.perf_counter() - t)
        t = time.perf_counter()
        scan_contract(path)
        scan.append(time.perf_counter() - t)
        t = time.perf_counter()
        scan_contract(word)
        scan_word.append(time.perf_counter() - t)
    pages = len(PdfReader(str(path)).pages)
    return [(path.name, pages, statistics.median(extract), statistics.median(scan)),
            (word.name, None, None, statistics.median(scan_word))]


def hostile_contract_cost(repeats: int) -> tuple[int, float, float]:
    """How long the command takes to refuse a 12 KB PDF whose 2,000 pages share one content stream
    (issue 18: 47 s and more before work was budgeted per document): file size, wall and CPU seconds."""
    import zlib

    from audit.samples.pdf_write import assemble

    content = zlib.compress(b"BT /F1 9 Tf 72 700 Td " + b"(successful completion is paid) Tj 0 -1 Td " * 3000 + b"ET")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count 2000 >>" % (b"5 0 R " * 2000),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"]
    path = OUT / "shared-stream.pdf"
    path.write_bytes(assemble(objects, root=1))
    wall, cpu = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.Popen(cli("contracts", str(path)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 2:
            raise SystemExit(f"the shared-stream PDF was not refused: {path}")
        wall.append(time.perf_counter() - start)
        cpu.append(usage.ru_utime + usage.ru_stime)
    return path.stat().st_size, statistics.median(wall), statistics.median(cpu)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    versions = ", ".join(f"{p} {metadata.version(p)}" for p in ("polars", "fastexcel", "pandera", "openpyxl") if _has(p))
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}; {versions}"


def _has(package: str) -> bool:
    try:
        metadata.version(package)
        return True
    except metadata.PackageNotFoundError:
        return False


KEPT = "## Speed-ups, each with and without"  # written by hand from A/B runs: a new run keeps it


def kept_sections() -> str:
    """The hand-written record of each speed-up's measured gain, carried over from the last RESULTS.md."""
    old = (HERE / "RESULTS.md").read_text(encoding="utf-8") if (HERE / "RESULTS.md").exists() else ""
    return "\n" + old[old.index(KEPT):] if KEPT in old else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sizes", default="1k,10k,100k")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-national", action="store_true")
    parser.add_argument("--no-messy", action="store_true")
    args = parser.parse_args()
    global TOOL
    TOOL = venv("tool", str(ROOT), fresh=True)
    peers = not args.no_peers
    lines = ["# Benchmark results", "", f"Machine: {machine()}.", "",
             f"Medians of {args.repeats} interleaved runs, each command in its own process (start-up included); "
             "peers run once at 100k. Ratios are to the raw read of the same file.", ""]
    for label in args.sizes.split(","):
        path = generate.single(label)
        cmds = commands(path, peers)
        slow = {k for k in cmds if "pandas" in k or "frictionless" in k} if label == "100k" else set()
        results = measure(cmds, args.repeats, slow)
        raw_t, raw_m, _, _ = results["raw read (polars + calamine)"]
        lines += [f"## {label} clients ({path.stat().st_size / 1e6:.1f} MB)", "",
                  "| command | seconds | x raw read | fastest-slowest s | peak MB | x raw memory |", "|---|---:|---:|---:|---:|---:|"]
        for name, (t, m, lo, hi) in results.items():
            lines.append(f"| {name} | {t:.2f} | {t / raw_t:.2f} | {lo:.2f}-{hi:.2f} | {m} | {m / raw_m:.2f} |")
        lines.append("")
        print("\n".join(lines[-(len(results) + 4):]), flush=True)
    if "100k" in args.sizes.split(",") and not args.no_messy:
        lines += messy_section(args.repeats)
        print("\n".join(lines[-9:]), flush=True)
    if not args.no_national:
        root = generate.national()
        areas = sorted(root.iterdir())
        cmds = {
            "ost-audit compare (150 areas, both cores, with area reports)": cli("compare", str(root), "--output", str(OUT / "c.html"), "--quiet"),
            "ost-audit validate of the 150 returns one after another": cli("validate", *[str(a / "return.xlsx") for a in areas],
                                                                             "--quiet", "--fail-on", "never"),
        }
        results = measure(cmds, max(1, args.repeats // 2), set())
        clients = sum(generate.NATIONAL_CLIENTS - 300 + (k * 37) % 600 for k in range(generate.NATIONAL_AREAS))
        lines += [f"## National set: {len(areas)} areas, {clients:,} clients", "", "| command | seconds | peak MB |", "|---|---:|---:|"]
        lines += [f"| {name} | {t:.1f} | {m} |" for name, (t, m, _, _) in results.items()]
        lines.append("")
        print("\n".join(lines[-(len(results) + 4):]), flush=True)
    lines += ["## Contracts: scanning against raw text extraction", "",
              "| document | pages | pypdf extract_text (s) | ost-audit scan (s) | scan per page (ms) | x extraction |", "|---|---:|---:|---:|---:|---:|"]
    for name, pages, extract, scan in contracts_cost(args.repeats):
        if pages and extract:
            lines.append(f"| {name} | {pages} | {extract:.2f} | {scan:.2f} | {1000 * scan / pages:.1f} | {scan / extract:.2f} |")
        else:  # Word has no pages and no other reader in the tool's install to compare with
            lines.append(f"| {name} (same text) | - | - | {scan:.2f} | - | - |")
    size, wall, cpu = hostile_contract_cost(max(1, args.repeats // 2))
    lines += ["", f"A {size // 1024} KB PDF whose 2,000 pages share one content stream is refused in {wall:.1f} s "
              f"({cpu:.1f} s of CPU): work is budgeted per document.", ""]
    print("\n".join(lines[-7:]))
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n" + kept_sections(), encoding="utf-8")
    print(f"\nwrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
