"""The named term lists the contract scan is built from.

Each list answers one question about a passage (is money mentioned? an exit
from treatment? a duration?). detect.py combines them with plain logic, and
every finding names the lists that fired, so a commissioner can see why.
"""

from __future__ import annotations

import re

F = re.IGNORECASE


def _re(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), F)


NUM = r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty[- ]four|thirty[- ]six|a|an)"
UNIT = r"(?:weeks?|months?|years?|days?)"
DURATION = rf"(?:\(?{NUM}\)?(?:\s*\(\d{{1,3}}\))?[- ]{UNIT})"

PATTERNS: dict[str, re.Pattern[str]] = {
    # money: a payment, a price element, or money held back
    "money": _re(
        r"\bpa(?:y|ys|id|ying|yment|yments|yable)\b", r"\btariffs?\b", r"\bincentives?\b", r"\bbonus(?:es)?\b",
        r"\bPbR\b", r"\bby results\b", r"\bremunerat\w*", r"\brewards?\b(?! recovery)", r"\bfinancial(?:ly)?\b",
        r"\bwith(?:hold|held|holding)\b", r"\bclaw(?:ed|s)?[- ]?back\b", r"\bdeductions?\b", r"\bdeducted\b",
        r"\bpenalt(?:y|ies)\b", r"\b(?:(?:annual|quarterly|total)\s+)?(?:contract|annual|quarterly|service)\s+(?:value|price|sum)\b", r"\bprice\b",
        r"\bperformance[- ]related\b", r"\bat risk\b", r"£\s?\d", r"\d+\s?%\s+of\s+(?:the\s+)?(?:annual\s+|total\s+|quarterly\s+)?(?:contract\s+)?(?:value|price|payment|sum|budget)",
        r"\bfees?\b", r"\bfunding\b"),
    # leaving treatment "successfully": what the review says must not be paid for
    "completion": _re(
        r"\bsuccessful(?:ly)?\s+(?:treatment\s+)?complet\w*", r"\bcomplet\w*\s+(?:treatment|their treatment)\s+successfully",
        r"\bsuccessfully\s+(?:exit|discharg|leav)\w*", r"\bcompletion rates?\b",
        r"\bcompletions?\b(?!\s+of\s+(?:the\s+|each\s+|a\s+|an\s+|any\s+|this\s+)?(?:\w+\s+)?(?:contract|agreement|assessment|works?|forms?|quarter|year|period|mobilis\w*|training|audit|survey|invoice|report|return|review|project|transfer|handover|implementation|programme|course))",
        r"\bplanned\s+(?:and\s+unplanned\s+)?(?:exits?|discharges?|endings?|completions?|ways?)\b", r"\bexit\w*\s+treatment\s+in\s+a\s+planned\s+way",
        r"\bdrug[- ]?free\b", r"\bopiate[- ]?free\b", r"\b(?:free\s+(?:from|of)|freedom\s+from)\s+(?:dependence|dependency|drugs|opiates|opioids)",
        r"\bcomplet(?:es|ed|ing|e)\s+(?:their\s+|the\s+|structured\s+)?treatment\b", r"\bdoes\s+not\s+(?:return|re-?enter)\b",
        r"\bdependence[- ]?free\b", r"\bnon[- ]?re[- ]?present\w*", r"\bnot\s+re[- ]?present\w*", r"\bre[- ]?presentations?\b",
        r"\bC19[a-d]?\b", r"\btreatment exit\w*", r"\babstinen\w*\s+at\s+(?:exit|discharge)"),
    # saying that no money follows
    "money_negated": _re(
        r"\bno\s+(?:element|part|proportion|portion|share)\s+of\s+(?:the\s+)?(?:payment|price|contract|funding|remuneration|value)",
        r"\b(?:not|never)\s+(?:be\s+)?(?:paid|funded|rewarded|incentivised|remunerated)\s+(?:by|on|for|according)",
        r"\b(?:not|never)\s+be\s+paid\b",
        r"\bno\s+(?:financial\s+|additional\s+)?(?:payment|tariff|incentive|bonus|reward|element|penalty|deduction)s?\s+(?:is|are|will|shall|attached|linked|tied|related|payable|applies|apply)\b",
        r"\b(?:is|are|will|shall)\s+not\s+(?:be\s+)?(?:linked|tied|related|attached|subject)\s+to\b.*\b(?:pay|price|tariff|financ|incentive|value)",
        r"\b(?:pay\w*|price|tariff|funding|incentive\w*|value)\b[^.;]*\b(?:is|are|will|shall)\s+not\s+(?:be\s+)?(?:linked|tied|related|attached|contingent|dependent)",
        r"\bnot\s+(?:on\s+)?(?:a\s+)?payment[- ]by[- ]results\b",
        r"\b(?:not|never)\s+(?:receive|be\s+entitled\s+to|earn|attract)\s+(?:any\s+)?(?:additional\s+|extra\s+|further\s+)?(?:payment|remuneration|funding|incentive|bonus|reward)",
        r"\bnot\s+(?:a\s+)?(?:condition|basis|determinant|factor)\s+(?:of|for|in)\s+(?:any\s+)?(?:payment|the\s+price|funding|remuneration)",
        r"\bnone\s+of\s+(?:the\s+)?(?:contract|payment|price|funding|value|remuneration)[^.;]{0,40}\b(?:contingent|dependent|linked|tied|conditional|based)", r"\bwithout\s+(?:any\s+)?(?:financial|payment)"),
    # completions mentioned only to be counted, reported or aimed for
    "monitoring": _re(
        r"\breport\w*", r"\bmonitor\w*", r"\bKPIs?\b", r"\btargets?\b", r"\bbenchmark\w*", r"\bdiscuss\w*", r"\breview\w*",
        r"\baims?\b", r"\bincrease\b", r"\bNDTMS\b", r"\bDOMES\b", r"\brecord\w*", r"\bmeasured?\b", r"\bindicators?\b"),
    # money paid for something other than completions
    "money_elsewhere": _re(
        r"\bnew\s+presentations?\b", r"\bper\s+(?:assessment|session|kit|test|appointment|referral|client\s+seen)\b",
        r"\bnaloxone\b", r"\bactivity\b", r"\binvoices?\b", r"\bfails?\s+to\s+deliver\b", r"\bnon[- ]delivery\b"),
    # the subject of a time limit: treatment, prescribing, OST
    "treatment": _re(
        r"\bOST\b", r"\bopioid\s+substitut\w*", r"\bopiate\s+substitut\w*", r"\bsubstitut\w*\s+(?:prescrib\w*|treatment|therapy|medication)",
        r"\bprescri\w*", r"\bmethadone\b", r"\bbuprenorphine\b", r"\bmaintenance\b", r"\btreatment\b", r"\bmedication\b",
        r"\bin\s+(?:the\s+)?service\b", r"\bepisodes?\b"),
    "duration": re.compile(DURATION, F),
    # explicit statements that treatment is not time-limited
    "no_time_limit": _re(
        r"\bno\s+(?:\w+\s+){0,2}time[- ]limits?\b", r"\bnot\s+(?:be\s+)?(?:\w+\s+)?time[- ]limited\b", r"\bnot\s+subject\s+to\s+(?:a|any)\s+time[- ]limit",
        r"\bno\s+(?:maximum|fixed|set|arbitrary|upper)\s+(?:\w+\s+)?(?:duration|length|period|limit|end\s+date|time)",
        r"\bwithout\s+(?:a|any)\s+(?:time[- ]limit|maximum\s+(?:duration|length)|end\s+date)",
        r"\b(?:long[- ]term|lifelong|indefinite)\s+(?:or\s+(?:lifelong|long[- ]term)\s+)?(?:maintenance|prescribing|OST|treatment|substitut\w*)",
        r"\bfor\s+as\s+long\s+as\s+(?:it\s+|they\s+|the\s+\w+\s+)?(?:benefit|need|is\s+needed|is\s+clinically|required|helpful|helps)",
        r"\bopen[- ]ended\b", r"\bcontinue\w*\s+(?:\w+\s+){0,2}indefinitely\b",
        r"\b(?:nobody|no\s+one|no\s+client|no\s+service\s+user|no\s+person)\s+will\s+be\s+(?:required|expected|asked|made)\s+to\s+(?:reduce|stop|leave|come\s+off)", r"\bnot\s+(?:impose|set|apply|place)\s+(?:a|any)\s+(?:\w+\s+)?(?:time[- ]limits?|maximum\s+(?:duration|length))", r"\bno\s+limit\s+(?:on|to)\s+(?:the\s+)?(?:length|duration)"),
    # the strong words that make a duration a limit
    "maximum": _re(rf"\bmaximum\s+(?:of\s+|length\s+of\s+|duration\s+of\s+|period\s+of\s+)?{DURATION}", r"\bmaximum\s+(?:length|duration|period)\b",
                   rf"\blimited\s+to\s+(?:a\s+maximum\s+of\s+)?{DURATION}", rf"\b(?:not|never)\s+(?:to\s+)?exceed(?:ing)?\s+{DURATION}",
                   rf"\bno\s+(?:longer|more)\s+than\s+{DURATION}", rf"\bcapped\s+at\s+{DURATION}", rf"\bup\s+to\s+a\s+maximum\s+of\s+{DURATION}",
                   rf"\b(?:end|cease|stop|finish)(?:s|ed)?\s+(?:after|at|within|by)\s+{DURATION}",
                   rf"\bafter\s+{DURATION}[^.;]{{0,60}}\b(?:must|shall|will|should)\s+(?:end|cease|stop|be\s+(?:stopped|withdrawn|ended|reduced))",
                   rf"\b(?:do|does|shall|must|will|should)\s+not\s+(?:last|run|continue|exceed)\s+(?:for\s+)?(?:longer|more)\s+than\s+{DURATION}",
                   rf"\bno\s+(?:client|service\s+user|one|person|patient)s?\s+(?:will\s+|shall\s+|may\s+|should\s+)?(?:remains?|stays?|continues?|be\s+prescribed)\b[^.;]{{0,60}}\b(?:longer|more)\s+than\s+{DURATION}", rf"\bshall\s+(?:last|run)\s+no\s+(?:longer|more)\s+than\s+{DURATION}"),
    "time_limited": _re(r"(?<!not )(?<!not be )\btime[- ]limited\b", r"(?<!no )\btime[- ]limits?\s+(?:on|for|of)\b"),
    "off_within": _re(
        rf"\b(?:abstinen\w*|drug[- ]?free|opiate[- ]?free|detox\w*|off\s+(?:all\s+)?(?:medication|OST|methadone|substitut\w*|prescri\w*)|"
        rf"complete\w*\s+(?:a\s+|their\s+)?(?:detox\w*|reduction)|exit\w*\s+treatment|discharged)\b[^.;]{{0,60}}\b(?:within|by\s+the\s+end\s+of|after|in\s+under)\s+{DURATION}",
        rf"\bwithin\s+{DURATION}[^.;]{{0,60}}\b(?:abstinen\w*|drug[- ]?free|detox\w*|off\s+(?:medication|OST|methadone))"),
    "beyond_needs_approval": _re(
        rf"\b(?:beyond|longer\s+than|more\s+than|over|after|exceed\w*)\s+{DURATION}[^.;]{{0,80}}\b(?:approv\w*|authoris\w*|authoriz\w*|sign[- ]off|exception\w*|justif\w*|panel|agreed\s+by|permission)",
        rf"\b(?:approv\w*|authoris\w*|permission)\b[^.;]{{0,60}}\b(?:beyond|longer\s+than|more\s+than|after)\s+{DURATION}"),
    "forced_exit": _re(
        rf"\b(?:more\s+than|longer\s+than|over|after|beyond|at\s+least)\s+{DURATION}[^.;]{{0,80}}\b(?:will|shall|must|are\s+to)\s+be\s+(?:discharged|transferred|stepped\s+down|closed|exited|reviewed\s+for\s+discharge)",
        rf"\b(?:discharged|transferred|stepped\s+down|exited)\b[^.;]{{0,40}}\b(?:after|beyond|at\s+the\s+end\s+of)\s+{DURATION}"),
    "reduction_schedule": _re(
        r"\b(?:mandatory|compulsory|required)\s+(?:dose\s+)?(?:reduction|detox\w*|tapering)",
        r"\b(?:reduction|detox\w*|tapering|withdrawal)\s+(?:schedule|plan|regime|programme)s?\b[^.;]{0,60}\b(?:to\s+zero|within|must|mandatory|all\s+clients|every)",
        r"\b(?:must|shall|will)\s+(?:all\s+)?(?:include|have|agree|follow)\s+(?:a\s+)?(?:dose\s+)?(?:reduction|detox\w*|tapering)\s+(?:schedule|plan|regime)",
        r"\breduc\w*\s+to\s+zero\b",
        r"\b(?:reduc\w*|taper\w*)\b[^.;]{0,60}\buntil\b[^.;]{0,40}\b(?:drug[- ]?free|opiate[- ]?free|abstinent|off\s+\w+|zero|detox\w*)"),
    # durations that are not limits on treatment
    "decoy": _re(
        r"\bcontract\b[^.;]{0,40}\b(?:commence|term|run|extend|expir)\w*", r"\b(?:initial\s+)?term\s+of\s+(?:this\s+)?(?:contract|agreement)",
        r"\boption\s+to\s+extend\b", r"\bextension\b", r"\breview\w*\s+(?:at\s+least\s+)?(?:every|each)\b", r"\bevery\s+" + DURATION,
        r"\bsupervis\w*", r"\b(?:assessed|seen|contacted|respond\w*|offered\s+an?\s+appointment)\s+within\b", r"\bworking\s+days\b",
        r"\b(?:psychosocial|group|structured)\s+(?:\w+\s+)?(?:programme|course|sessions?|intervention)", r"\bprogramme\s+runs\b",
        r"\b(?:inpatient|residential)\b", r"\badmissions?\b", r"\bmobilis\w*", r"\binvoices?\b", r"\bnotice\b",
        r"\bopening\s+hours\b", r"\bdays\s+a\s+week\b"),
    # words that tie a limit to OST itself, strong enough to beat a decoy
    "core_treatment": _re(r"\bOST\b", r"\bopioid\s+substitut\w*", r"\bsubstitut\w*\s+prescrib\w*", r"\bmethadone\b", r"\bbuprenorphine\b",
                          r"\bmaintenance\s+prescrib\w*", r"\bprescriptions?\b", r"\btreatment\s+episodes?\b", r"\bin\s+treatment\s+for\b"),
    # a payment heading or table, for rows whose money lives in the caption
    "payment_context": _re(r"\bpayments?\b", r"\btariffs?\b", r"\bprice\b", r"\bfinancial\b", r"\bincentive", r"\bPbR\b", r"\bby results\b",
                           r"\b\d+\s?%"),
}

LIMIT_RULES = ("maximum", "time_limited", "off_within", "beyond_needs_approval", "forced_exit", "reduction_schedule")
