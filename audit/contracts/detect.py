"""Judging passages: cue lists (patterns.py) read with the sentence's stance (stance.py) and the passage's context.

Two questions, each answered per passage with the rule that decided it and
a certainty:

- payment: PAYS_FOR_COMPLETION (money tied to leaving treatment: in one
  sentence, a neighbouring sentence, a payment table's header or caption, a
  list's lead-in, a payment heading or the paragraph before),
  MONITORS_COMPLETION (completions with no money, or money explicitly
  excluded), or nothing;
- time: TIME_LIMIT (a limit on treatment, not negated, questioned or argued
  against, not a decoy duration), NO_TIME_LIMIT (an explicit statement, or an
  argument against limits), or nothing.

`clear` is a finding the rules are sure of; `review` is completion or
duration language in a financial or treatment-length context that they could
not settle (a question, someone else's view, money or subject only in the
context): a person reads it, ranked by `score`. Recall comes first: a missed
clause costs a commissioner more than one more passage to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.contracts.categories import MONITORS, NEITHER, NO_TIME_LIMIT, PAYS, TIME_LIMIT
from audit.contracts.patterns import PATTERNS
from audit.contracts.stance import Sentence, sentences

CLEAR, REVIEW = "clear", "review"

REFERS_BACK = re.compile(r"\b(?:this|these|such|that|those)\b|\bthe\s+(?:target|KPI|indicator|measure|outcome)s?\b|\bachiev\w*|\bperformance\b|"
                         r"\boutcomes?\b|\bresults?\b|\bagainst\b|\blinked\b|\bbased\s+on\b|\bdependent\b|\bcontingent\b|\bconditional\b", re.I)
LEADS_IN = re.compile(r":\s*$|\b(?:following|below|as\s+follows|these\s+are|listed)\b", re.I)  # a lead-in that names what follows
SELF_SUBJECT = re.compile(r"reduc|detox|taper|withdraw|\boff\s|abstinen", re.I)  # a limit cue that names treatment itself
AMOUNT = re.compile(r"\d\s?%|£\s?\d|\bper\s?cent\b", re.I)
POST_NEGATION = re.compile(r"\s*(?:\w+\s+){0,3}?(?:(?:is|are|will|shall|should|must|may)\s+(?:\w+\s+)?(?:not|never)\s+(?:be\s+)?"
                           r"(?:imposed|applied|set|used|placed|in\s+place|permitted|allowed|introduced)|(?:do|does)\s+not\s+apply)\b", re.I)
# "ending open-ended prescribing", "drift into long-term maintenance": the long treatment is named to be avoided
DISAPPROVAL_BEFORE = re.compile(r"\b(?:end|ending|avoid\w*|tackl\w*|reduc\w*|challeng\w*|prevent\w*|no\s+more|stop\w*|drift\w*|"
                                r"guard\w*|unnecessar\w*|stuck|parked|too\s+many|over-?relian\w*|inappropriate\w*|trapped)\b", re.I)
OPEN_ENDED = re.compile(r"open|long|lifelong|indefinite", re.I)
AT_LEAST = re.compile(r"\bat\s+least\b|\bminimum\b|\bfirst\b|\bevery\b|\bwithin\b|\bafter\b|\bsince\b|\bago\b|\bmore\s+than\b|\bover\s+the\s+(?:past|last)\b", re.I)
OR_MORE = re.compile(r"\s*(?:or|and)\s+(?:more|longer|over|above)\b|\s*\+|\s*plus\b", re.I)  # "for five years or more" is a minimum
ANSWER_NO = re.compile(r"\banswer\s+(?:is|was|has\s+been)\s+(?:now\s+)?(?:\w+\s+){0,2}?[\"'\u201c\u2018]?no\b|^\W*no\W", re.I)  # "Should ...? The answer is no."
TIME_LIMIT_WORDS = re.compile(r"time[- ]?limit|maximum\s+(?:length|duration|period)|how\s+long|length\s+of|duration\s+of", re.I)

Span = tuple[int, int, str]  # (start, end, cue list name), in the passage text


@dataclass
class Context:
    """What sits around a passage: the document's own framing of it."""

    headings: list[str] = field(default_factory=list)  # outermost first
    lead_in: str | None = None  # the sentence introducing a list, for its items
    caption: str | None = None  # the paragraph just before a table, for its rows
    header: str | None = None  # a table's header row, for its rows
    previous: str | None = None  # the paragraph before

    def describe(self) -> dict[str, str]:
        out = {"heading": " > ".join(self.headings)} if self.headings else {}
        for key in ("lead_in", "caption", "header", "previous"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass
class Judgement:
    category: str
    rule: str
    certainty: str = CLEAR
    triggers: list[Span] = field(default_factory=list)
    explicit_no: bool = False
    score: float | None = None  # review findings: how strongly the evidence points to the category, for ranking
    reasons: list[str] = field(default_factory=list)  # plain words: why this passage, why this certainty
    context: dict[str, str] = field(default_factory=dict)  # the context text the judgement leaned on

    def trigger_text(self, text: str) -> str:
        seen: list[str] = []
        for start, end, name in sorted(self.triggers):
            item = f"{name}: '{text[start:end]}'"
            if item not in seen:
                seen.append(item)
        for key, value in self.context.items():
            seen.append(f"{key}: '{value[:120]}'")
        return "; ".join(seen)


def _find(name: str, s: Sentence) -> list[Span]:
    return [(s.start + m.start(), s.start + m.end(), name) for m in PATTERNS[name].finditer(s.text)]


def _has(name: str, text: str | None) -> bool:
    return bool(text) and PATTERNS[name].search(text) is not None


def _best(candidates: list[Judgement]) -> Judgement | None:
    """A clear judgement beats any review one; among reviews, the highest score."""
    if not candidates:
        return None
    return max(candidates, key=lambda j: (j.certainty == CLEAR, j.score or 1.0))


# --- payment ------------------------------------------------------------------------

def _completions(s: Sentence, text: str) -> tuple[list[Span], list[Span]]:
    """Strong and weak completion cues of a sentence, without "completion of the training pack"."""
    strong = []
    for span in _find("completion", s):
        if "complet" in text[span[0]:span[1]].lower() and PATTERNS["not_treatment_completion"].match(text, span[1], min(len(text), span[1] + 80)):
            continue
        strong.append(span)
    weak = [w for w in _find("completion_weak", s) if not any(a < w[1] and w[0] < b for a, b, _ in strong)]
    return strong, weak


def judge_payment(text: str, context: Context | None = None, kind: str = "paragraph") -> Judgement | None:
    """Money tied to completions, or completions without money; None when neither is mentioned."""
    ctx = context or Context()
    sents = sentences(text)
    cues = [_completions(s, text) for s in sents]
    money = [_find("money", s) for s in sents]
    outcome_money = [_find("money_outcome", s) for s in sents]
    any_completion = [span for strong, weak in cues for span in strong + weak]
    for i, s in enumerate(sents):
        negated = _find("money_negated", s)
        if negated and money[i] and not s.question and (any_completion or re.search(r"result|outcome|PbR|complet|exit", s.text, re.I)):
            return Judgement(MONITORS, "CON-PAY-EXCLUDED", CLEAR, negated + any_completion, explicit_no=True,
                             reasons=["the passage says no money follows the outcome"])
    if not any_completion:
        return None

    def carries(j: int) -> bool:
        """Sentence j holds money that is not tied to something else (new presentations, kits, invoices)."""
        strong, weak = cues[j]
        return bool(money[j]) and (bool(strong or weak) or not _has("money_elsewhere", sents[j].text) or bool(outcome_money[j]))

    outcome_at = [j for j, spans in enumerate(outcome_money) if spans and carries(j)]  # once, so the loop stays linear
    candidates: list[Judgement] = []
    for i, s in enumerate(sents):
        strong, weak = cues[i]
        if not strong and not weak:
            continue
        here = strong + weak
        if money[i] and carries(i):
            sure = bool(strong) or bool(outcome_money[i])
            if s.evidence:
                if _close(money[i], here):
                    candidates.append(Judgement(PAYS, "CON-PAY-SAME-SENTENCE", REVIEW, money[i] + here, score=0.6,
                                                reasons=["money beside a completion in a sentence reporting what a study or scheme found"]))
                continue  # completion as an effect of a payment scheme ("led to fewer completions") is not paid for
            if s.question or s.reported:
                candidates.append(Judgement(PAYS, "CON-PAY-SAME-SENTENCE", REVIEW, money[i] + here, score=0.75,
                                            reasons=["money and completion in one sentence, but it asks or reports rather than says"]))
            elif sure:
                candidates.append(Judgement(PAYS, "CON-PAY-SAME-SENTENCE", CLEAR, money[i] + here,
                                            reasons=["money and completion in one sentence"]))
            else:
                candidates.append(Judgement(PAYS, "CON-PAY-SAME-SENTENCE", REVIEW, money[i] + here, score=0.7,
                                            reasons=["money in the sentence of an outcome state (drug-free, abstinent) that may not be leaving treatment"]))
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(sents) and money[j] and carries(j) and not cues[j][0] and not cues[j][1]:
                linked = REFERS_BACK.search(sents[j].text) or REFERS_BACK.search(s.text)
                if linked and strong and not (s.question or sents[j].question or sents[j].reported):
                    candidates.append(Judgement(PAYS, "CON-PAY-NEIGHBOUR-SENTENCE", CLEAR, money[j] + here,
                                                reasons=["money in the next or previous sentence refers to the completion"]))
                elif linked or outcome_money[j]:
                    candidates.append(Judgement(PAYS, "CON-PAY-NEIGHBOUR-SENTENCE", REVIEW, money[j] + here, score=0.65,
                                                reasons=["money in a neighbouring sentence; the link to the completion is not stated"]))
        far = [span for j in outcome_at[:4] if abs(j - i) > 1 for span in outcome_money[j]]
        if far:
            candidates.append(Judgement(PAYS, "CON-PAY-SAME-PASSAGE", REVIEW, far[:2] + here, score=0.55,
                                        reasons=["money tied to outcomes elsewhere in the passage"]))
        candidates += _payment_from_context(ctx, kind, strong, weak, s.text)
    best = _best(candidates)
    if best is not None:
        return best
    strong_all = [span for strong, _ in cues for span in strong]
    if strong_all:
        return Judgement(MONITORS, "CON-COMPLETION-NO-MONEY", CLEAR,
                         strong_all + [span for s in sents for span in _find("monitoring", s)],
                         reasons=["completion is named with no money attached"])
    return None


def _payment_from_context(ctx: Context, kind: str, strong: list[Span], weak: list[Span], sentence: str) -> list[Judgement]:
    """Payment context set above the passage: a table's header or caption, a list's lead-in, a heading, the paragraph before."""
    here = strong + weak
    out = []
    framing = [("header", ctx.header), ("caption", ctx.caption)] if kind == "row" else [("lead_in", ctx.lead_in)] if kind == "item" else []
    for key, value in framing:
        if value and _has("payment_context", value) and not _has("money_negated", value):
            leads = _has("money_outcome", value) and LEADS_IN.search(value) is not None
            certainty = CLEAR if strong or leads else REVIEW
            out.append(Judgement(PAYS, "CON-PAY-TABLE-ROW" if kind == "row" else "CON-PAY-LEAD-IN", certainty, here,
                                 score=None if certainty == CLEAR else 0.6, context={key: value},
                                 reasons=[f"the {key.replace('_', '-')} above this {kind} is about payment"]))
    heading = ctx.headings[-1] if ctx.headings else ""  # the nearest heading: a schedule's title does not reach its later sections
    if heading and _has("payment_context", heading) and not _has("money_negated", heading):
        if kind == "row" and strong and AMOUNT.search(sentence):
            out.append(Judgement(PAYS, "CON-PAY-TABLE-ROW", CLEAR, here, context={"heading": heading},
                                 reasons=["a row with an amount under a payment heading"]))
        out.append(Judgement(PAYS, "CON-PAY-HEADING", REVIEW, here, score=0.5 if strong else 0.4, context={"heading": heading},
                             reasons=["the heading above is about payment; the passage does not say how"]))
    if ctx.previous and _has("money_outcome", ctx.previous) and not _has("money_negated", ctx.previous) \
            and not (_has("money_elsewhere", ctx.previous) and not _has("completion", ctx.previous)):
        out.append(Judgement(PAYS, "CON-PAY-PREVIOUS-PARAGRAPH", REVIEW, here, score=0.45 if strong else 0.35,
                             context={"previous": ctx.previous}, reasons=["the paragraph before ties money to outcomes"]))
    return out


def _close(money: list[Span], completions: list[Span], gap: int = 60) -> bool:
    """A money cue within `gap` characters of a completion cue (spans sorted by start: one merge pass)."""
    spans = sorted([(a, b, 0) for a, b, _ in money] + [(a, b, 1) for a, b, _ in completions])
    return any(x[2] != y[2] and y[0] - x[1] <= gap for x, y in zip(spans, spans[1:]))


# --- time limits --------------------------------------------------------------------

def _post_negated(s: Sentence, end: int) -> bool:
    """`Time limits are not imposed`, `time limits do not apply`: a denial after the cue, in its clause."""
    offset = end - s.start
    return POST_NEGATION.match(s.text, offset, min(s.clause_end(offset), offset + 80)) is not None


def judge_time(text: str, context: Context | None = None) -> Judgement | None:
    """A limit on how long treatment may last, or an explicit statement that there is none."""
    ctx = context or Context()
    sents = sentences(text)
    candidates: list[Judgement] = []
    denials: list[Judgement] = []
    # the nearest heading only: a document title naming "treatment" is no subject for every limit below it
    context_subject = next((v for v in [*ctx.headings[-1:], ctx.lead_in, ctx.caption, ctx.header] if _has("treatment", v)), None)
    for i, s in enumerate(sents):
        if s.distinction:
            continue
        subject = _find("treatment", s)
        # a limit counts only with a subject: here, in the sentence before, above, or in the cue itself
        could_count = subject or context_subject or SELF_SUBJECT.search(s.text) or (i > 0 and _has("treatment", sents[i - 1].text))
        # a sentence arguing against a named time limit needs no subject: "imposing a time limit could lead to unintended consequences"
        limits = _find("limit", s) if could_count or s.against else []
        free = s.free_negators([(a - s.start, b - s.start) for a, b, _ in limits])
        core = _has("core_treatment", s.text)
        decoy = (_has("decoy", s.text) and not core) or _has("decoy_strong", s.text)
        if not s.question and (subject or context_subject or s.against):
            _soft_limits(s, subject, context_subject, decoy, candidates, denials)
        for span in limits:
            if s.question:
                if i + 1 < len(sents) and ANSWER_NO.search(sents[i + 1].text) and (subject or context_subject):
                    denials.append(Judgement(NO_TIME_LIMIT, "CON-NO-TIME-LIMIT-ARGUED", CLEAR, [span] + subject[:2], explicit_no=True,
                                             reasons=["a limit is asked about and the next sentence answers no"]))
                continue
            if s.negated(span[0] - s.start, free) or _post_negated(s, span[1]) or s.against:
                if subject or context_subject or (s.against and TIME_LIMIT_WORDS.search(text, span[0], span[1])):
                    denials.append(Judgement(NO_TIME_LIMIT, "CON-NO-TIME-LIMIT-ARGUED" if s.against else "CON-NO-TIME-LIMIT", CLEAR,
                                             [span] + subject[:2], explicit_no=True,
                                             reasons=["a limit is named only to be denied or argued against"]))
                continue
            if decoy:
                continue
            rule = "CON-TIME-LIMIT"
            if subject or SELF_SUBJECT.search(text, span[0], span[1]):
                if s.reported or s.hypothetical:
                    candidates.append(Judgement(TIME_LIMIT, rule, REVIEW, [span] + subject[:2], score=0.75 if s.reported else 0.6,
                                                reasons=["a limit on treatment, reported, proposed or imagined rather than set by this document"]))
                else:
                    candidates.append(Judgement(TIME_LIMIT, rule, CLEAR, [span] + subject[:2], reasons=["a limit on treatment"]))
            elif i > 0 and _has("treatment", sents[i - 1].text) and not _has("decoy", sents[i - 1].text):
                candidates.append(Judgement(TIME_LIMIT, rule, REVIEW, [span] + _find("treatment", sents[i - 1])[:1], score=0.65,
                                            reasons=["a limit whose subject (treatment) is in the previous sentence"]))
            elif context_subject:
                candidates.append(Judgement(TIME_LIMIT, rule, REVIEW, [span], score=0.55, context={"heading": context_subject},
                                            reasons=["a limit whose subject (treatment) is only in the heading or lead-in above"]))
        if core and not decoy and not s.question and not s.against and not s.evidence and not limits:
            for span in _find("length_on_treatment", s):
                if not s.negated(span[0] - s.start) and not AT_LEAST.search(text, max(s.start, span[0] - 30), span[1]) \
                        and not OR_MORE.match(text, span[1], min(s.end, span[1] + 20)):
                    candidates.append(Judgement(TIME_LIMIT, "CON-TIME-LENGTH", REVIEW, [span] + subject[:2], score=0.35,
                                                reasons=["a length given for treatment: a person decides whether it limits treatment"]))
        if core and not decoy and not s.question and not s.against:
            for span in _find("limit_weak", s):
                if not s.negated(span[0] - s.start):
                    candidates.append(Judgement(TIME_LIMIT, "CON-TIME-LIMIT-WEAK", REVIEW, [span] + subject[:2], score=0.5,
                                                reasons=["a duration on treatment that may be a limit"]))
        if not s.question:
            for span in _find("no_time_limit", s):
                before = text[max(s.start, span[0] - 40):span[0]]
                if OPEN_ENDED.search(text, span[0], span[1]) and DISAPPROVAL_BEFORE.search(before):
                    continue  # an aim to avoid long treatment is not a statement either way
                if not subject and not context_subject:
                    continue  # "records are kept for as long as required" is not about treatment
                denials.append(Judgement(NO_TIME_LIMIT, "CON-NO-TIME-LIMIT", CLEAR, [span], explicit_no=True,
                                         reasons=["says treatment continues as long as it is needed"]))
    return _best(candidates) or (denials[0] if denials else None)


def _soft_limits(s: Sentence, subject: list[Span], context_subject: str | None, decoy: bool,
                 candidates: list[Judgement], denials: list[Judgement]) -> None:
    """Restricting access to treatment, imposing a limit with no length: argued against, evidence of no limit; said, a review."""
    for span in _find("limit_soft", s):
        if s.against or s.negated(span[0] - s.start) or _post_negated(s, span[1]):
            if subject or TIME_LIMIT_WORDS.search(s.text):
                denials.append(Judgement(NO_TIME_LIMIT, "CON-NO-TIME-LIMIT-ARGUED", CLEAR, [span] + subject[:2], explicit_no=True,
                                         reasons=["restricting or limiting treatment is named only to be argued against or denied"]))
        elif not decoy and (subject or context_subject):
            candidates.append(Judgement(TIME_LIMIT, "CON-TIME-LIMIT-SOFT", REVIEW, [span] + subject[:2],
                                        score=0.55 if s.reported or s.hypothetical else 0.45,
                                        context={} if subject else {"heading": context_subject or ""},
                                        reasons=["treatment is restricted or limited, with no length stated: a person decides if it is a time limit"]))


def classify(text: str, context: Context | None = None, kind: str = "paragraph") -> str:
    """One label per passage (any certainty), for evaluation against labelled passages."""
    return label_of(judge(text, context, kind))


def judge(text: str, context: Context | None = None, kind: str = "paragraph") -> list[Judgement]:
    return [j for j in (judge_payment(text, context, kind), judge_time(text, context)) if j is not None]


def label_of(judgements: list[Judgement]) -> str:
    for category in (PAYS, TIME_LIMIT, NO_TIME_LIMIT, MONITORS):
        if any(j.category == category for j in judgements):
            return category
    return NEITHER
