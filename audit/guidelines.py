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

from audit.conditions import ConditionError, compile_condition, contexts_used, describe, fields_used
from audit.errors import InputRefused
from audit.resources import data_dir, load_yaml
from audit.schema import load_schema

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    publisher: str
    year: int
    url: str | None


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
    source: Source
    section: str
    confidence: str

    @property
    def citation(self) -> str:
        """One line a commissioner can follow: document, year, section, address."""
        url = f" <{self.source.url}>" if self.source.url else ""
        return f"{self.source.title} ({self.source.publisher}, {self.source.year}): {self.section}{url}"

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


def needed_columns(condition: dict[str, Any]) -> set[str]:
    """Columns a condition depends on, including DISD behind `$AS_OF` (DISD when discharged)."""
    used = fields_used(condition)
    if "$AS_OF" in contexts_used(condition):
        used.add("DISD")
    return used


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


def _build(raw: dict[str, Any], path: Path) -> Guideline:
    columns = set(load_schema().column_names)
    meds = set(load_schema().medications)
    sources = {k: Source(k, v["title"], v["publisher"], int(v["year"]), v.get("url")) for k, v in raw["sources"].items()}
    rules = []
    for r in raw["rules"]:
        rule_id = r["id"]
        if r["severity"] not in SEVERITIES:
            raise ValueError(f"rule {rule_id}: severity must be one of {SEVERITIES}")
        citation = r.get("citation") or {}
        if citation.get("source") not in sources or not citation.get("section"):
            raise ValueError(f"rule {rule_id}: every rule needs a citation with a known source and a section")
        unknown_meds = set(r.get("medications", ())) - meds
        if unknown_meds:
            raise ValueError(f"rule {rule_id}: unknown medications {sorted(unknown_meds)}")
        escalate = tuple(Escalation(e["severity"], e["when"], e.get("because", "")) for e in r.get("escalate", ()))
        rule = Rule(rule_id, r["title"], tuple(r.get("medications", ())), r["when"], r["severity"], escalate,
                    bool(r["lowered_by_note"]), r["location"], r["message"], sources[citation["source"]],
                    citation["section"], str(r["confidence"]))
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
