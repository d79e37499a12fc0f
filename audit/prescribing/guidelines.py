"""Guideline rule sets, kept as data in `schemas/guidelines/<id>.yaml`.

A set is a list of rules (medications, condition, severity and escalations,
message, citation, confidence) plus indicators. Loading checks the file
thoroughly, so a new set (say `england-2024`) is added by writing a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from audit.errors import InputRefused
from audit.prescribing.conditions import ConditionError, compile_condition, contexts_used, describe, fields_used
from audit.resources import data_dir, load_yaml
from audit.returns.schema import load_schema

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Source:
    """A document rules cite; `no_url` says why there is no public address when `url` is empty."""

    key: str
    title: str
    publisher: str
    year: int | None
    url: str | None
    no_url: str | None = None

    @property
    def label(self) -> str:
        return f"{self.title} ({self.publisher}, {self.year or 'n.d.'})"


@dataclass(frozen=True)
class Citation:
    """Where in a source a rule's figure is stated, with the source's own short wording when it was read."""

    source: Source
    section: str
    quote: str | None = None

    @property
    def text(self) -> str:
        where = f" <{self.source.url}>" if self.source.url else f" (no public address: {self.source.no_url})"
        return f"{self.source.label}: {self.section}{where}"


@dataclass(frozen=True)
class Escalation:
    severity: str
    when: dict[str, Any]
    because: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    medications: tuple[str, ...]
    when: dict[str, Any]
    severity: str
    escalate: tuple[Escalation, ...]
    lowered_by_note: bool
    location: str
    message: str
    citations: tuple[Citation, ...]
    confidence: str
    note: str = ""

    @property
    def source(self) -> Source:
        """The main source (the first citation)."""
        return self.citations[0].source

    @property
    def section(self) -> str:
        return self.citations[0].section

    @property
    def quote(self) -> str | None:
        return self.citations[0].quote

    @property
    def citation(self) -> str:
        """What a commissioner can follow: document, year, section, address; further sources after `also:`."""
        main, *more = self.citations
        return main.text + "".join(f"; also: {c.text}" for c in more)

    @property
    def fields(self) -> set[str]:
        """Columns the rule reads: a client with an invalid one is not judged."""
        conditions = [self.when, *(e.when for e in self.escalate)]
        return set().union(*(needed_columns(c) for c in conditions)) | {"OST_MEDICATION"}

    def condition_text(self) -> str:
        meds = f"{', '.join(self.medications)}: " if self.medications else "all: "
        return meds + describe(self.when)


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    denominator: dict[str, Any]
    numerator: dict[str, Any]
    better: str
    headline: bool = False

    @property
    def fields(self) -> set[str]:
        return needed_columns(self.denominator) | needed_columns(self.numerator)


@dataclass(frozen=True)
class Guideline:
    id: str
    title: str
    path: str
    rules: tuple[Rule, ...]
    indicators: tuple[Indicator, ...]
    sources: dict[str, Source] = field(default_factory=dict)
    dose_bands: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


# the columns behind the per-client context values (validate.context_columns)
_CONTEXT_SOURCES = {"$AS_OF": "DISD", "$DISCHARGE_OUTCOME": "DISRSN"}


def needed_columns(condition: dict[str, Any]) -> set[str]:
    """Columns a condition depends on, including DISD behind `$AS_OF` and DISRSN behind `$DISCHARGE_OUTCOME`."""
    return fields_used(condition) | {_CONTEXT_SOURCES[c] for c in contexts_used(condition) if c in _CONTEXT_SOURCES}


def available() -> list[str]:
    return sorted(p.stem for p in (data_dir("schemas") / "guidelines").glob("*.yaml"))


@cache
def load_guideline(name: str = "uk-2017") -> Guideline:
    """Load a set by id (or a path to a YAML file); raises InputRefused if it is not sound."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else data_dir("schemas") / "guidelines" / f"{name}.yaml"
    if not path.is_file():
        raise InputRefused(name, f"is not a guideline set; available: {', '.join(available())}")
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
        return _build(raw, path)
    except InputRefused:
        raise
    except (KeyError, TypeError, ValueError, ConditionError, yaml.YAMLError) as exc:
        raise InputRefused(path, f"is not a valid guideline file ({exc})") from None


def _source(key: str, raw: dict[str, Any]) -> Source:
    url, no_url = raw.get("url"), raw.get("no_url")
    if not raw.get("title") or not raw.get("publisher"):
        raise ValueError(f"source {key}: needs a title and a publisher")
    if bool(url) == bool(no_url):
        raise ValueError(f"source {key}: give a `url`, or `no_url` saying why there is no public address (not both)")
    year = raw.get("year")
    return Source(key, str(raw["title"]), str(raw["publisher"]), None if year is None else int(year), url, no_url)


