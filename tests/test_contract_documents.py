"""Whole synthetic documents, worded unlike the sample contracts, as Word and PDF: every verdict right.

`review` is not a right answer where a document is clear, so each expected verdict is exact.
"""

from __future__ import annotations

import pytest

from audit.contracts.scan import scan_contract
from audit.samples.sample_contracts import ContractSpec, write_docx, write_pdf

DOCUMENTS = (
    ContractSpec("oakvale", "Oakvale", {"pays_for_completion": "yes", "time_limits": "no-evidence"}, (
        ("h", "Schedule 6 - Outcome Payments"),
        ("p", "6.1 A quarter of the annual price is paid by results, against the outcomes below:"),
        ("p", "- clients leaving structured treatment free from all drugs of dependence"),
        ("p", "- clients who do not return to treatment within six months of leaving"),
    )),
    ContractSpec("fernbridge", "Fernbridge", {"pays_for_completion": "no-evidence", "time_limits": "yes"}, (
        ("h", "4. Clinical model"),
        ("p", "4.1 Every client will start on a reduction plan. Limits on how long a client may stay on substitute medication apply: "
              "prescribing ends after two years at most."),
        ("p", "4.2 The provider will report successful completions to the commissioner every quarter."),
    )),
    ContractSpec("larchford", "Larchford", {"pays_for_completion": "no", "time_limits": "no"}, (
        ("h", "4. Principles"),
        ("p", "4.1 The council agrees with national advice that opioid substitution should not be time-limited, "
              "and no maximum length of prescribing will be set."),
        ("p", "4.2 This is a block contract: the provider is not paid by results, and completions are recorded for monitoring only."),
    )),
    ContractSpec("brackenholt", "Brackenholt", {"pays_for_completion": "no-evidence", "time_limits": "no-evidence"}, (
        ("h", "4. Workforce and recovery"),
        ("p", "4.1 Volunteers must finish the online induction pack before their first shift."),
        ("p", "4.2 The service supports a drug-free recovery for those who choose it, alongside maintenance for those who do not."),
        ("p", "4.3 Members asked whether a cap on the length of methadone treatment would help, and were told it would not."),
    )),
    ContractSpec("millbrook", "Millbrook", {"pays_for_completion": "yes", "time_limits": "yes"}, (
        ("h", "Schedule 5 - Price"),
        ("p", "5.1 The outcome element of the price is earned as follows."),
        ("t", ("Outcome", "Weight"), (
            ("Planned exits from treatment", "60 per cent"),
            ("Clients not re-presenting", "40 per cent"),
        )),
        ("h", "6. Prescribing"),
        ("p", "6.1 The service treats reduction and detoxification as the default for every client on a substitute prescription."),
    )),
)


@pytest.mark.parametrize("spec", DOCUMENTS, ids=[s.slug for s in DOCUMENTS])
@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_unseen_document_verdicts(tmp_path, spec, kind):
    writer = write_docx if kind == "docx" else write_pdf
    scan = scan_contract(writer(spec, tmp_path / f"c.{kind}"))
    assert scan.verdicts == spec.expected, [(f.rule, f.extra.get("certainty"), f.extra.get("quote")) for f in scan.findings]
