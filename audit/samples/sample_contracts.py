"""Synthetic contracts for the sample areas, written as .docx and .pdf from one text.

Each area's service specification shares ordinary clauses (term, reviews,
supervision, response times, a psychosocial course, invoices: durations that
are not treatment limits) and differs in what the scan must find: payment on
completions in a payment table, a time limit on prescribing, explicit
statements that neither happens, or no evidence either way.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from audit.samples import docx_write
from audit.samples.pdf_write import A4, Line, pdf_bytes
from audit.xlsx_write import write_atomic

Block = tuple  # ("h", text) | ("p", text) | ("t", header, rows)


@dataclass(frozen=True)
class ContractSpec:
    slug: str
    area: str
    expected: dict[str, str]  # the verdicts a correct scan gives
    special: tuple[Block, ...]


COMMON_START: tuple[Block, ...] = (
    ("h", "1. Introduction"),
    ("p", "1.1 This Service Specification sets out the adult drug and alcohol treatment and recovery service to be provided for residents of the Council area. It forms Schedule 2 of the Contract."),
    ("p", "1.2 The Contract shall commence on 1 April 2024 and run for three years, with the option to extend for a further two years at the Commissioner's discretion."),
    ("h", "2. Service model"),
    ("p", "2.1 The Provider will deliver a recovery-orientated service that supports people to complete treatment successfully and to build recovery capital."),
    ("p", "2.2 All referrals must be assessed within 5 working days, and urgent referrals for opioid substitution treatment within 2 working days."),
    ("p", "2.3 New clients will take their medication under supervision for at least the first three months, relaxed when the prescriber is assured of adherence."),
    ("p", "2.4 Care plans and prescriptions will be reviewed by the prescriber at least every 12 weeks."),
    ("p", "2.5 The structured psychosocial group programme runs for eight weeks and is offered to every service user."),
    ("p", "2.6 The Provider will offer take-home naloxone to every service user at risk of opioid overdose and to their family and friends."),
    ("h", "3. Performance"),
    ("t", ("KPI", "Measure", "Target", "Reporting"), (
        ("KPI 1", "Waiting times: first intervention within 3 weeks", "95%", "Monthly via NDTMS"),
        ("KPI 2", "Successful completions (opiates) as a proportion of all in treatment", "7%", "Quarterly"),
        ("KPI 3", "Naloxone kits issued to people on OST", "85%", "Quarterly"),
    )),
    ("p", "3.1 Performance against these indicators will be discussed at quarterly contract review meetings."),
)

COMMON_END: tuple[Block, ...] = (
    ("h", "6. Invoicing"),
    ("p", "6.1 The Provider shall invoice the Commissioner monthly in arrears. Invoices shall be paid within 30 days of receipt."),
    ("p", "6.2 The Commissioner may withhold payment if the Provider fails to deliver the Services."),
)

SPECS = (
    ContractSpec("northmere", "Northmere", {"pays_for_completion": "yes", "time_limits": "no-evidence"}, (
        ("h", "Schedule 5 - Payment"),
        ("p", "5.1 The Contract Price is made up of the elements below. Element B is paid annually on the outcomes achieved in the year."),
        ("t", ("Element", "Basis", "Share of annual contract value"), (
            ("A", "Core service, block payment", "85% of annual contract value"),
            ("B", "Successful completions and non re-presentation within 6 months", "10% of annual contract value"),
            ("C", "Naloxone kits issued", "5% of annual contract value"),
        )),
    )),
    ContractSpec("eastbrook", "Eastbrook", {"pays_for_completion": "no-evidence", "time_limits": "yes"}, (
        ("h", "4. Prescribing"),
        ("p", "4.1 Substitute prescribing will normally be limited to a maximum of 12 months, after which a reduction plan must be agreed with the service user."),
        ("p", "4.2 Maintenance prescribing beyond 26 weeks requires the approval of the Commissioner's clinical lead."),
    )),
    ContractSpec("southfold", "Southfold", {"pays_for_completion": "no", "time_limits": "no"}, (
        ("h", "4. Prescribing and payment"),
        ("p", "4.1 There are no time limits on opioid substitution treatment; prescribing continues for as long as it benefits the service user."),
        ("p", "4.2 The Contract is a block contract. No element of payment is linked to successful completions or to any other treatment exit measure."),
    )),
    ContractSpec("kingsmoor", "Kingsmoor", {"pays_for_completion": "no-evidence", "time_limits": "no-evidence"}, (
        ("h", "4. Partnership working"),
        ("p", "4.1 The Provider will work with primary care, housing, probation and mental health services to support each service user's recovery."),
    )),
    ContractSpec("westhaven", "Westhaven", {"pays_for_completion": "yes", "time_limits": "no"}, (
        ("h", "4. Outcomes"),
        ("p", "4.1 The Provider shall maximise the number of service users who leave treatment drug free. Fifteen per cent of the annual contract value is dependent on this outcome."),
        ("p", "4.2 OST will not be time-limited, in line with national clinical guidance."),
    )),
)


def blocks_for(spec: ContractSpec) -> list[Block]:
    return [("h", f"SYNTHETIC {spec.area} Council - Drug and Alcohol Treatment Service Specification"),
            *COMMON_START, *spec.special, *COMMON_END]


def header_text(spec: ContractSpec) -> str:
    return f"OFFICIAL - SYNTHETIC {spec.area} Council - Service Specification 2024"


def write_docx(spec: ContractSpec, path: Path) -> Path:
    """The document as Word: Heading 1 headings, plain paragraphs, grid tables, a header and a footer."""
    body = [docx_write.paragraph(block[1], "Heading1") if block[0] == "h" else docx_write.paragraph(block[1]) if block[0] == "p"
            else docx_write.table(block[1], block[2]) for block in blocks_for(spec)]
    data = docx_write.docx_bytes(body, header=header_text(spec), footer="Commercial in confidence")
    write_atomic(path, lambda tmp: tmp.write_bytes(data))
    return path


def pdf_lines(spec: ContractSpec, width: int = 92) -> list[str]:
    """The document as lines of text, tables as columns separated by wide spaces,
    long words split with a hyphen at the line end as typesetters do."""
    lines: list[str] = []
    for block in blocks_for(spec):
        if block[0] == "h":
            lines += ["", block[1]]
        elif block[0] == "p":
            lines += [""] + _hyphenate(textwrap.wrap(block[1], width))
        else:
            _, header, rows = block
            lines += [""] + ["   ".join(header)] + ["   ".join(row) for row in rows]
    return lines


def _hyphenate(wrapped: list[str]) -> list[str]:
    out = list(wrapped)
    for i in range(1, len(out)):
        first, _, rest = out[i].partition(" ")
        if len(first) >= 10 and first.isalpha() and first.islower():
            cut = len(first) // 2
            out[i - 1] = f"{out[i - 1]} {first[:cut]}-"
            out[i] = f"{first[cut:]} {rest}".strip()
    return out


def write_pdf(spec: ContractSpec, path: Path, lines_per_page: int = 42) -> Path:
    """The document on A4 pages in 8.5 pt Helvetica, with a running header and "Page n of N"."""
    lines = pdf_lines(spec)
    chunks = [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    width, height = A4
    pages = [[Line(0.08 * width, 0.965 * height, 7, header_text(spec)),
              *(Line(0.08 * width, (0.93 - i * 0.021) * height, 8.5, line) for i, line in enumerate(chunk) if line),
              Line(0.45 * width, 0.025 * height, 7, f"Page {number} of {len(chunks)}")]
             for number, chunk in enumerate(chunks, start=1)]
    data = pdf_bytes(pages, title=header_text(spec))
    write_atomic(path, lambda tmp: tmp.write_bytes(data))
    return path


def write_sample_contracts(outdir: Path) -> list[Path]:
    written = []
    for spec in SPECS:
        folder = Path(outdir) / spec.slug
        written.append(write_docx(spec, folder / f"{spec.slug}-service-specification.docx"))
        written.append(write_pdf(spec, folder / f"{spec.slug}-service-specification.pdf"))
    return written
