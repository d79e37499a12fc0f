"""The area report: self-contained, escaped, complete; the annotated workbook."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from builders import SUBMISSION, client, write_return
from openpyxl import load_workbook
from typer.testing import CliRunner

from audit.cli import app
from audit.reporting.area import audit_area
from audit.reporting.report import render_report
from audit.returns.validate import validate_return
from audit.samples.sample_contracts import SPECS, write_docx

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
runner = CliRunner()


@pytest.fixture
def area_dir(tmp_path):
    folder = tmp_path / "area"
    folder.mkdir()
    hostile = dict(SUBMISSION, PROVIDER_NAME="<b>Evil</b> & Co <img src=x onerror=alert(1)>")
    clients = [client(1, DOSE_MG=45, OPIUSE=3, DOSE_NOTE="<script>alert('x')</script>"),
               client(2, NALOXONE="N", INJSTAT="C"), client(3, SEX="Male"), client(4, CLIENTID="TS-4"),
               client(5, OST_MEDICATION="buprenorphine", DOSE_MG=8, PREV_DOSE_MG=None)]
    write_return(folder / "return.xlsx", clients, submission=hostile)
    write_docx(SPECS[0], folder / "spec.docx")
    return folder


def test_report_escapes_hostile_text(area_dir):
    html = render_report(audit_area([area_dir]))
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in html
    assert "<img src=x" not in html
    assert "<script" not in html.lower()


def test_hostile_dose_note_shown_as_text(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    write_return(folder / "r.xlsx", [client(1, DOSE_MG=45, DOSE_NOTE="<script>alert(1)</script>" + "x" * 500)])
    html = render_report(audit_area([folder]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_report_is_self_contained(area_dir):
    html = render_report(audit_area([area_dir]))
    assert not re.search(r"""src\s*=\s*["']?(https?:|//)""", html, re.I)
    assert "@import" not in html and "url(" not in html and "<link" not in html
    # the only remote addresses are links a reader may follow (the guideline sources), never loaded by the page
    remote = re.findall(r"""<(\w+)[^>]*\shref\s*=\s*["']?(?:https?:|//)""", html, re.I)
    assert remote and set(remote) == {"a"}


def test_every_json_finding_appears_in_the_report(area_dir):
    html = render_report(audit_area([area_dir]))
    text = re.sub(r"\s+", " ", html)
    files = [str(p) for p in sorted(area_dir.iterdir())]
    for command in ("validate", "doses"):
        data = json.loads(runner.invoke(app, [command, files[0], "--format", "json"]).stdout)
        for f in data["findings"]:
            cell = f["location"].get("cell")
            place = f"{f['location']['sheet']}!{cell}" if cell else f"sheet {f['location']['sheet']}"
            assert f["rule"] in text and place in text, f
            if f["client"]:
                assert f["client"] in text
    contracts = json.loads(runner.invoke(app, ["contracts", files[1], "--format", "json"]).stdout)
    assert contracts["findings"]
    for f in contracts["findings"]:
        assert f["rule"] in text
        visible = re.sub(r"<[^>]+>", "", text)
        assert f["quote"].replace("&", "&amp;")[:60] in visible


def test_return_with_nhs_numbers_is_refused_for_reporting(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    path = write_return(folder / "r.xlsx", [client(1), client(2, CLIENTID="9434765919")])
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(folder), "--output", str(out)])
    assert result.exit_code == 2 and "NHS numbers" in result.stderr and "rows 3" in result.stderr
    assert not out.exists() and "9434765919" not in result.stderr
    validated = runner.invoke(app, ["validate", str(path)])
    assert validated.exit_code == 1 and "RET-NHS-NUMBER" in validated.stdout and "9434765919" not in validated.stdout


def test_synthetic_banner_and_empty_states(tmp_path):
    folder = tmp_path / "empty-contract"
    folder.mkdir()
    synthetic = dict(SUBMISSION, LA_NAME="Testshire (SYNTHETIC)")
    write_return(folder / "r.xlsx", [client(1)], submission=synthetic)
    html = render_report(audit_area([folder]))
    assert "SYNTHETIC DATA" in html and "no contract" in html
    other = tmp_path / "only-contract"
    other.mkdir()
    write_docx(SPECS[1], other / "c.docx")
    html = render_report(audit_area([other]))
    assert "SYNTHETIC DATA" in html and "no return" in html
    plain = tmp_path / "plain"
    plain.mkdir()
    write_return(plain / "r.xlsx", [client(1)])
    assert "SYNTHETIC DATA" not in render_report(audit_area([plain]))


