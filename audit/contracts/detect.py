"""Judging passages: plain logic over the named term lists of patterns.py.

Two questions, each answered per passage with the rule that decided it:

- payment: PAYS_FOR_COMPLETION (money tied to completions, in one sentence,
  a neighbouring sentence that refers back, or a payment table row),
  MONITORS_COMPLETION (completions with no money, or money explicitly
  excluded), or nothing;
- time: TIME_LIMIT (a limit construct on treatment, not negated, not a
  decoy duration), NO_TIME_LIMIT (an explicit statement), or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.contracts.patterns import LIMIT_RULES, PATTERNS

PAYS = "PAYS_FOR_COMPLETION"
MONITORS = "MONITORS_COMPLETION"
TIME_LIMIT = "TIME_LIMIT"
NO_TIME_LIMIT = "NO_TIME_LIMIT"
NEITHER = "NEITHER"

SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\d])|(?<=;)\s+|\s+(?=\([a-z]\)\s)")
REFERS_BACK = re.compile(r"\b(?:this|these|such|that)\b|\bthe\s+(?:target|KPI|indicator|measure|outcome)s?\b|\bachiev\w*|\bperformance\b|"
                         r"\boutcomes?\b|\bresults?\b|\bagainst\b|\blinked\b|\bbased\s+on\b|\bdependent\b|\bcontingent\b|\bconditional\b", re.I)
NEGATION_BEFORE = re.compile(r"\b(?:no|not|never|without|nor)\s+(?:\w+\s+){0,2}$", re.I)


@dataclass
class Judgement:
    category: str
    rule: str
    triggers: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, list name) in the passage text
    explicit_no: bool = False

    def trigger_text(self, text: str) -> str:
        seen: list[str] = []
        for start, end, name in sorted(self.triggers):
            item = f"{name}: '{text[start:end]}'"
            if item not in seen:
                seen.append(item)
        return "; ".join(seen)


def _spans(name: str, text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), name) for m in PATTERNS[name].finditer(text)]


def _sentences(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for m in SENTENCE_RE.finditer(text):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(text)))
    return [(a, b) for a, b in bounds if text[a:b].strip()]


def _inside(span: tuple[int, int, str], bounds: tuple[int, int]) -> bool:
    return bounds[0] <= span[0] < bounds[1]


def judge_payment(text: str, context: str = "", kind: str = "paragraph") -> Judgement | None:
    """Money tied to completions, or completions without money; None when neither is mentioned."""
    completion = _spans("completion", text)
    negated = _spans("money_negated", text)
    if negated and (completion or re.search(r"results|outcome|PbR|completion", text, re.I)):
        return Judgement(MONITORS, "CON-PAY-EXCLUDED", negated + completion, explicit_no=True)
    if not completion:
        return None
    money = _spans("money", text)
    sentences = _sentences(text)
    for bounds in sentences:
        money_here = [s for s in money if _inside(s, bounds)]
        completion_here = [s for s in completion if _inside(s, bounds)]
        if money_here and completion_here:
            return Judgement(PAYS, "CON-PAY-SAME-SENTENCE", money_here + completion_here)
    if kind == "row" and PATTERNS["payment_context"].search(context):
        return Judgement(PAYS, "CON-PAY-TABLE-ROW", completion)
    for i, bounds in enumerate(sentences):
        completion_here = [s for s in completion if _inside(s, bounds)]
        if not completion_here:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(sentences):
                other = sentences[j]
                sentence = text[other[0]:other[1]]
                money_there = [s for s in money if _inside(s, other)]
                if money_there and REFERS_BACK.search(sentence) and not PATTERNS["money_elsewhere"].search(sentence):
                    return Judgement(PAYS, "CON-PAY-NEIGHBOUR-SENTENCE", money_there + completion_here)
    return Judgement(MONITORS, "CON-COMPLETION-NO-MONEY", completion + _spans("monitoring", text))


def judge_time(text: str) -> Judgement | None:
    """A limit on how long treatment may last, or an explicit statement that there is none."""
    no_limit = _spans("no_time_limit", text)
    sentences = _sentences(text)
    for name in LIMIT_RULES:
        for span in _spans(name, text):
            if any(a < span[1] and span[0] < b for a, b, _ in no_limit):
                continue
            if NEGATION_BEFORE.search(text[max(0, span[0] - 20):span[0]]):
                continue
            sentence = next((s for s in sentences if _inside(span, s)), (0, len(text)))
            here = text[sentence[0]:sentence[1]]
            subject = _spans("treatment", here)
            if not subject:
                continue
            decoy = PATTERNS["decoy"].search(here)
            if decoy and not PATTERNS["core_treatment"].search(here):
                continue
            shifted = [(a + sentence[0], b + sentence[0], n) for a, b, n in subject]
            return Judgement(TIME_LIMIT, f"CON-TIME-{name.upper().replace('_', '-')}", [span] + shifted[:2])
    if no_limit:
        return Judgement(NO_TIME_LIMIT, "CON-NO-TIME-LIMIT", no_limit, explicit_no=True)
    return None


def classify(text: str, context: str = "", kind: str = "paragraph") -> str:
    """One label per passage, for evaluation against labelled passages."""
    payment = judge_payment(text, context, kind)
    time = judge_time(text)
    for category in (PAYS, TIME_LIMIT, NO_TIME_LIMIT, MONITORS):
        if (payment and payment.category == category) or (time and time.category == category):
            return category
    return NEITHER
