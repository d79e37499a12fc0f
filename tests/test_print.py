"""Printing to A4 keeps every column and every word: the report and compare pages printed by headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from builders import SUBMISSION, client, write_return
from pypdf import PdfReader
from typer.testing import CliRunner

from audit.cli import app
from audit.samples.sample_contracts import SPECS, write_docx

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it); printing needs it")


def print_to_pdf_text(html: Path, tmp_path: Path) -> str:
    """The page printed to A4 by headless Chromium, as the PDF's text with whitespace and ligatures folded."""
    pdf = html.with_suffix(".pdf")
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}", html.as_uri()],
                   check=True, capture_output=True, timeout=180)
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def _squash(text: str) -> str:
    """Letters and digits only: a word wrapped inside a narrow printed column is still the same word."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _heads(html: str, table_class: str) -> list[str]:
    table = re.search(rf'<table class="[^"]*{table_class}[^"]*">(.*?)</thead>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th>(.*?)</th>", table, re.S)]


def test_report_prints_every_column_and_word(tmp_path):
    folder = tmp_path / "area"
    folder.mkdir()
    clients = [client(1, DOSE_MG="60mg"), client(2, PHASE="Maintainance"), client(3, SEX=None),
               client(4, NALOXONE="N", INJSTAT="C", OPIUSE=12, DOSE_MG=40), client(5, AGE=16)]
    write_return(folder / "return.xlsx", clients, submission=dict(SUBMISSION, LA_NAME="Printshire"))
    write_docx(SPECS[0], folder / "spec.docx")
    out = tmp_path / "report.html"
    assert runner.invoke(app, ["report", str(folder), "--output", str(out), "--fail-on", "never"]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    text = print_to_pdf_text(out, tmp_path)
    squashed = _squash(text)
    heads = _heads(html, "data-quality")
    assert heads == ["severity", "cell", "column", "client", "value", "what is wrong", "how to fix it", "rule"]
    for head in heads + ["file", "sha256", "median dose (mg)", "95% CI (Wilson)", "applies when", "confidence"]:
        assert _squash(head) in squashed, head
    rows = re.findall(r'<td data-label="what is wrong">(.*?)</td><td data-label="how to fix it">(.*?)</td>'
                      r'<td data-label="rule"><code>(.*?)</code>', html)
    assert len(rows) >= 4
    for message, fix, rule in rows:
        for cell in (message, fix, rule):
            assert _squash(cell.replace("&#39;", "'").replace("&amp;", "&")) in squashed, cell
    for sha in re.findall(r'<code class="hash">([0-9a-f]{64})</code>', html):
        assert sha in squashed  # the whole hash, not cut by a scroll bar
    assert _squash("NAL-NOT-SUPPLIED") in squashed  # findings by rule are printed open, not folded away


def test_compare_prints_every_indicator_of_every_area(tmp_path):
    areas = tmp_path / "areas"
    for k, name in enumerate(("Alphaby", "Betaford", "Gammaton")):
        folder = areas / name
        folder.mkdir(parents=True)
        code = f"E0699{k:04d}"
        write_return(folder / "r.xlsx", [client(i, LA=code, NALOXONE="Y" if i % (k + 2) else "N") for i in range(1, 31)],
                     submission=dict(SUBMISSION, LA_CODE=code, LA_NAME=name))
    out = tmp_path / "compare.html"
    assert runner.invoke(app, ["compare", str(areas), "--output", str(out)]).exit_code == 0
    html = out.read_text(encoding="utf-8")
    text = print_to_pdf_text(out, tmp_path)
    squashed = _squash(text)
    heads = _heads(html, "matrix")
    from audit.prescribing.guidelines import load_guideline

    assert len(heads) == 3 + len(load_guideline("uk-2017").indicators) + 2  # area, clients, status, indicators, verdicts
    for head in heads:
        assert squashed.count(_squash(head)) >= 3, head  # each area's card names every column
    for name in ("Alphaby", "Betaford", "Gammaton"):
        assert name.lower() in squashed
    for value in re.findall(r"(\d+/\d+), (?:within|above|below|too few)", html):
        assert _squash(value) in squashed


PROBE = """<!doctype html><html><body>{frames}<script>
window.onload = () => {{
  const out = [];
  for (const frame of document.querySelectorAll("iframe")) {{
    const d = frame.contentDocument, width = d.documentElement.clientWidth;
    const walker = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT);
    let node, over = [];
    while ((node = walker.nextNode())) {{
      const range = d.createRange();
      range.selectNodeContents(node);
      if ([...range.getClientRects()].some(r => r.right > width + 1)) over.push(node.textContent.trim().slice(0, 40));
    }}
    out.push({{page: frame.getAttribute("src"), scroll: d.documentElement.scrollWidth, width: width, over: over}});
  }}
  document.body.dataset.result = JSON.stringify(out);
}};
</script></body></html>"""


def test_pages_fit_a_phone_without_sideways_scrolling(tmp_path):
    import html as html_lib
    import json

    areas = tmp_path / "areas"
    folder = areas / "a-very-long-folder-name-that-goes-on-and-on-without-any-spaces-at-all"
    folder.mkdir(parents=True)
    write_return(folder / "return-with-a-long-name-0123456789abcdef0123456789abcdef.xlsx",
                 [client(1, DOSE_MG="60mg"), client(2, PHASE="Maintainance")] + [client(i) for i in range(3, 20)])
    write_docx(SPECS[0], folder / "specification-with-a-rather-long-file-name-0123456789abcdef.docx")
    assert runner.invoke(app, ["compare", str(areas), "--output", str(tmp_path / "compare.html")]).exit_code == 0
    pages = ["compare.html", f"compare-areas/{folder.name}.html"]
    frames = "".join(f'<iframe src="{p}" style="width:390px;height:700px;border:0"></iframe>' for p in pages)
    probe = tmp_path / "probe.html"
    probe.write_text(PROBE.format(frames=frames), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                          f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         check=True, capture_output=True, text=True, timeout=180).stdout
    results = json.loads(html_lib.unescape(re.search(r'data-result="([^"]*)"', dom).group(1)))
    assert [r["page"] for r in results] == pages
    for r in results:
        assert r["width"] <= 390 and r["scroll"] <= r["width"] and r["over"] == [], r


def _overflow(tmp_path: Path, page: Path, widths: list[int]) -> list[dict]:
    """Each width's layout of one page: its scroll width and the text that runs past its right edge."""
    import html as html_lib
    import json

    frames = "".join(f'<iframe src="{page.name}" style="width:{w}px;height:700px;border:0"></iframe>' for w in widths)
    probe = page.parent / "probe.html"
    probe.write_text(PROBE.format(frames=frames), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                          f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         check=True, capture_output=True, text=True, timeout=180).stdout
    return json.loads(html_lib.unescape(re.search(r'data-result="([^"]*)"', dom).group(1)))


def test_the_public_comparison_fits_a_laptop_screen_without_sideways_scrolling(tmp_path):
    """Between a phone and a wide screen (1100 and 1280 px) the 14-column matrix must fit, or become cards."""
    areas = tmp_path / "areas"
    assert runner.invoke(app, ["sample", str(areas), "--quiet"]).exit_code == 0
    page = tmp_path / "compare.html"
    assert runner.invoke(app, ["compare", str(areas), "--public", "--output", str(page), "--quiet"]).exit_code == 0
    for r in _overflow(tmp_path, page, [1100, 1280]):
        assert r["scroll"] <= r["width"] and r["over"] == [], r