def test_report_command_writes_file_and_refuses_input_as_output(area_dir, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(area_dir), "--output", str(out)])
    # the area has errors and clear contract findings: exit 1 by default, as every command (docs/cli.md)
    assert result.exit_code == 1 and out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert runner.invoke(app, ["report", str(area_dir), "--output", str(out), "--fail-on", "never"]).exit_code == 0
    target = area_dir / "return.xlsx"
    before = target.read_bytes()
    refused = runner.invoke(app, ["report", str(area_dir), "--output", str(target)])
    assert refused.exit_code == 2 and target.read_bytes() == before


def test_templates_explain_every_safe_filter():
    for template in (ROOT / "templates").glob("*.j2"):
        for number, line in enumerate(template.read_text().splitlines(), start=1):
            if "|safe" in line.replace(" ", ""):
                assert "{# safe:" in line, f"{template.name}:{number} uses |safe without saying why"


class _CountingProxy(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        self.requests.append(self.path)
        self.send_error(403)

    do_CONNECT = do_POST = do_GET

    def log_message(self, *args):
        pass


BROWSER_OWN = re.compile(r"^(https?://)?[a-z0-9.-]*\.(google\.com|googleapis\.com|gvt1\.com|gstatic\.com)(:\d+)?(/|$)")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (apt-get install chromium); the browser check needs it")
def test_report_in_headless_chromium_makes_no_requests(area_dir, tmp_path):
    out = tmp_path / "report.html"
    assert runner.invoke(app, ["report", str(area_dir), "--output", str(out), "--fail-on", "never"]).exit_code == 0
    _CountingProxy.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-headline.png"
    try:
        subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
                        "--no-pings", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                        f"--user-data-dir={tmp_path / 'profile'}", f"--proxy-server=http://127.0.0.1:{server.server_port}",
                        "--proxy-bypass-list=<-loopback>", "--window-size=1200,900", f"--screenshot={shot}", out.as_uri()],
                       check=True, capture_output=True, timeout=120)
    finally:
        server.shutdown()
    assert shot.exists() and shot.stat().st_size > 10_000
    # Chromium itself still calls its own update and time services; the page must add nothing.
    page_requests = [r for r in _CountingProxy.requests if not BROWSER_OWN.search(r)]
    assert page_requests == []


def test_annotated_workbook(tmp_path):
    path = write_return(tmp_path / "r.xlsx", [client(1, DOSE_MG="60mg", DOSE_NOTE="=HYPERLINK(\"http://x\")"),
                                              client(2, LA="E08000012", DOSE_NOTE="+44 not a formula"), client(3, CLIENTID="007")])
    before = path.read_bytes()
    out = tmp_path / "annotated.xlsx"
    result = runner.invoke(app, ["validate", str(path), "--annotate", str(out)])
    assert result.exit_code == 1 and path.read_bytes() == before
    wb = load_workbook(out)
    ost = wb["OST"]
    assert ost["J2"].fill.fgColor.rgb.endswith("F4B6B6") and "did you mean 60" in ost["J2"].comment.text
    assert ost["D3"].fill.fgColor.rgb.endswith("FFD98C") and ost["D3"].comment is not None
    assert ost["W2"].data_type == "s" and ost["W2"].value == '=HYPERLINK("http://x")'
    assert ost["W3"].data_type == "s" and ost["A4"].value == "007"
    assert ost["J3"].value == 80 and ost["G2"].value.year == 2022
    listing = wb["Findings"]
    rows = list(listing.iter_rows(min_row=2, values_only=True))
    assert ("error", "OST!J2") == rows[0][:2]
    assert listing["B2"].hyperlink.location == "'OST'!J2" or listing["B2"].hyperlink.target.endswith("OST'!J2")
    assert len(rows) == len(validate_return(path).findings)


def test_sample_returns_is_several_areas(tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(ROOT / "sample_returns"), "--output", str(out)])
    assert result.exit_code == 2 and not out.exists() and "5 areas" in result.stderr and "ost-audit compare" in result.stderr


def test_folder_of_several_areas_is_refused_naming_them(tmp_path):
    for code, name in (("E06000001", "Northtown"), ("E06000002", "Southtown")):
        folder = tmp_path / "areas" / name
        folder.mkdir(parents=True)
        write_return(folder / "r.xlsx", [client(1, LA=code)], submission=dict(SUBMISSION, LA_CODE=code, LA_NAME=name))
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(tmp_path / "areas"), "--output", str(out)])
    assert result.exit_code == 2 and not out.exists()
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "E06000001 Northtown" in message and "E06000002 Southtown" in message and "2 areas" in message
    assert f"ost-audit compare {tmp_path / 'areas'}" in message


