"""What the contract scan sorts passages into, and the two questions it answers (spec: contract-clauses.md).

Each category's id and its plain words, each question's words and the words
for each verdict live here, so the judge, the text output, the area report and
the compare page name them alike: a category is renamed in one place.
"""

from __future__ import annotations

PAYS = "PAYS_FOR_COMPLETION"
MONITORS = "MONITORS_COMPLETION"
TIME_LIMIT = "TIME_LIMIT"
NO_TIME_LIMIT = "NO_TIME_LIMIT"
NEITHER = "NEITHER"

CATEGORY_WORDS = {
    PAYS: "pays for successful completion",
    MONITORS: "counts completions, no payment tied",
    TIME_LIMIT: "time-limits treatment",
    NO_TIME_LIMIT: "says treatment is not time-limited",
    NEITHER: "neither",
}
CATEGORIES = tuple(CATEGORY_WORDS)  # the spec's order

# Per question (its key in the JSON verdicts): its words, and the categories that answer it yes and no.
QUESTION_WORDS = {"pays_for_completion": "payment for successful completion", "time_limits": "time limits on treatment"}
YES_NO = {"pays_for_completion": (PAYS, MONITORS), "time_limits": (TIME_LIMIT, NO_TIME_LIMIT)}

_NOT_READ = {"no-text-layer": "Contract has no text layer (scanned image)", "no-contract": "No contract supplied"}
VERDICT_WORDS = {
    "pays_for_completion": {"yes": "Pays for successful completion", "no": "Does not pay for completion (stated)",
                            "review": "Passages to read: may pay for completion",
                            "no-evidence": "No evidence either way on payment for completion", **_NOT_READ},
    "time_limits": {"yes": "Time-limits treatment", "review": "Passages to read: may time-limit treatment",
                    "no": "States treatment is not time-limited",
                    "no-evidence": "No evidence either way on time limits", **_NOT_READ},
}

