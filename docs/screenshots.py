"""Regenerate the README's screenshots: the westhaven report and the sample comparison at 1440 and 390 px (the comparison's matrix needs about 1350 px).

    .venv/bin/python docs/screenshots.py      (needs Chromium; writes docs/screenshots/*.png)

Each PNG is the top of the page, reduced to a 256-colour palette to stay small when Pillow is
installed (a maintainer's tool, not a dependency of ost-audit); without it Chromium's PNG is kept.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SHOTS = {"report": "westhaven-report.html", "compare": "compare.html"}
WINDOWS = {1440: 2300, 390: 1700}  # width: height of the screenshot


def main() -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("docs/screenshots.py needs Chromium (apt-get install chromium)")
    cli = [sys.executable, "-m", "audit"]
    with tempfile.TemporaryDirectory() as tmp:
        pages = Path(tmp)
        subprocess.run([*cli, "report", str(ROOT / "sample_returns" / "westhaven"), "--output", str(pages / SHOTS["report"]),
                        "--quiet"], check=True)
        subprocess.run([*cli, "compare", str(ROOT / "sample_returns"), "--output", str(pages / SHOTS["compare"]), "--quiet"],
                       check=True)
        OUT.mkdir(parents=True, exist_ok=True)
        for name, page in SHOTS.items():
            for width, height in WINDOWS.items():
                png = OUT / f"{name}-{width}.png"
                subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                f"--user-data-dir={pages / 'profile'}", f"--window-size={width},{height}",
                                f"--screenshot={png}", (pages / page).as_uri()], check=True, capture_output=True, timeout=120)
                _shrink(png)
                print(f"wrote {png.relative_to(ROOT)} ({png.stat().st_size // 1024} KB)")


def _shrink(png: Path) -> None:
    try:
        from PIL import Image
    except ImportError:
        return
    Image.open(png).convert("RGB").quantize(256).save(png, optimize=True)


if __name__ == "__main__":
    main()
