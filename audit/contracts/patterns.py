"""The named cue lists the contract scan is built from.

Each list answers one question about a sentence (is money mentioned? money
tied to outcomes? leaving treatment? a limit on how long?). detect.py
combines them with the stance of the sentence (stance.py), and every finding
names the lists that fired, so a commissioner can see why.

Every pattern is bounded: no `.*` or unbounded `[^.;]*` after a cue, only
windows of a fixed number of characters or words, so matching a sentence is
linear in its length whatever it holds (a hostile "pay pay pay ..." too).
"""

from __future__ import annotations

import re

F = re.IGNORECASE


def _re(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), F)


NUM = (r"(?:\d{1,3}(?:\s?-\s?\d{1,3})?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
       r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ]\w{3,5})?|a|an)")
UNIT = r"(?:weeks?|months?|years?|days?|hours?)"
DURATION = rf"(?:\(?{NUM}\)?(?:\s*\(\d{{1,3}}\))?[- ](?:calendar\s+|consecutive\s+|full\s+)?{UNIT})"  # "twelve calendar months"
WORDS = r"(?:[\w'/-]+[,;:]?\s+)"  # one word and its space, for bounded word windows
CORE = (r"(?:\bOST\b|opioid\s+substitut\w*|opiate\s+substitut\w*|substitut\w*\s+(?:prescrib\w*|treatment|therapy|medication)|"
        r"methadone|buprenorphine|maintenance\s+prescrib\w*|prescri\w*|treatment|medication|detox\w*|\b(?:MAT|MMT|OAT|OMT|ORT|MOUD)\b)")

# a sum in pounds, whole (£1,200, £12,500.50, £2.5m, £30k), so the marked trigger is the sum, not its first digit
MONEY_SUM = r"£\s?\d(?:[\d,.]{0,15}\d)?(?:\s?(?:k|m|bn|million|billion)\b)?"