def _citations(rule_id: str, raw: Any, sources: dict[str, Source]) -> tuple[Citation, ...]:
    """The rule's citation and its `also` list; each names a known source and a section or page."""
    if not isinstance(raw, dict):
        raise ValueError(f"rule {rule_id}: every rule needs a citation with a known source and a section")
    out = []
    for item in [raw, *(raw.get("also") or [])]:
        where = item.get("section") or item.get("page")
        if item.get("source") not in sources or not where:
            raise ValueError(f"rule {rule_id}: every citation needs a known source and a section or page")
        quote = " ".join(str(item["quote"]).split()) if item.get("quote") else None
        out.append(Citation(sources[item["source"]], str(where), quote))
    return tuple(out)


def _build(raw: dict[str, Any], path: Path) -> Guideline:
    columns = set(load_schema().column_names)
    meds = set(load_schema().medications)
    sources = {k: _source(k, v) for k, v in raw["sources"].items()}
    rules = []
    for r in raw["rules"]:
        rule_id = r["id"]
        if r["severity"] not in SEVERITIES:
            raise ValueError(f"rule {rule_id}: severity must be one of {SEVERITIES}")
        citations = _citations(rule_id, r.get("citation"), sources)
        note = " ".join(str(r.get("note") or "").split())
        if not note and not any(c.quote for c in citations):
            raise ValueError(f"rule {rule_id}: quote the source's wording, or say in `note` why it is not quoted")
        unknown_meds = set(r.get("medications", ())) - meds
        if unknown_meds:
            raise ValueError(f"rule {rule_id}: unknown medications {sorted(unknown_meds)}")
        escalate = tuple(Escalation(e["severity"], e["when"], e.get("because", "")) for e in r.get("escalate", ()))
        rule = Rule(rule_id, r["title"], tuple(r.get("medications", ())), r["when"], r["severity"], escalate,
                    bool(r["lowered_by_note"]), r["location"], r["message"], citations, str(r["confidence"]), note)
        unknown = (rule.fields | {rule.location}) - columns
        if unknown:
            raise ValueError(f"rule {rule_id}: unknown columns {sorted(unknown)}")
        compile_condition(rule.when)
        for esc in escalate:
            if esc.severity not in SEVERITIES:
                raise ValueError(f"rule {rule_id}: escalation severity must be one of {SEVERITIES}")
            compile_condition(esc.when)
        rules.append(rule)
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise ValueError("rule ids must be unique")
    indicators = tuple(Indicator(i["id"], i["label"], i["denominator"], i["numerator"], i.get("better", "high"),
                                 bool(i.get("headline", False))) for i in raw.get("indicators", ()))
    for ind in indicators:
        compile_condition(ind.denominator)
        compile_condition(ind.numerator)
    bands = raw.get("dose_bands") or {}
    if set(bands) - meds:
        raise ValueError(f"dose_bands: unknown medications {sorted(set(bands) - meds)}")
    return Guideline(raw["id"], raw["title"], str(path), tuple(rules), indicators, sources, bands)


def sources_markdown(name: str = "uk-2017") -> str:
    """docs/guideline-sources.md: each rule's figure, where it is stated, the wording, and how sure we are.

    Generated from the rule file, so the document a clinical lead reads and the
    rules the tool runs cannot drift apart; a test keeps the committed copy fresh.
    """
    g = load_guideline(name)
    lines = [f"# Where each `{g.id}` rule comes from", "",
             f"Generated from `schemas/guidelines/{g.id}.yaml` by `python -m audit.docs`; do not edit by hand.",
             "This is the text the shared rule spec's sources table should carry.", "",
             "| rule | checks | source and place | the source's words | note | confidence |", "|---|---|---|---|---|---|"]
    for r in g.rules:
        places = "<br>".join(c.text for c in r.citations)
        quotes = "<br>".join(f"“{c.quote}” ({c.source.key})" for c in r.citations if c.quote) or "not quoted (see note)"
        lines.append("| " + " | ".join(_cell(x) for x in (f"`{r.id}`", r.condition_text(), places, quotes, r.note or "-",
                                                           r.confidence)) + " |")
    lines += ["", "## Sources", ""]
    for s in sorted(g.sources.values(), key=lambda s: s.key):
        where = s.url or f"no public address: {s.no_url}"
        lines.append(f"- `{s.key}`: {s.label}. {where}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