def test_quarters_of_one_area_report_the_latest(tmp_path):
    import datetime as dt

    folder = tmp_path / "area"
    folder.mkdir()
    quarters = [(dt.date(2023, 10, 1), dt.date(2023, 12, 31), 3), (dt.date(2024, 1, 1), dt.date(2024, 3, 31), 5)]
    for start, end, n in quarters:
        sub = dict(SUBMISSION, LA_CODE=" e06000023 ", PERIOD_START=start, PERIOD_END=end, SUBMITTED_ON=end + dt.timedelta(days=10))
        write_return(folder / f"q-{end}.xlsx", [client(i) for i in range(1, n + 1)], submission=sub)
    # the latest quarter's file comes first by name, so "latest" is not "last read"
    (folder / "q-2024-03-31.xlsx").rename(folder / "a-latest.xlsx")
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(folder), "--output", str(out), "--fail-on", "never"])
    assert result.exit_code == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    headline = html[html.index('id="headline"'):html.index('id="data-quality"')]
    assert re.search(r'<div class="big">5</div>', headline)  # 5 clients of the latest quarter, not 8 pooled
    assert "2024-01-01 to 2024-03-31" in headline and "holds 2 quarters of this area, 2023-10-01 to 2024-03-31" in headline
    assert "q-2023-12-31.xlsx" in html  # listed among the inputs


def test_nhs_numbers_never_reach_the_page(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    sub = dict(SUBMISSION, PROVIDER_NAME="Provider ref 943 476 5919", CONTACT_EMAIL="x@y.z")
    write_return(folder / "r.xlsx", [client(1, DRUG1="9434765919"), client(2, AGE="943-476-5919"),
                                     client(3, DOSE_NOTE="see 9434765919")], submission=sub)
    html = render_report(audit_area([folder]))
    digits = re.sub(r"\D", "", re.sub(r"<[^>]+>", " ", html))
    assert "9434765919" not in digits.replace(" ", "") and "943 476 5919" not in html and "943-476-5919" not in html
    assert "94******19" in html  # shown masked, the way validate masks ids


def test_mask_leaves_numbers_that_fail_the_check():
    from audit.reporting.redact import mask_nhs_numbers

    assert mask_nhs_numbers("id 9434765919 and 943 476 5919.") == "id 94******19 and 94******19."
    assert mask_nhs_numbers("call 1234567890, dose 60.5") == "call 1234567890, dose 60.5"  # fails modulus 11
    assert mask_nhs_numbers("\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19") == "94******19"  # full-width digits


def test_bidi_overrides_from_a_return_are_shown_not_obeyed(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    write_return(folder / "r.xlsx", [client(1, DRUG1="heroin\u202egnp.exe")],
                 submission=dict(SUBMISSION, PROVIDER_NAME="Good \u202eevil\u202c Provider"))
    html = render_report(audit_area([folder]))
    assert "\u202e" not in html and "\u202c" not in html
    assert "Good &lt;U+202E&gt;evil&lt;U+202C&gt; Provider" in html and "heroin&lt;U+202E&gt;gnp.exe" in html


def test_contract_codes_shown_beside_their_words(area_dir):
    from audit.contracts.categories import CATEGORY_WORDS, VERDICT_WORDS

    area = audit_area([area_dir])
    html = re.sub(r"\s+", " ", render_report(area))
    categories = {f.extra["category"] for c in area.contracts for f in c.findings if f.extra.get("category")}
    assert categories
    for category in categories:
        assert f"{CATEGORY_WORDS[category]}</span> <code>{category}</code>" in html
    for key, verdict in area.contracts[0].verdicts.items():
        assert f">{verdict}</span> {VERDICT_WORDS[key][verdict]}." in html


def test_a_headline_with_nobody_to_judge_says_so(tmp_path):
    """A methadone-only area has no buprenorphine clients: its headline card says so, not "0 of 0; 95% CI - to -"."""
    folder = tmp_path / "area"
    folder.mkdir()
    write_return(folder / "r.xlsx", [client(i, OST_MEDICATION="methadone") for i in range(1, 6)])
    html = render_report(audit_area([folder]))
    panel = html[html.index('class="panel"'):html.index("</div>\n", html.index('class="panel"') + 1) + 2000]
    assert "0 of 0" not in panel and "CI - to -" not in panel
    assert "no clients to judge" in panel
    assert "- to -" not in html  # nor the indicators table