PATTERNS: dict[str, re.Pattern[str]] = {
    # money of any kind
    "money": _re(
        r"\bpa(?:y|ys|id|ying|yment|yments|yable)\b", r"\btariffs?\b", r"\bincentiv\w*", r"\bbonus(?:es)?\b",
        r"\bPbR\b", r"\bby[- ]results?\b", r"\bremunerat\w*", r"\brewards?\b(?! recovery)", r"\brewarding\b", r"\brewarded\b",
        r"\bfinancial(?:ly)?\b", r"\bwith(?:hold|held|holding)\b", r"\bretained\b", r"\bclaw(?:ed|s)?[- ]?back\b",
        r"\bdeductions?\b", r"\bdeducted\b", r"\bpenalt(?:y|ies)\b", r"\bcontract\s+(?:value|price|sum)\b",
        r"\b(?:annual|quarterly|total)\s+(?:contract\s+)?(?:value|price|sum|budget)\b", r"\bprice\b", r"\bperformance[- ]related\b",
        r"\boutcomes?[- ](?:linked|related|based|dependent)\s+(?:element|portion|tranche|share|sum|proportion)\b",
        r"\bat\s+risk\b", MONEY_SUM, r"\bfees?\b", r"\bfunding\b", r"\bfunded\b", r"\bbudget\b", r"\b(?:income|earnings|revenue)\b", r"\bclaims?\b(?=\s+(?:for|payment|are|will|may|can|must|shall))",
        r"\b\d{1,3}\s?(?:%|per\s?cent)\s+(?:of\s+(?:the\s+)?(?:annual\s+|total\s+|quarterly\s+)?(?:contract\s+|service\s+)?(?:value|price|payment|sum|budget|income)|by\s+results)"),
    # money tied to outcomes or results: strong enough to carry to neighbouring text
    "money_outcome": _re(
        r"\bPbR\b", r"\bpayments?[- ]by[- ]results?\b", r"\bby[- ]results?\b", r"\boutcomes?[- ](?:related\s+|based\s+)?(?:payments?|tariffs?|claims?|funding)\b",
        r"\boutcomes?[- ](?:linked|related|based|dependent)\s+(?:element|portion|tranche|share|sum|proportion)\b",
        r"\bsuccess\s+(?:payments?|fees?)\b", r"\bpa(?:y|id|ying|yments?|yable)\s+(?:\w+\s+){0,2}(?:for|on|against|according\s+to|relative\s+to|based\s+on)\s+(?:the\s+)?(?:\w+\s+){0,2}(?:outcomes?|results?|success|achievement|performance)\b",
        r"\bincentiv\w*", r"\bbonus(?:es)?\b", r"\brewards?\b(?! recovery)", r"\brewarding\b", r"\brewarded\b", r"\btariffs?\b", r"\bat\s+risk\b",
        r"\bperformance[- ]related\b", r"\bclaw(?:ed|s)?[- ]?back\b", r"\bwith(?:hold|held|holding)\b", r"\bretained\b", r"\bdeductions?\b",
        r"\bpenalt(?:y|ies)\b", r"\b\d{1,3}\s?(?:%|per\s?cent)\s+(?:of\s+(?:the\s+)?(?:annual\s+|total\s+|quarterly\s+)?(?:contract\s+|service\s+)?(?:value|price|payment|sum|budget|income)|by\s+results)",
        r"\b(?:is|are|will\s+be|shall\s+be)\s+(?:dependent|contingent|conditional)\s+on\b", r"\bpaying\s+for\s+success\b",
        r"\bpayment\s+(?:is|will\s+be)\s+(?:reduced|increased)\b", r"\bpayment\s+reduced\b"),
    # money tied to something other than leaving treatment: it does not carry to completions
    "money_elsewhere": _re(
        r"\bnew\s+presentations?\b", r"\bper\s+(?:supervised|assessment|session|kit|test|appointment|referral|client\s+seen|dose|month)\b",
        r"\bnaloxone\b", r"\bactivity\b", r"\binvoices?\b", r"\bfails?\s+to\s+(?:deliver|submit|provide)\b", r"\bnon[- ]delivery\b",
        r"\bsupervised\s+consumption\b", r"\btraining\s+fee\b", r"\bvaccinat\w*", r"\bwait(?:ing)?\s+times?\b", r"\bretention\b",
        r"\bstay(?:ed)?\s+for\b", r"\bin\s+arrears\b", r"\bmonthly\s+instalments?\b"),
    # leaving treatment "successfully": what the review says must not be paid for
    "completion": _re(
        r"\bsuccessful(?:ly)?\s+(?:treatment\s+)?complet\w*", r"\bcomplet\w*\s+(?:their\s+)?treatment\s+successfully",
        r"\bsuccessful(?:ly)?\s+(?:exit\w*|discharg\w*|leav\w*|quits?|quit\s+attempts?)", r"\bcompletion\s+rates?\b",
        r"\bcompletions?\b", r"\bplanned\s+(?:and\s+unplanned\s+)?(?:exits?|discharges?|endings?|completions?|ways?)\b",
        r"\bexit\w*\s+(?:structured\s+)?treatment\s+in\s+a\s+planned\s+way", r"\bleav\w*\s+treatment\s+in\s+a\s+planned\s+way",
        r"\bcomplet(?:es|ed|ing|e)\s+(?:their\s+|the\s+|structured\s+|effective\s+)?treatment\b",
        r"\b(?:leav|exit|finish|complet)\w*\s+(?:their\s+|the\s+)?(?:treatment|the\s+service|structured\s+treatment)(?:\s+episode)?\s+successfully\b",
        r"\b(?:has|have|had|did)\s+not\s+(?:returned|re-?entered|re-?presented)\b", r"\bcomplete\s+as\s+planned\b",
        r"\bdoes\s+not\s+(?:return|re-?enter)\b", r"\bdo\s+not\s+re-?present\b", r"\bnon[- ]?re[- ]?present\w*", r"\bnot\s+re[- ]?present\w*",
        r"\bre[- ]?presentations?\b", r"\bC19[a-d]?\b", r"\btreatment\s+exits?\b", r"\babstinen\w*\s+at\s+(?:exit|discharge)",
        r"\b(?:leav|exit|discharg)\w*\s+(?:from\s+)?(?:structured\s+)?treatment\s+(?:(?:drug|opiate|dependence)[- ]?free\b|free\s+(?:from|of)\s+(?:all\s+|any\s+|their\s+)?(?:drugs?|dependence|dependency|opiates?|opioids?)\b)",
        r"\bdischarged\s+(?:from\s+treatment\s+)?(?:successfully|drug[- ]?free|free\s+(?:of|from))"),
    # outcome states that mean leaving treatment only when money is tied to them ("drug-free recovery" as an aim is neither)
    "completion_weak": _re(
        r"\bdrug[- ]?free\b", r"\bopiate[- ]?free\b", r"\bdependence[- ]?free\b", r"\babstinen\w*",
        r"\b(?:free\s+(?:from|of)|freedom\s+from)\s+(?:the\s+|all\s+|any\s+)?(?:drug|dependence|dependency|opiate|opioid|substance)\w*(?:\(s\))?",
        r"\bdischarg\w*\s+from\s+(?:structured\s+)?(?:treatment|OST|prescribing|the\s+service)", r"\bnumbers?\s+completing\b",
        r"\bexit\w*\s+(?:from\s+)?(?:structured\s+)?treatment\b", r"\bsuccessful\s+outcomes?\s+(?:of|from)\s+treatment\b",
        r"\bleav\w*\s+(?:structured\s+)?treatment\b", r"\bno\s+longer\s+(?:need|needs|needed|require|requires|required)\s+(?:\w+\s+)?(?:treatment|the\s+service|prescribing|a\s+prescription)\b"),
    # what follows "completion" when it is not leaving treatment: training, a form, the contract
    "not_treatment_completion": re.compile(
        r"\W{0,3}(?:of\s+(?:(?:the|a|an|their|each|any|this|all|following|relevant|required|mandatory|its)\s+){0,3}|"
        r"(?:the|a|an|their|this|its|all|any)\s+)(?:[\w'-]+\s+){0,3}?"
        r"(?:training|course|pack|programme|module|CPPE|declaration|e-?learning|qualification|induction|assessment|mobilis\w*|"
        r"contract|agreement|works?|forms?|survey|audit|invoice|report|return|review|project|transfer|handover|implementation|"
        r"quarter|year|period|questionnaire|certificate|competenc\w*|accreditation|procurement|tender)\b", F),
    # saying that no money follows (sentence-level: the scope is the sentence, never the rest of the text)
    "money_negated": _re(
        r"\bno\s+(?:element|part|proportion|portion|share)\s+of\s+(?:the\s+)?(?:payment|price|contract|funding|remuneration|value)",
        r"\b(?:not|never)\s+(?:be\s+)?(?:paid|funded|rewarded|incentivised|remunerated)\s+(?:by|on|for|according)",
        r"\b(?:not|never)\s+be\s+paid\b",
        r"\bno\s+(?:financial\s+|additional\s+|outcome\s+)?(?:payment|tariff|incentive|bonus|reward|element|penalty|deduction)s?\s+(?:is|are|will|shall|attached|linked|tied|related|payable|applies|apply)\b",
        r"\b(?:is|are|will|shall)\s+not\s+(?:be\s+)?(?:linked|tied|related|attached|subject|contingent|dependent|conditional)\s+(?:to|on)\b",
        r"\bnot\s+(?:on\s+)?(?:a\s+)?payments?[- ]by[- ]results\b", r"\bno\s+(?:payment[- ]by[- ]results|PbR)\b",
        r"\b(?:not|never)\s+(?:\w+\s+){0,2}(?:payments?[- ]by[- ]results|PbR|outcome[- ]based\s+payments?|outcome\s+payments?)\b",
        r"\b(?:not|never)\s+(?:receive|be\s+entitled\s+to|earn|attract)\s+(?:any\s+)?(?:additional\s+|extra\s+|further\s+)?(?:payment|remuneration|funding|incentive|bonus|reward)",
        r"\bnot\s+(?:a\s+)?(?:condition|basis|determinant|factor)\s+(?:of|for|in)\s+(?:any\s+)?(?:payment|the\s+price|funding|remuneration)",
        r"\bnone\s+of\s+(?:the\s+)?(?:contract|payment|price|funding|value|remuneration)\b", r"\bwithout\s+(?:any\s+)?(?:financial|payment)"),
    # completions mentioned only to be counted, reported or aimed for (marked as context of a MONITORS finding)
    "monitoring": _re(
        r"\breport\w*", r"\bmonitor\w*", r"\bKPIs?\b", r"\btargets?\b", r"\bbenchmark\w*", r"\bindicators?\b", r"\bNDTMS\b",
        r"\bmeasured?\b", r"\baims?\b"),
    # the subject of a time limit: treatment, prescribing, OST
    "treatment": _re(CORE, r"\btherapy\b", r"\bin\s+(?:the\s+)?service\b", r"\bepisodes?\b", r"\bmaintenance\b", r"\bstay\s+on\b"),
    "core_treatment": _re(r"\bOST\b", r"\bopioid\s+substitut\w*", r"\bopiate\s+substitut\w*", r"\bsubstitut\w*\s+(?:prescrib\w*|treatment|therapy|medication)",
                          r"\bheroin\s+substitut\w*", r"\b(?:MMT|OAT|OMT|ORT|MOUD)\b", r"\bmethadone\b", r"\bbuprenorphine\b", r"\bmaintenance\s+prescrib\w*",
                          r"\bprescriptions?\b", r"\btreatment\s+episodes?\b", r"\bin\s+treatment\s+for\b", r"\bprescribing\b"),
    "duration": re.compile(DURATION, F),
    # a limit on how long: the strong constructs (a limit unless negated, questioned or argued against)
    "limit": _re(
        rf"\bmaximum\s+(?:of\s+|length\s+of\s+|duration\s+of\s+|period\s+of\s+)?{DURATION}", r"\bmaximum\s+(?:length|duration|period)\b",
        rf"\b(?:limited|restricted)\s+to\s+(?:a\s+maximum\s+of\s+)?{DURATION}", rf"\b(?:not|never)\s+(?:to\s+)?exceed(?:ing)?\s+{DURATION}",
        rf"\bno\s+(?:longer|more)\s+than\s+{DURATION}", rf"\bcapped\s+at\s+{DURATION}", rf"\bup\s+to\s+a\s+maximum\s+of\s+{DURATION}",
        rf"\b(?:end|cease|stop|finish)(?:s|ed)?\s+(?:after|at|within|by)\s+{DURATION}",
        rf"\b(?:not|never)\s+(?:normally\s+|usually\s+|ordinarily\s+|routinely\s+)?(?:continue|last|run|extend|go\s+on)\s+(?:for\s+)?(?:beyond|longer\s+than|more\s+than|past|over)\s+{DURATION}",
        rf"\bafter\s+{DURATION}\W{{1,3}}{WORDS}{{0,10}}(?:must|shall|will|should)\s+(?:end|cease|stop|be\s+(?:stopped|withdrawn|ended|reduced|discharged))",
        rf"\b(?:do|does|shall|must|will|should)\s+not\s+(?:last|run|continue|exceed)\s+(?:for\s+)?(?:longer|more)\s+than\s+{DURATION}",
        rf"\bno\s+(?:client|service\s+user|one|person|patient)s?\s+(?:will\s+|shall\s+|may\s+|should\s+)?(?:remains?|stays?|continues?|be\s+prescribed)\s+{WORDS}{{0,8}}(?:longer|more)\s+than\s+{DURATION}",
        r"\btime[- ]limit(?:s|ed|ing)?\b", r"\btime[- ]?frames?\s+(?:for|on)\b",
        r"\b(?:limit|limitation|cap|restriction|ceiling)(?:s|ing)?\s+(?:on|to)\s+(?:how\s+long|the\s+length|the\s+duration|the\s+time)",
        r"\blimited\s+(?:period|duration|time)\b", r"\btime[- ]bound\b",
        rf"{DURATION}\W{{1,3}}after\s+which\s+{WORDS}{{0,8}}(?:reduc\w*|detox\w*|discharg\w*|stop\w*|end\w*|withdraw\w*|exit\w*|cease\w*)", r"\btime[- ]restrict\w*", r"\b(?:limit|restrict)(?:s|ing)?\s+(?:the\s+)?(?:length|duration)\s+of\b", r"\b(?:strict|fixed|maximum)\s+limits?\b",
        r"\b(?:reduction|detox\w*|withdrawal)(?:\s?(?:/|and|or)\s?(?:reduction|detox\w*|withdrawal))?\s+(?:as|is)\s+(?:a|the)\s+default\b",
        r"\bdefault\s+(?:approach|expectation|position|option|plan|pathway)\s+(?:of|is|will\s+be|should\s+be|must\s+be)\s+(?:\w+\s+){0,4}?(?:reduc\w*|detox\w*|abstinen\w*|withdrawal)",
        rf"\b(?:abstinen\w*|drug[- ]?free|opiate[- ]?free|detox\w*|off\s+(?:all\s+)?(?:medication|OST|methadone|substitut\w*|prescri\w*)|"
        rf"complete\w*\s+(?:a\s+|their\s+)?(?:detox\w*|reduction)|exit\w*\s+treatment|discharged)\s+{WORDS}{{0,8}}(?:within|by\s+the\s+end\s+of|after|in\s+under|in(?:\s+(?:about|around|approximately|roughly))?|by)\s+(?:{DURATION}|(?:month|week)\s+\d{{1,2}}\b)",
        rf"\bwithin\s+{DURATION}\W{{1,3}}{WORDS}{{0,8}}(?:abstinen\w*|drug[- ]?free|detox\w*|off\s+(?:medication|OST|methadone))",
        rf"\b(?:beyond|longer\s+than|more\s+than|over|after|exceed\w*)\s+{DURATION}\W{{1,3}}{WORDS}{{0,12}}(?:approv\w*|authoris\w*|authoriz\w*|sign[- ]off|exception\w*|justif\w*|panel|agreed\s+by|permission)",
        rf"\b(?:approv\w*|authoris\w*|permission)\s+{WORDS}{{0,8}}(?:beyond|longer\s+than|more\s+than|after)\s+{DURATION}",
        rf"\b(?:more\s+than|longer\s+than|over|after|beyond|at\s+least)\s+{DURATION}\W{{1,3}}{WORDS}{{0,12}}(?:will|shall|must|are\s+to)\s+be\s+(?:discharged|transferred|stepped\s+down|closed|exited|reviewed\s+for\s+discharge)",
        rf"\b(?:discharged|transferred|stepped\s+down|exited)\s+{WORDS}{{0,6}}(?:after|beyond|at\s+the\s+end\s+of)\s+{DURATION}",
        r"\b(?:mandatory|compulsory|required|enforced)\s+(?:dose\s+)?(?:reduction|detox\w*|tapering)",
        r"\b(?:reduction|detox\w*|tapering|withdrawal)\s+(?:schedule|plan|regime|programme)s?\s+(?:\S+\s+){0,8}?(?:to\s+zero|within|must|mandatory|all\s+clients|every)",
        r"\b(?:must|shall|will)\s+(?:all\s+)?(?:include|have|agree|follow)\s+(?:a\s+)?(?:dose\s+)?(?:reduction|detox\w*|tapering)\s+(?:schedule|plan|regime)",
        r"\breduc\w*\s+to\s+zero\b",
        rf"\b{NUM}[- ](?:years?|months?|weeks?|days?)\s+(?:time\s+)?(?:limit|cap|maximum|ceiling)s?\b",
        rf"\b(?:reduc\w*|taper\w*)\s+{WORDS}{{0,8}}?(?:zero|nothing|off(?:\s+(?:all\s+|their\s+)?(?:methadone|buprenorphine|OST|OAT|MMT|medication|substitut\w*|prescri\w*))?)\s+(?:in|within|over|after|by)\s+(?:around\s+|about\s+|approximately\s+|roughly\s+)?{DURATION}",
        r"\b(?:terminat\w*|end\w*|stop\w*|withdrawn|discontinu\w*|ceas\w*)\s+(?:after|at\s+the\s+end\s+of)\s+(?:a\s+)?(?:fixed|set|predetermined|specified|limited)\s+"
        r"(?:time|period|number\s+of\s+(?:weeks|months))\b",
        r"\b(?:reduc\w*|taper\w*)\s+(?:\S+\s+){0,8}?until\s+(?:\S+\s+){0,5}?(?:drug[- ]?free|opiate[- ]?free|abstinent|off\s+\w+|zero|detox\w*)"),
    # restricting access to treatment or imposing a limit with no duration: a limit only in some readings (review),
    # and evidence of NO_TIME_LIMIT when argued against ("restricting access to substitution treatment leads to relapse")
    "limit_soft": _re(
        r"\b(?:restrict\w*|limit\w*|ration\w*|curtail\w*)\s+(?:\w+\s+)?(?:access\s+to|the\s+availability\s+of|the\s+supply\s+of)\b",
        r"\b(?:restrict\w*|limit\w*|ration\w*|curtail\w*)\s+(?:this|that|such|their|its)\s+(?:access|availability|supply)\b",
        r"\baccess\s+to\s+(?:\w+\s+){0,3}?(?:will|shall|is|are|should|must|may)\s+be\s+(?:restricted|limited|rationed|curtailed|withdrawn)\b",
        r"\b(?:forc|push|mov|tak|tapering|transferr)\w*\s+(?:people|clients|patients|service\s+users|them|everyone|users)\s+off\s+(?:their\s+|all\s+)?"
        r"(?:methadone|OST|OAT|MMT|medication|substitut\w*|prescri\w*|buprenorphine|scripts?)",
        r"\b(?:impos\w*|introduc\w*|appl(?:y|ying|ied)|set(?:ting)?|plac\w*|enforc\w*)\s+(?:a\s+|any\s+)?(?:\w+\s+)?(?:time[- ]limits?|limits?\s+on\s+(?:how\s+long|the\s+length|the\s+duration))\b"),
    # weaker signs of a limit: a person reads them when the subject is treatment
    "limit_weak": _re(
        rf"\bfor\s+up\s+to\s+{DURATION}", rf"\bup\s+to\s+{DURATION}\s+(?:of\s+)?(?:treatment|prescribing|OST)",
        r"\bfor\s+a\s+(?:fixed|set|limited|specified|defined|finite)\s+(?:period|time|number\s+of\s+(?:weeks|months))",
        rf"\b(?:expected|required|aim|plan)\w*\s+to\s+(?:\w+\s+){{0,3}}(?:reduce|detox\w*|come\s+off|be\s+abstinent|be\s+drug[- ]?free|exit|leave)\s+{WORDS}{{0,6}}(?:within|by|after)\s+{DURATION}",
        r"\bexit\s+(?:plans?|strateg\w+)\b", r"\bstep(?:ped)?[- ]down\b"),
    # a length stated for treatment that no rule settles ("methadone for 12 weeks", "a 16-week reduction"): a person reads it
    "length_on_treatment": _re(
        rf"\b(?:prescrib\w*|treatment|detox\w*|reduction|methadone|buprenorphine|OST|maintenance|substitut\w*)\s+{WORDS}{{0,4}}?(?:for|over|lasting|of)\s+(?:a\s+(?:period|maximum)\s+of\s+)?{DURATION}",
        rf"\b{NUM}[- ](?:weeks?|months?|days?)\s+(?:\w+\s+)?(?:OST|methadone|buprenorphine|prescrib\w*|detox\w*|reduction|maintenance)\s+(?:programme|course|regime|script|prescription|period|plan)s?\b"),
    # explicit statements that treatment is not time-limited
    "no_time_limit": _re(
        r"\b(?:long[- ]term|lifelong|indefinite)\s+(?:or\s+(?:lifelong|long[- ]term|indefinite)\s+)?(?:maintenance|prescribing|OST|treatment|substitut\w*|opioid\s+substitut\w*)",
        r"\bfor\s+as\s+long\s+as\s+(?:it\s+|they\s+|he\s+or\s+she\s+|the\s+\w+\s+(?:user\s+)?|is\s+|it\s+is\s+|people\s+|clinically\s+)?(?:benefit|need|is\s+needed|is\s+clinically|required|request|want|wish|choose|helpful|helps|appropriate|necessary)\w*",
        r"\bno\s+(?:upper|maximum|fixed|set|time)\s+limit\b",
        # "it may last as long as it is necessary", "stay on it as long as they need": length follows the need, with or without "for"
        r"\b(?:last|lasts|continue|continues|remain|remains|stay|stays)\s+(?:on\s+(?:it|\w+)\s+)?(?:for\s+)?as\s+long\s+as\s+(?:it\s+is\s+|is\s+|they\s+|he\s+or\s+she\s+|clinically\s+)?"
        r"(?:necessary|needed|need|required|benefit\w*|clinically|helpful|appropriate|wish|want|choose)\w*",
        r"\b(?:length|duration)\s+of\s+(?:time\s+(?:in|on)\s+)?(?:\w+\s+){0,2}?(?:treatment|prescribing|OST|medication)\s+(?:will\s+be|is|shall\s+be|will|should|must)\s+"
        r"(?:(?:determined|decided|based|set)\s+(?:by|on)|depend\w*\s+(?:on|upon))\s+(?:\S+\s+){0,4}?(?:needs?|patient|client|individual|person|service\s+user|condition|progress|clinical)\w*\b",
        # no end fixed in advance: "without a set end date", "no fixed duration"
        r"\b(?:without|no)\s+(?:a\s+|any\s+)?(?:fixed|set|defined|planned)\s+(?:end(?:\s+date|\s+point)?|endpoint|duration|length|time\s+frame|timescale)\b",
        r"\bopen[- ]ended\s+(?:treatment|prescribing|OST|maintenance)\b", r"\bcontinue\w*\s+(?:\w+\s+){0,2}indefinitely\b",
        r"\b(?:nobody|no\s+one|no\s+client|no\s+service\s+user|no\s+person)\s+will\s+be\s+(?:required|expected|asked|made|forced|pressured)\s+to\s+(?:reduce|stop|leave|come\s+off|detox\w*)",
        r"\b(?:not|nobody|no\s+one|no\s+client)\s+(?:\w+\s+){0,2}(?:be\s+)?discharged\s+(?:\w+\s+){0,3}?(?:simply\s+|solely\s+|just\s+|only\s+)?because\s+of\s+(?:the\s+)?(?:length|time|duration)"),
    # durations that are not limits on treatment
    "decoy": _re(
        r"\bcontract\b", r"\b(?:initial\s+)?term\s+of\s+(?:this\s+)?(?:contract|agreement)", r"\bagreement\b",
        r"\boption\s+to\s+extend\b", r"\bextension\w*\b", r"\breview\w*\s+(?:at\s+least\s+)?(?:every|each)\b", rf"\bevery\s+{DURATION}",
        r"\bsupervis\w*", r"\b(?:assessed|seen|contacted|respond\w*|offered\s+an?\s+appointment)\s+within\b", r"\bworking\s+days\b",
        r"\b(?:psychosocial|group|structured)\s+(?:\w+\s+)?(?:programme|course|sessions?|intervention)", r"\b(?:therapy|counselling|talking|CBT)\s+sessions?\b", r"\bprogramme\s+runs\b",
        r"\b(?:inpatient|residential)\b", r"\badmissions?\b", r"\bmobilis\w*", r"\binvoices?\b", r"\bnotice\b", r"\bre-?present\w*",
        r"\bopening\s+hours\b", r"\bre-?ent(?:er|ry|ered|ering)\b", r"\bcome\s+back\b", r"\breturn\w*\s+to\s+treatment\b", r"\bdays\s+a\s+week\b", r"\bdelivery\s+fee\b", r"\breferral\s+end\b", r"\bprocure\w*"),
    # durations that are never limits on treatment, even beside OST: dispensing quantities, supervision, reviews
    "decoy_strong": _re(
        r"\bdispens\w*", r"\binstalments?\b", r"\bdays?'?\s+(?:supply|worth)\b", r"\bat\s+a\s+time\b", r"\btake[- ]?homes?\b",
        r"\bper\s+prescription\b", r"\bsupervised\s+(?:consumption|dosing|doses?)\b", r"\breview\w*\s+(?:at\s+least\s+)?(?:every|each)\b",
        r"\bprescriptions?\s+(?:\w+\s+){0,3}?(?:is|are|of|for)\s+(?:up\s+to\s+|a\s+maximum\s+of\s+|no\s+more\s+than\s+)?\d{1,2}\s+days\b"),
    # a payment heading, caption or header row, for rows and items whose money lives above them
    "payment_context": _re(r"\bpayments?\b", r"\btariffs?\b", r"\bprice\b", r"\bfinancial\b", r"\bincentiv\w*", r"\bPbR\b",
                           r"\bby results\b", r"\b\d+\s?%\s+of\b", r"\bshare\s+of\b", r"\bcontract\s+value\b", r"\bpaid\b", r"\bpayable\b",
                           r"\bclaims?\b", r"\bweighting\b", r"\brewards?\b"),
}
