"""What a sentence does with what it mentions: says it, denies it, asks it, reports it, argues against it.

A sentence is split once into clauses, and its stance markers are found
once; a cue's stance is then looked up by position (a bisect), so judging a
passage is linear in its length however many cues it holds. A negation's
scope is its clause (up to the next comma, semicolon, colon or "but"), not a
fixed character window.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

F = re.IGNORECASE

SENTENCE_RE = re.compile(r"(?<=[.!?])[\"'\u2019\u201d)]?\s+(?=[\"'\u2018\u201c(]?[A-Z(\d\u2022-])|(?<=;)\s+|\s*\n\s*|\s+(?=\([a-z]\)\s)|\s+(?=\u2022)")
CLAUSE_RE = re.compile(r"[,;:\u2013\u2014]|\s-\s|\b(?:but|however|although|whereas|while|unless|except)\b", F)
NEGATOR_RE = re.compile(r"\b(?:no|not|never|without|nor|none|nobody|no[- ]one|cannot|neither)\b|n't\b", F)

# the sentence asks rather than says
QUESTION_RE = re.compile(r"\?|^\W*to\s+ask\b|\bwhether\b|\bwonder\w*\s+(?:if|whether)\b|\bconsider\s+(?:if|how)\b|\bif\s+there\s+(?:is|was|were|should\s+be)\s+a\s+case\b|"
                         r"^\W*(?:should|could|would|is|are|do|does)\s+\w+", F)
# someone else's view or a proposal, not what this document does
REPORTED_RE = re.compile(r"\bpropos\w*|\bplans?\s+(?:were|was|have\s+been|has\s+been|to)\b|\bbelieves?\b|\baccording\s+to\b|\b(?:said|says)\b|"
                         r"\bclaimed\b|\bcalled\s+for\b|\bwould\s+like\b|\bconsultation\b|\bdraft\b|\bsuggest\w*|\bannounced\b|"
                         r"\btabled\b|\b(?:some|other|many|several|a\s+few)\s+(?:jurisdictions|areas|countries|councils|services|states|commissioners|authorities|providers|clinics)\s+(?:have|had|use|used|still)\b|\bcould\s+be\s+(?:introduced|imposed)\b|\breported(?:ly)?\b|\bargue[sd]?\s+that\b", F)
# the sentence argues against what it names
AGAINST_RE = re.compile(
    r"\bnot\s+(?:be\s+)?(?:recommended|advised|supported|appropriate|evidence[- ]based|justified|endorsed|acceptable|imposed|applied|used)\b|"
    r"\b(?:does|do|did|would|will)\s+not\s+(?:support|recommend|endorse|advise)\b|\bevidence\s+(?:does\s+not|doesn't)\s+support\b|"
    r"\b(?:increase|increases|raise|raises|raising|increasing)\s+(?:the\s+)?(?:risk|possibility|likelihood|chance)s?\s+of\s+(?:relapse|death|overdose|harm)|"
    r"\bcaus\w*\s+(?:relapse|harm|death)|\bdrive\s+up\s+crime\b|\bharmful\b|\bcounter[- ]?productive\b|\bperverse\b|\bargue\w*\s+against\b|"
    r"\boppos\w*\b|\bfear\w*|\bunintended\s+consequences?\b|\bconcerns?\s+(?:about|over|that)\b|\breject\w*|\bwarn\w*|\bcriticis\w*|"
    r"\bnot\s+benefit\b|\b(?:result\w*|lead|leads|leading|led)\s+(?:in|to)\s+(?:\S+\s+){0,6}?(?:relaps\w*|death|deaths|dying|overdose\w*|crime|harm\w*)|"
    r"\b(?:result\w*|lead|leads|leading|led)\s+(?:in|to)\s+(?:an?\s+)?(?:more|increased|higher|greater|poorer|worse|lower|reduced|fewer)\s+(?:\w+\s+){0,3}?(?:use|retention|risk|outcomes?|harm\w*|deaths?|crime|relapse)\b|"
    r"\bdriv\w*\s+(?:up\s+)?(?:relapse|overdose\w*|deaths?|crime|harm)\b|\bback\s+(?:on)?to\s+(?:street\s+|illicit\s+)?(?:heroin|drug\s+use|illicit\s+drugs)\b|"
    r"\b(?:increase|increases|increasing|raise|raises|raising)\s+(?:the\s+)?(?:\w+\s+){0,3}?(?:deaths|overdoses?|relapse|crime|harm)\b|"
    r"\bturn\w*\s+down\b|\brul(?:ed|ing)\s+out\b|\bdismiss\w*|\bdecided\s+against\b|\bdeclin\w*\s+to\s+(?:recommend|support|introduce|impose|adopt)\b|"
    r"\bassociated\s+with\s+(?:an?\s+)?(?:increased|higher|greater|more)\s+(?:risk|harm|deaths?|mortality|relapse|overdose)|\bnot\s+based\s+on\s+(?:the\s+)?evidence\b|\bmore\s+harm\s+than\s+good\b|\bno\s+evidence\s+(?:that|for|to\s+support)\b|\bagainst\s+(?:the\s+)?(?:use|introduction|imposition)\s+of\b|\bunethical\b", F)
# the sentence reports what a study or evaluation found, not what a contract does
EVIDENCE_RE = re.compile(r"\b(?:found|findings?|evaluation|stud(?:y|ies)|led\s+to|lead\s+to|associated\s+with|"
                         r"(?:had|have|has|showed|saw|were)\s+(?:lower|higher|fewer)|backfired|impact\s+of|effects?\s+of|linked\s+to\s+(?:higher|lower|better|worse))\b", F)
# the sentence imagines rather than states (contracts say will, shall, must)
HYPOTHETICAL_RE = re.compile(r"\b(?:would|could|might)\b", F)
# the sentence tells two things apart without asserting either
DISTINCTION_RE = re.compile(r"\bnot\s+the\s+same(?:\s+thing)?\s+as\b|\bconfused\s+with\b|\bdistinct\s+from\b|\bdifferent\s+from\b|\bshould\s+not\s+be\s+equated\b", F)


@dataclass
class Sentence:
    """One sentence of a passage, with its stance markers found once."""

    start: int
    end: int
    text: str
    question: bool
    reported: bool
    against: bool
    distinction: bool
    evidence: bool
    hypothetical: bool
    clause_starts: list[int] = field(default_factory=list)  # offsets in the sentence
    negators: list[int] = field(default_factory=list)  # offsets in the sentence

    def negated(self, start: int, negators: list[int] | None = None) -> bool:
        """Is the cue at `start` (sentence offset) inside a negation's scope: a negator earlier in its clause?

        `negators` (sorted) replaces the sentence's own, to leave out those that are part of a cue
        ("shall not exceed 12 months"); see `free_negators`.
        """
        found = self.negators if negators is None else negators
        clause = self.clause_starts[bisect_right(self.clause_starts, start) - 1]
        return bisect_right(found, start - 1) > bisect_right(found, clause - 1)

    def clause_end(self, offset: int) -> int:
        """Where the clause holding `offset` ends (sentence offset)."""
        i = bisect_right(self.clause_starts, offset)
        return self.clause_starts[i] if i < len(self.clause_starts) else len(self.text)

    def free_negators(self, spans: list[tuple[int, int]]) -> list[int]:
        """The negators outside all of `spans` (sentence offsets, sorted by start), in one pass over both."""
        inside, k = set(), 0
        for a, b in spans:
            k = max(k, bisect_right(self.negators, a - 1))
            while k < len(self.negators) and self.negators[k] < b:
                inside.add(self.negators[k])
                k += 1
        return [n for n in self.negators if n not in inside]


def sentences(text: str) -> list[Sentence]:
    """The sentences of a passage; list items and `;`-separated parts count as sentences."""
    out: list[Sentence] = []
    start = 0
    bounds = []
    for m in SENTENCE_RE.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    for a, b in bounds:
        chunk = text[a:b]
        if not chunk.strip():
            continue
        out.append(Sentence(
            a, b, chunk, question=bool(QUESTION_RE.search(chunk)), reported=bool(REPORTED_RE.search(chunk)),
            against=bool(AGAINST_RE.search(chunk)), distinction=bool(DISTINCTION_RE.search(chunk)),
            evidence=bool(EVIDENCE_RE.search(chunk)), hypothetical=bool(HYPOTHETICAL_RE.search(chunk)),
            clause_starts=[0] + [m.end() for m in CLAUSE_RE.finditer(chunk)],
            negators=[m.start() for m in NEGATOR_RE.finditer(chunk)]))
    return out
